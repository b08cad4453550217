"""`journey lsp`: the language server, end to end over stdio with pygls's JSON-RPC client.

One server process is started for the module (``python -m journeydsl lsp``), initialised, and
driven like an editor drives it: open a document, change it, hover, complete, jump to
definitions and references, ask for the outline, rename, format, shut down.  Published
diagnostics are compared with what ``journey check --format json`` says about the same file.
The index and completion, which need no pygls, are also tested directly.  Without pygls the
end-to-end tests skip, and ``journey lsp`` is shown to exit 2 naming the extra.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner

from journeydsl import api
from journeydsl.cli.commands import cli
from journeydsl.lang.loader import load_text
from journeydsl.lsp.complete import complete, enclosing_block
from journeydsl.lsp.figures import recent_results, source_hash
from journeydsl.lsp.index import build_index, written_name

from .conftest import EXAMPLES, ROOT

T = TypeVar("T")

LIBRARY = """\
library {
  touchpoint apology: staff duration 2 min { feel +1 }
}
"""

SHOP = """\
import "lib.journey"

journey "Shop" {
  arrivals cohort 200
  memory { peak 0.4; end 0.3; mean 0.3 }  # no hover in a comment: stage
  segment regular 70% { patience 5 min }
  segment "big spender" 30% { value 100 }

  stage browse (pre-purchase) {
    touchpoint ad: advertising { feel +1; theme trust +1 }
    -> pay 60%, 80% if segment regular
    -> exit
  }
  stage pay (purchase) goal {
    touchpoint till: staff capacity 2 duration exponential(2 min) {
      act +1
      failure jam 5% { feel -2 } recover by apology
    }
  }
  care thanks: media for segment regular every 30 days { feel +1 }
  variant "quick till" {
    change till capacity 4
    add touchpoint receipt: digital { feel +1 } in pay after till
  }
  expect drop_rate of stage pay < 90%
  expect "quick till" beats baseline on satisfaction
}
"""


HOSTILE = """\
journey "J" {
  stage start { touchpoint t: staff { feel +1 } -> "a`b<img src=x onerror=alert(1)>" }
  stage "a`b<img src=x onerror=alert(1)>" goal { touchpoint u: staff { feel +1 } }
}
"""


def position_of(text: str, needle: str, occurrence: int = 0, offset: int = 0) -> tuple[int, int]:
    """The 0-based line and character (code points) of the ``occurrence``-th ``needle``, plus ``offset``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    start += offset
    line = text.count("\n", 0, start)
    return line, start - (text.rfind("\n", 0, start) + 1)


# ---- without pygls -----------------------------------------------------------------


def test_index_finds_definitions_and_references_at_their_names() -> None:
    loaded = load_text(SHOP, "shop.journey", base=None)
    index = build_index(loaded.journey, "shop.journey", SHOP)
    lines = SHOP.split("\n")
    for occurrence in index.occurrences:
        if occurrence.span.file != "shop.journey" or occurrence.kind in ("import", "setting"):
            continue
        span = occurrence.span
        written = lines[span.line - 1][span.column - 1 : span.end_column - 1]
        assert written == written_name(occurrence.name), occurrence
    stage_pay = index.references("stage", "pay")
    assert [(o.definition, o.span.line) for o in stage_pay] == [(True, 14), (False, 11), (False, 23), (False, 25)]
    regular = index.references("segment", "regular", include_definition=False)
    assert [o.span.line for o in regular] == [11, 20]
    assert index.names("design") == ["quick till"]
    assert [(o.span.line, o.span.column) for o in index.references("design", "quick till")] == [(21, 11), (26, 10)]
    assert [o.span.line for o in index.references("touchpoint", "till")] == [15, 22, 23]
    assert [(o.span.line, o.detail) for o in index.definitions("touchpoint", "receipt")] == [
        (23, "added by design quick till")
    ]


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_name_of_every_example_is_found_where_it_is_written(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    checked = api.check_text(text, example.name, base=example.parent)
    index = build_index(checked.journey or checked.library, example.name, text)
    lines = text.split("\n")
    named = [o for o in index.occurrences if o.span.file == example.name and o.kind not in ("import", "setting")]
    assert named
    for occurrence in named:
        span = occurrence.span
        assert lines[span.line - 1][span.column - 1 : span.end_column - 1] == written_name(occurrence.name)
        assert index.at(span.line, span.column) == occurrence
    for kind in ("stage", "touchpoint", "segment"):
        for name in index.names(kind):
            assert index.definitions(kind, name), (kind, name)
    # Every prefix of the file (each line cut at every fifth column) completes without failing.
    for number, line in enumerate(lines):
        for column in range(0, len(line) + 1, 5):
            before = "\n".join([*lines[:number], line[:column]])
            assert all(candidate.insert for candidate in complete(before, index))


def test_completion_in_context(tmp_path: Path) -> None:
    (tmp_path / "lib.journey").write_text(LIBRARY, encoding="utf-8")
    index = build_index(load_text(SHOP, "shop.journey", base=tmp_path).journey, "shop.journey", SHOP)

    def labels(before: str) -> list[str]:
        return [c.label for c in complete(before, index)]

    assert labels('journey "S" {\n stage a {\n  -> ') == ["browse", "pay", "exit"]
    assert "digital" in labels('journey "S" {\n stage a {\n  touchpoint t: ')
    assert "trust" in labels('journey "S" {\n stage a {\n  touchpoint t: staff { theme ')
    assert "feel" in labels('journey "S" {\n stage a {\n  touchpoint t: staff {\n    ')
    assert labels('journey "S" {\n stage a {\n  -> b 10%, 20% if segment ') == ["regular", "big spender"]
    assert [c.insert for c in complete('journey "S" {\n variant "x" extends ', index)] == ['"quick till"']
    assert "apology" in labels('journey "S" {\n stage a {\n  use ')
    assert "service" in labels('journey "S" {\n stage a {\n  touchpoint t: staff { performance ')
    assert "half_life" in labels('journey "S" {\n  affect { ')
    assert "stage" in labels('journey "S" {\n  ')
    assert "exponential" in labels('journey "S" {\n stage a {\n  touchpoint t: staff duration ')
    assert "min" in labels('journey "S" {\n stage a {\n  touchpoint t: staff duration normal(5 ')
    assert "day" in labels('journey "S" {\n  arrivals poisson 3 per ')
    assert labels('journey "S" {\n  arrivals ') == ["poisson", "cohort", "market"]
    assert labels('journey "S" {\n  stage a ') == ["pre-purchase", "purchase", "post-purchase", "goal"]
    assert [c.insert for c in complete('journey "S" {\n  stage a ', index)][0] == "(pre-purchase)"
    assert "moment of truth" in labels('journey "S" {\n stage a {\n  touchpoint t: staff capacity 2 ')
    assert "capacity" not in labels('journey "S" {\n stage a {\n  touchpoint t: staff capacity 2 { ')
    assert enclosing_block('journey "S" { # {\n  stage "a {" {') == "stage"
    (tmp_path / "shop.journey").write_text(SHOP, encoding="utf-8")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "care.journey").write_text(LIBRARY, encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "no.journey").write_text(LIBRARY, encoding="utf-8")
    offered = complete('import "', index, tmp_path, tmp_path / "shop.journey")
    assert [(c.label, c.insert) for c in offered] == [
        ("lib.journey", '"lib.journey"'),
        ("shared/care.journey", '"shared/care.journey"'),
    ]
    assert labels('journey "S" {\n stage a {\n  -> pay # then -> ') == []  # in a comment


def test_figures_hash_is_the_simulators() -> None:
    from journeydsl.sim.settings import source_hash as simulator_hash

    sources = {"a.journey": SHOP, "lib.journey": LIBRARY}
    assert source_hash(sources) == simulator_hash(sources)
    assert source_hash(sources) != simulator_hash({"a.journey": SHOP})


def test_recent_results_prefers_the_current_text(tmp_path: Path) -> None:
    old = {"schema": "journeydsl.results/1", "journey": "Shop", "source_sha256": "sha256:old", "touchpoints": {}}
    now = {**old, "source_sha256": "sha256:now"}
    (tmp_path / "b.json").write_text(json.dumps(old), encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps(now), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "other.json").write_text(json.dumps({**now, "journey": "Other"}), encoding="utf-8")
    found = recent_results(tmp_path, "Shop", "sha256:now")
    assert found is not None and found.current and found.path.name == "a.json"
    stale = recent_results(tmp_path, "Shop", "sha256:changed")
    assert stale is not None and not stale.current
    assert recent_results(tmp_path, "Nobody", None) is None


def test_without_pygls_the_command_names_the_extra() -> None:
    blocker = (
        "import sys\n"
        "for name in ('pygls', 'lsprotocol'):\n"
        "    sys.modules[name] = None\n"
        "sys.argv = ['journey', 'lsp']\n"
        "from journeydsl.cli.main import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", blocker], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert "install journeydsl[lsp]" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_server_stops_when_its_editor_goes_away() -> None:
    pytest.importorskip("pygls")
    server = subprocess.Popen(
        [sys.executable, "-m", "journeydsl", "lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    assert server.stdin is not None
    server.stdin.close()  # the editor quit without `shutdown` and `exit`
    try:
        assert server.wait(timeout=20) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_editor_setups_in_the_docs_start_this_server() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and newer
    text = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    helix = tomllib.loads(re.findall(r"```toml\n(.*?)```", text, re.S)[0])
    assert helix["language-server"]["journeydsl"] == {"command": "journey", "args": ["lsp"]}
    assert helix["language"][0]["file-types"] == ["journey"]
    assert 'cmd = { "journey", "lsp" }' in text  # Neovim
    assert '(journey-mode . ("journey" "lsp"))' in text  # Emacs
    package = ROOT / "editors" / "vscode" / "package.json"
    if package.is_file():
        version = json.loads(package.read_text(encoding="utf-8"))["version"]
        assert f"code --install-extension journeydsl-{version}.vsix" in text


def raw_exchange(folder: Path, messages: list[dict[str, Any]], *options: str) -> list[dict[str, Any]]:
    """Run ``journey lsp`` on a whole conversation of raw JSON-RPC messages; its replies and notifications."""

    def framed(body: dict[str, Any]) -> bytes:
        data = json.dumps(body).encode("utf-8")
        return b"Content-Length: %d\r\n\r\n" % len(data) + data

    done = subprocess.run(
        [sys.executable, "-m", "journeydsl", "lsp", *options],
        input=b"".join(framed(m) for m in messages),
        capture_output=True,
        timeout=60,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")},
    )
    assert done.returncode == 0, done.stderr.decode()
    parts = re.split(rb"Content-Length: \d+\r\n(?:[^\r\n]+\r\n)*\r\n", done.stdout)
    return [json.loads(part) for part in parts if part]


def conversation(capabilities: dict[str, Any], *documents: tuple[Path, str]) -> list[dict[str, Any]]:
    """Initialize, open each document, shut down and exit."""
    opened = [{"uri": path.as_uri(), "languageId": "journey", "version": 1, "text": text} for path, text in documents]
    return [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": capabilities}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        *({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": d}} for d in opened),
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]


def test_positions_in_utf8_when_the_client_asks_for_them(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    text = 'journey "J" {\n  stage "😀" goal { touchpoint t: staff { feel +1 } -> nowhere }\n}\n'
    capabilities = {"general": {"positionEncodings": ["utf-8"]}}
    bodies = raw_exchange(tmp_path, conversation(capabilities, (tmp_path / "j.journey", text)))
    assert bodies[0]["result"]["capabilities"]["positionEncoding"] == "utf-8"
    published = next(b for b in bodies if b.get("method") == "textDocument/publishDiagnostics")
    undefined = next(d for d in published["params"]["diagnostics"] if d["code"] == "JD101")
    column = text.split("\n")[1].index("nowhere")
    assert undefined["range"]["start"] == {"line": 1, "character": column + 3}  # the emoji is four bytes
    assert bodies[-1] == {"id": 2, "jsonrpc": "2.0", "result": None}


def test_root_and_allow_large_as_journey_check_takes_them(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    (tmp_path / "lib.journey").write_text(LIBRARY, encoding="utf-8")
    (tmp_path / "journeys").mkdir()
    text = SHOP.replace('import "lib.journey"', 'import "../lib.journey"').replace(
        "arrivals cohort 200", "arrivals cohort 20000000"
    )
    document = tmp_path / "journeys" / "shop.journey"
    document.write_text(text, encoding="utf-8")

    def codes(*options: str) -> list[tuple[str, str]]:
        bodies = raw_exchange(tmp_path, conversation({}, (document, text)), *options)
        published = next(b for b in bodies if b.get("method") == "textDocument/publishDiagnostics")
        return sorted(
            (d["code"], "error" if d["severity"] == 1 else "warning") for d in published["params"]["diagnostics"]
        )

    checked = CliRunner().invoke(cli, ["check", str(document), "--format", "json"])
    expected = sorted((d["code"], d["severity"]) for d in json.loads(checked.output)["files"][0]["diagnostics"])
    assert codes() == expected and ("JD402", "error") in expected  # the library is outside the journey's folder
    checked = CliRunner().invoke(
        cli, ["check", str(document), "--root", str(tmp_path), "--allow-large", "--format", "json"]
    )
    expected = sorted((d["code"], d["severity"]) for d in json.loads(checked.output)["files"][0]["diagnostics"])
    assert codes("--root", str(tmp_path), "--allow-large") == expected == [("JD505", "warning")]


def test_stdio_and_tcp_exclude_each_other() -> None:
    done = CliRunner().invoke(cli, ["lsp", "--stdio", "--tcp", "2087"])
    assert done.exit_code == 2 and "exclude each other" in done.output


# ---- end to end over stdio -----------------------------------------------------------


class Session:
    """An editor's side of the conversation: a pygls client on its own event loop thread."""

    def __init__(self, folder: Path) -> None:
        from lsprotocol import types as lsp
        from pygls.lsp.client import LanguageClient

        self.lsp = lsp
        self.folder = folder
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = LanguageClient("journeydsl-tests", "1")
        self.published: dict[str, list[Any]] = {}
        self.arrived = threading.Condition()
        self.messages: list[str] = []

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: Any) -> None:
            with self.arrived:
                self.published.setdefault(params.uri, []).append(params)
                self.arrived.notify_all()

        @self.client.feature(lsp.WINDOW_SHOW_MESSAGE)
        def show(params: Any) -> None:
            self.messages.append(params.message)

        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.call(self.client.start_io(sys.executable, "-m", "journeydsl", "lsp", "--stdio", cwd=str(folder), env=env))
        capabilities = lsp.ClientCapabilities(
            general=lsp.GeneralClientCapabilities(position_encodings=[lsp.PositionEncodingKind.Utf16]),
            text_document=lsp.TextDocumentClientCapabilities(rename=lsp.RenameClientCapabilities(prepare_support=True)),
        )
        self.initialized = self.call(
            self.client.initialize_async(
                lsp.InitializeParams(capabilities=capabilities, root_uri=folder.as_uri(), process_id=os.getpid())
            )
        )
        self.notify(self.client.initialized, lsp.InitializedParams())

    def notify(self, send: Any, params: Any) -> None:
        """Send a notification from the client's own thread (its writer is not thread-safe)."""
        self.loop.call_soon_threadsafe(send, params)

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 20) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def uri(self, name: str) -> str:
        return (self.folder / name).as_uri()

    def open(self, name: str, text: str) -> Any:
        count = len(self.published.get(self.uri(name), []))
        item = self.lsp.TextDocumentItem(uri=self.uri(name), language_id="journey", version=1, text=text)
        self.notify(self.client.text_document_did_open, self.lsp.DidOpenTextDocumentParams(text_document=item))
        return self.diagnostics(name, count)

    def change(self, name: str, text: str, version: int) -> Any:
        count = len(self.published.get(self.uri(name), []))
        document = self.lsp.VersionedTextDocumentIdentifier(uri=self.uri(name), version=version)
        change = self.lsp.TextDocumentContentChangeWholeDocument(text=text)
        self.notify(
            self.client.text_document_did_change,
            self.lsp.DidChangeTextDocumentParams(text_document=document, content_changes=[change]),
        )
        return self.diagnostics(name, count)

    def diagnostics(self, name: str, seen: int) -> Any:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.published.get(self.uri(name), [])) > seen, timeout=20)
            return self.published[self.uri(name)][-1]

    def where(self, name: str, text: str, needle: str, occurrence: int = 0, offset: int = 0) -> dict[str, Any]:
        line, character = position_of(text, needle, occurrence, offset)
        return {
            "text_document": self.lsp.TextDocumentIdentifier(uri=self.uri(name)),
            "position": self.lsp.Position(line=line, character=character),
        }

    def stop(self) -> int | None:
        self.call(self.client.shutdown_async(None))
        self.notify(self.client.exit, None)
        self.call(self.client.stop())
        server = self.client._server
        code = server.returncode if server is not None else None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        return code


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    pytest.importorskip("pygls")
    pytest.importorskip("lsprotocol")
    folder = tmp_path_factory.mktemp("lsp")
    (folder / "lib.journey").write_text(LIBRARY, encoding="utf-8")
    (folder / "shop.journey").write_text(SHOP, encoding="utf-8")
    started = Session(folder)
    try:
        yield started
    finally:
        server = started.client._server
        try:
            if not started.client.stopped:
                started.stop()
        finally:
            if server is not None and server.returncode is None:
                server.kill()  # a server that did not stop is never left behind


def test_server_announces_its_features(session: Session) -> None:
    capabilities = session.initialized.capabilities
    assert session.initialized.server_info.name == "journeydsl"
    assert capabilities.hover_provider and capabilities.code_action_provider
    assert capabilities.document_highlight_provider and "(" in capabilities.signature_help_provider.trigger_characters
    assert capabilities.definition_provider and capabilities.references_provider
    assert capabilities.document_symbol_provider and capabilities.document_formatting_provider
    assert capabilities.rename_provider.prepare_provider is True
    assert ">" in capabilities.completion_provider.trigger_characters


def test_diagnostics_are_those_of_journey_check(session: Session) -> None:
    broken = SHOP.replace("-> exit", "-> nowhere").replace("  stage pay", '  stage "pay😀" { -> pay }\n  stage pay')
    path = session.folder / "broken.journey"
    path.write_text(broken, encoding="utf-8")
    checked = CliRunner().invoke(cli, ["check", str(path), "--format", "json"])
    problems = json.loads(checked.output)["files"][0]["diagnostics"]
    assert checked.exit_code == 1 and problems
    published = session.open("broken.journey", broken)
    assert published.version == 1
    found = {
        (d.code, d.range.start.line, d.range.start.character, d.range.end.character) for d in published.diagnostics
    }
    lines = broken.split("\n")

    def utf16(line: int, column: int) -> int:  # `journey check` counts characters, LSP UTF-16 units
        return len(lines[line - 1][: column - 1].encode("utf-16-le")) // 2

    wanted = {
        (
            item["code"],
            item["line"] - 1,
            utf16(item["line"], item["column"]),
            utf16(item["end_line"], item["end_column"]),
        )
        for item in problems
    }
    assert found == wanted
    assert ("JD503", 13, 8, 15) in found  # `"pay😀"`: 6 characters, 7 UTF-16 units
    undefined = next(d for d in published.diagnostics if d.code == "JD101")
    assert undefined.severity == session.lsp.DiagnosticSeverity.Error
    assert undefined.source == "journeydsl"
    assert "nowhere" in undefined.message and "hint:" in undefined.message
    assert undefined.code_description.href.endswith("docs/diagnostics.md#jd101-undefined-stage-error")
    unreachable = [d for d in published.diagnostics if d.code in ("JD301", "JD503")]
    assert unreachable, "the emoji stage is unreachable or empty"
    assert any(d.severity == session.lsp.DiagnosticSeverity.Warning for d in published.diagnostics if d.code == "JD503")


def test_positions_are_utf16_after_a_wide_character(session: Session) -> None:
    text = 'journey "J" {\n  stage "😀" goal { touchpoint t: staff { feel +1 } -> nowhere }\n}\n'
    published = session.open("wide.journey", text)
    undefined = next(d for d in published.diagnostics if d.code == "JD101")
    line, character = position_of(text, "nowhere")
    assert undefined.range.start.line == line
    assert undefined.range.start.character == character + 1  # the emoji is two UTF-16 units
    assert undefined.range.end.character == character + 1 + len("nowhere")


def test_a_problem_in_an_imported_file_is_shown_at_its_import(session: Session) -> None:
    (session.folder / "badlib.journey").write_text(
        "library {\n  touchpoint sorry: pigeon { feel +1 }\n}\n", encoding="utf-8"
    )
    text = SHOP.replace('import "lib.journey"', 'import "lib.journey"\nimport "badlib.journey"')
    published = session.open("importer.journey", text)
    channel = next(d for d in published.diagnostics if d.code == "JD103")
    assert (channel.range.start.line, channel.range.start.character) == (1, 7)  # `"badlib.journey"`
    assert channel.message.startswith("in badlib.journey: ")
    inside = channel.related_information[0].location
    assert inside.uri == session.uri("badlib.journey")
    assert (inside.range.start.line, inside.range.start.character) == (1, 20)  # `pigeon`


def test_a_library_changed_on_disk_is_read_again(session: Session) -> None:
    lsp = session.lsp
    folder = session.folder / "watched"
    folder.mkdir()
    (folder / "lib.journey").write_text(LIBRARY, encoding="utf-8")
    assert list(session.open("watched/shop.journey", SHOP).diagnostics) == []
    count = len(session.published[session.uri("watched/shop.journey")])
    (folder / "lib.journey").write_text(LIBRARY.replace("apology", "excuse"), encoding="utf-8")
    event = lsp.FileEvent(uri=session.uri("watched/lib.journey"), type=lsp.FileChangeType.Changed)
    session.notify(session.client.workspace_did_change_watched_files, lsp.DidChangeWatchedFilesParams(changes=[event]))
    published = session.diagnostics("watched/shop.journey", count)
    assert [d.code for d in published.diagnostics] == ["JD108"]  # `recover by apology`: no such touchpoint now


def test_incremental_changes(session: Session) -> None:
    lsp = session.lsp
    session.open("incremental.journey", SHOP)
    count = len(session.published[session.uri("incremental.journey")])
    line, character = position_of(SHOP, "-> exit", 0, 3)
    where = lsp.Range(start=lsp.Position(line, character), end=lsp.Position(line, character + 4))
    change = lsp.TextDocumentContentChangePartial(range=where, text="nowhere")
    document = lsp.VersionedTextDocumentIdentifier(uri=session.uri("incremental.journey"), version=2)
    session.notify(
        session.client.text_document_did_change,
        lsp.DidChangeTextDocumentParams(text_document=document, content_changes=[change]),
    )
    published = session.diagnostics("incremental.journey", count)
    assert [(d.code, d.range.start.line, d.range.start.character) for d in published.diagnostics] == [
        ("JD101", line, character)
    ]


def big_journey(stages: int) -> str:
    """A valid journey of ``stages`` stages of four touchpoints: slow enough to check that typing must pause."""
    lines = ['journey "Big" {']
    for i in range(stages):
        lines.append(f"  stage s{i}{' goal' if i == stages - 1 else ''} {{")
        for j in range(4):
            lines.append(f"    touchpoint t{i}_{j}: staff capacity 2 duration exponential(3 min) {{ feel +1 }}")
        lines.append(f"    -> s{i + 1}\n  }}" if i < stages - 1 else "  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def test_a_burst_of_changes_to_a_large_file_is_checked_once_typing_pauses(session: Session) -> None:
    text = big_journey(250)  # about 0.4 s to check here; the server waits for a pause above 0.05 s
    assert list(session.open("big.journey", text).diagnostics) == []
    before = len(session.published[session.uri("big.journey")])
    for version in range(2, 7):
        typed = text.replace("-> s1\n", "-> s1" + "x" * (version - 1) + "\n")
        document = session.lsp.VersionedTextDocumentIdentifier(uri=session.uri("big.journey"), version=version)
        change = session.lsp.TextDocumentContentChangeWholeDocument(text=typed)
        session.notify(
            session.client.text_document_did_change,
            session.lsp.DidChangeTextDocumentParams(text_document=document, content_changes=[change]),
        )
    with session.arrived:
        assert session.arrived.wait_for(
            lambda: session.published[session.uri("big.journey")][-1].version == 6, timeout=20
        )
    published = session.published[session.uri("big.journey")][before:]
    assert len(published) < 5  # not one check per keystroke
    assert [d.message.splitlines()[0] for d in published[-1].diagnostics if d.code == "JD101"] == [
        "stage `s1xxxxx` is not defined"
    ]


def test_typing_a_syntax_error_and_fixing_it(session: Session) -> None:
    session.open("typing.journey", SHOP)
    unfinished = SHOP[: SHOP.rindex("}")]  # the journey's closing brace not typed yet
    published = session.change("typing.journey", unfinished, 2)
    assert [d.code for d in published.diagnostics] == ["JD002"]
    brace = published.diagnostics[0]
    assert (brace.range.start.line, brace.range.start.character) == position_of(SHOP, '"Shop" {', 0, len('"Shop" '))
    assert brace.related_information and brace.related_information[0].location.uri == session.uri("typing.journey")
    published = session.change("typing.journey", SHOP, 3)
    assert list(published.diagnostics) == []
    assert published.version == 3


def test_hover(session: Session) -> None:
    session.open("shop.journey", SHOP)
    lsp = session.lsp

    def hover(needle: str, occurrence: int = 0, offset: int = 1) -> str:
        params = lsp.HoverParams(**session.where("shop.journey", SHOP, needle, occurrence, offset))
        found = session.call(session.client.text_document_hover_async(params))
        assert found is not None, needle
        return str(found.contents.value)

    till = hover("till", 0)
    assert "touchpoint `till`" in till and "stage `pay`" in till and "channel `staff`" in till
    assert "capacity 2" in till and "`act` +1" in till and "recover by `apology`" in till
    assert "touchpoint `till`" in hover("change till", 0, len("change t"))  # a reference shows the definition
    assert "**`goal`** (keyword)" in hover("goal")
    assert "a transition" in hover("-> pay", 0, 0)
    assert "(metric)" in hover("drop_rate") and "(time unit): 60 seconds" in hover("5 min", 0, 3)
    assert "(purchase phase of a stage)" in hover("pre-purchase")
    assert "default 0.35" in hover("peak")
    assert "segment `big spender`" in hover('"big spender"')
    assert "channel" in hover("advertising") and "advertising in any medium" in hover("advertising")
    assert "library" in hover("recover by apology", 0, len("recover by a")) and "lib.journey" in hover(
        "recover by apology", 0, len("recover by a")
    )
    assert "Simulated" not in till
    params = lsp.HoverParams(**session.where("shop.journey", SHOP, "# no hover", 0, 6))
    assert session.call(session.client.text_document_hover_async(params)) is None  # a word in a comment
    hostile = session.open("hostile.journey", HOSTILE)
    assert not [d for d in hostile.diagnostics if d.severity == lsp.DiagnosticSeverity.Error]
    params = lsp.HoverParams(**session.where("hostile.journey", HOSTILE, "-> ", 0, 4))
    shown = session.call(session.client.text_document_hover_async(params)).contents.value
    assert "**stage ``a`b<img src=x onerror=alert(1)>``**" in shown


def test_while_typing_hover_uses_the_last_text_that_parsed_where_it_still_stands(session: Session) -> None:
    lsp = session.lsp
    session.open("stale.journey", SHOP)
    unfinished = SHOP[: SHOP.rindex("}")].replace("touchpoint till:", "touchpoint tall:")  # does not parse
    published = session.change("stale.journey", unfinished, 2)
    assert [d.code for d in published.diagnostics] == ["JD002"]
    params = lsp.HoverParams(**session.where("stale.journey", unfinished, "touchpoint ad", 0, len("touchpoint a")))
    assert "touchpoint `ad`" in session.call(session.client.text_document_hover_async(params)).contents.value
    params = lsp.HoverParams(**session.where("stale.journey", unfinished, "tall", 0, 1))
    assert session.call(session.client.text_document_hover_async(params)) is None  # `till` stood here
    where = session.where("stale.journey", unfinished, "-> pay", 0, 4)
    found = session.call(session.client.text_document_definition_async(lsp.DefinitionParams(**where)))
    assert not found  # definitions need a text that parses
    names = session.call(
        session.client.text_document_document_symbol_async(
            lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=session.uri("stale.journey")))
        )
    )
    assert [(s.name, [c.name for c in s.children or []]) for s in names if s.name == "pay"] == [("pay", [])]


def test_hover_shows_the_figures_of_a_recent_simulation(session: Session) -> None:
    done = CliRunner().invoke(
        cli,
        [
            "simulate",
            str(session.folder / "shop.journey"),
            "--customers",
            "40",
            "--format",
            "json",
            "-o",
            str(session.folder / "results.json"),
        ],
    )
    assert done.exit_code == 0, done.output
    results = json.loads((session.folder / "results.json").read_text(encoding="utf-8"))
    visits, customers = results["touchpoints"]["till"]["visits"], results["customers"]
    session.open("shop.journey", SHOP)
    params = session.lsp.HoverParams(**session.where("shop.journey", SHOP, "till", 0, 1))
    text = session.call(session.client.text_document_hover_async(params)).contents.value
    assert f"Simulated (`results.json`: {customers:,} customers, from this text)" in text
    assert f"visits {visits:,}" in text
    changed = SHOP.replace("arrivals cohort 200", "arrivals cohort 201")
    session.change("shop.journey", changed, 2)
    text = session.call(session.client.text_document_hover_async(params)).contents.value
    assert "from an earlier text of the file" in text
    session.change("shop.journey", SHOP, 3)
    (session.folder / "results.json").unlink()


def test_completion(session: Session) -> None:
    lsp = session.lsp
    text = SHOP.replace("    -> exit\n", "    -> exit\n    -> \n")
    session.open("complete.journey", SHOP)
    session.change("complete.journey", text, 2)
    where = session.where("complete.journey", text, "    -> \n", 0, len("    -> "))
    found = session.call(session.client.text_document_completion_async(lsp.CompletionParams(**where)))
    labels = [item.label for item in found.items]
    assert labels[:3] == ["browse", "pay", "exit"]
    text = text.replace("    -> \n", "    touchpoint x: di\n")
    session.change("complete.journey", text, 3)
    where = session.where("complete.journey", text, "x: di", 0, len("x: di"))
    found = session.call(session.client.text_document_completion_async(lsp.CompletionParams(**where)))
    digital = next(item for item in found.items if item.label == "digital")
    assert digital.text_edit.range.start.character == where["position"].character - 2  # replaces `di`
    text = text.replace("    touchpoint x: di\n", '    -> pay 10%, 20% if segment "bi\n')
    session.change("complete.journey", text, 4)
    where = session.where("complete.journey", text, 'segment "bi', 1, len('segment "bi'))
    found = session.call(session.client.text_document_completion_async(lsp.CompletionParams(**where)))
    spender = next(item for item in found.items if item.label == "big spender")
    assert spender.text_edit.new_text == '"big spender"'
    text = '\nimport "li\n' + text
    session.change("complete.journey", text, 5)
    where = session.where("complete.journey", text, 'import "li', 0, len('import "li'))
    found = session.call(session.client.text_document_completion_async(lsp.CompletionParams(**where)))
    library = next(item for item in found.items if item.label == "lib.journey")
    assert library.text_edit.new_text == '"lib.journey"' and library.text_edit.range.start.character == 7


def test_definition_and_references(session: Session) -> None:
    lsp = session.lsp
    session.open("shop.journey", SHOP)
    uri = session.uri("shop.journey")
    where = session.where("shop.journey", SHOP, "-> pay", 0, 4)
    found = session.call(session.client.text_document_definition_async(lsp.DefinitionParams(**where)))
    assert [(loc.uri, loc.range.start.line) for loc in found] == [(uri, position_of(SHOP, "stage pay")[0])]
    where = session.where("shop.journey", SHOP, "by apology", 0, 4)
    found = session.call(session.client.text_document_definition_async(lsp.DefinitionParams(**where)))
    assert [(loc.uri, loc.range.start.line, loc.range.start.character) for loc in found] == [
        (session.uri("lib.journey"), 1, 13)
    ]
    where = session.where("shop.journey", SHOP, '"lib.journey"', 0, 3)
    found = session.call(session.client.text_document_definition_async(lsp.DefinitionParams(**where)))
    assert [loc.uri for loc in found] == [session.uri("lib.journey")]
    where = session.where("shop.journey", SHOP, "segment regular", 0, 9)
    context = lsp.ReferenceContext(include_declaration=True)
    found = session.call(session.client.text_document_references_async(lsp.ReferenceParams(context=context, **where)))
    lines = sorted(loc.range.start.line for loc in found)
    assert lines == [position_of(SHOP, "segment regular", n)[0] for n in range(3)]
    context = lsp.ReferenceContext(include_declaration=False)
    found = session.call(session.client.text_document_references_async(lsp.ReferenceParams(context=context, **where)))
    assert len(found) == 2


def test_highlights_and_signature_help(session: Session) -> None:
    lsp = session.lsp
    session.open("shop.journey", SHOP)
    where = session.where("shop.journey", SHOP, "-> pay", 0, 4)
    marks = session.call(session.client.text_document_document_highlight_async(lsp.DocumentHighlightParams(**where)))
    lines = [(m.range.start.line, m.kind) for m in sorted(marks, key=lambda m: m.range.start.line)]
    write, read = lsp.DocumentHighlightKind.Write, lsp.DocumentHighlightKind.Read
    assert lines == [(10, read), (13, write), (22, read), (24, read)]
    where = session.where("shop.journey", SHOP, "exponential(2 min", 0, len("exponential(2 m"))
    helped = session.call(session.client.text_document_signature_help_async(lsp.SignatureHelpParams(**where)))
    assert helped.signatures[0].label == "exponential(mean)" and helped.active_parameter == 0
    where = session.where("shop.journey", SHOP, "theme trust", 0, 3)
    assert session.call(session.client.text_document_signature_help_async(lsp.SignatureHelpParams(**where))) is None


def test_document_outline(session: Session) -> None:
    session.open("shop.journey", SHOP)
    params = session.lsp.DocumentSymbolParams(
        text_document=session.lsp.TextDocumentIdentifier(uri=session.uri("shop.journey"))
    )
    symbols = session.call(session.client.text_document_document_symbol_async(params))
    outline = [(s.name, [c.name for c in s.children or []]) for s in symbols]
    assert outline == [
        ("regular", []),
        ("big spender", []),
        ("browse", ["ad"]),
        ("pay", ["till"]),
        ("thanks", []),
        ("quick till", ["receipt"]),
    ]
    pay = symbols[3]
    assert pay.selection_range.start == session.lsp.Position(line=position_of(SHOP, "stage pay")[0], character=8)
    assert pay.range.end.line > pay.range.start.line


def test_rename(session: Session) -> None:
    lsp = session.lsp
    session.open("rename.journey", SHOP)
    where = session.where("rename.journey", SHOP, "-> pay", 0, 4)
    prepared = session.call(session.client.text_document_prepare_rename_async(lsp.PrepareRenameParams(**where)))
    assert prepared.placeholder == "pay"
    edit = session.call(session.client.text_document_rename_async(lsp.RenameParams(new_name="checkout", **where)))
    edits = edit.changes[session.uri("rename.journey")]
    assert len(edits) == 4
    renamed = _apply(SHOP, edits)
    assert "stage checkout (purchase)" in renamed and "-> checkout 60%" in renamed and "of stage checkout" in renamed
    assert "pay" not in renamed.replace("apology", "")
    assert api.check_text(renamed, "renamed.journey", base=session.folder).ok
    for refused in ("two words", "stage", "browse", "9lives"):
        with pytest.raises(Exception) as problem:
            session.call(session.client.text_document_rename_async(lsp.RenameParams(new_name=refused, **where)))
        assert refused.split()[0] in str(problem.value)
    keyword = session.where("rename.journey", SHOP, "theme trust", 0, 1)
    with pytest.raises(Exception, match="only stages, touchpoints and segments"):
        session.call(session.client.text_document_prepare_rename_async(lsp.PrepareRenameParams(**keyword)))
    imported = session.where("rename.journey", SHOP, "by apology", 0, 4)
    with pytest.raises(Exception, match="imported file"):
        session.call(session.client.text_document_rename_async(lsp.RenameParams(new_name="sorry", **imported)))


def _apply(text: str, edits: list[Any]) -> str:
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = edit.range.start, edit.range.end
        assert start.line == end.line
        line = lines[start.line]
        lines[start.line] = line[: start.character] + edit.new_text + line[end.character :]
    return "\n".join(lines)


def test_quick_fixes_take_the_did_you_mean_hints(session: Session) -> None:
    typo = SHOP.replace("-> pay 60%", "-> pya 60%").replace(
        "duration exponential(2 min)", "duration exponential(2 minuts)"
    )
    published = session.open("typo.journey", typo)
    assert sorted(d.code for d in published.diagnostics) == ["JD005"]  # a syntax error stops the checks
    fixed = _fix_all(session, "typo.journey", typo, published)
    assert "exponential(2 minutes)" in fixed
    published = session.change("typo.journey", fixed, 2)
    assert [d.code for d in published.diagnostics] == ["JD101"]
    fixed = _fix_all(session, "typo.journey", fixed, published)
    assert fixed == SHOP.replace("exponential(2 min)", "exponential(2 minutes)")
    assert list(session.change("typo.journey", fixed, 3).diagnostics) == []


def _fix_all(session: Session, name: str, text: str, published: Any) -> str:
    lsp = session.lsp
    context = lsp.CodeActionContext(diagnostics=list(published.diagnostics))
    whole = lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(len(text.split("\n")), 0))
    params = lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=session.uri(name)), range=whole, context=context
    )
    actions = session.call(session.client.text_document_code_action_async(params))
    assert actions and all(a.kind == lsp.CodeActionKind.QuickFix for a in actions)
    edits = [edit for action in actions for edit in action.edit.changes[session.uri(name)]]
    return _apply(text, edits)


def test_formatting_goes_through_the_writer(session: Session) -> None:
    writer = pytest.importorskip("journeydsl.lang.writer")
    messy = SHOP.replace("  stage browse (pre-purchase) {", "stage   browse (pre-purchase)    {")
    session.open("messy.journey", messy)
    params = session.lsp.DocumentFormattingParams(
        text_document=session.lsp.TextDocumentIdentifier(uri=session.uri("messy.journey")),
        options=session.lsp.FormattingOptions(tab_size=2, insert_spaces=True),
    )
    edits = session.call(session.client.text_document_formatting_async(params))
    expected = writer.format_text(messy, "messy.journey")
    assert expected != messy
    assert len(edits) == 1 and edits[0].new_text == expected
    assert edits[0].range.start == session.lsp.Position(line=0, character=0)
    session.change("messy.journey", expected, 2)
    assert list(session.call(session.client.text_document_formatting_async(params))) == []


def test_shutdown_and_exit(session: Session) -> None:
    assert session.stop() == 0
