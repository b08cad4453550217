"""Highlighting everywhere: the Pygments lexer, its HTML, and the VS Code extension in ``editors/vscode``.

The lexer must read every example and every journey of the docs without an error token and give
chosen words their types; ``pygmentize -l journey`` must work once the package is installed.  The
extension's TextMate grammar is generated from the same word lists (the committed file must be up
to date); with Node.js and npm, ``vscode-textmate`` tokenizes every example and the scopes are
checked, the grammar and the lexer must agree on every token, the client is started against
stand-ins for VS Code, and (slow) the extension is packaged to a ``.vsix``.  ``npm ci`` runs once
and its ``node_modules`` is kept (and reused while it matches ``package-lock.json``).
"""

from __future__ import annotations

import bisect
import html
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pygments = pytest.importorskip("pygments")

from pygments.lexers import get_lexer_by_name, get_lexer_for_filename  # noqa: E402
from pygments.token import Comment, Error, Keyword, Literal, Name, Number, Operator, Punctuation, String, Text  # noqa: E402

from journeydsl import highlight  # noqa: E402
from journeydsl.highlight import JourneyLexer, highlight_css, highlight_html, textmate_grammar, textmate_json  # noqa: E402
from journeydsl.lang.vocabulary import CHANNELS, DISTRIBUTIONS, FACTORS, MODULES, THEMES  # noqa: E402

from .conftest import ROOT  # noqa: E402

EXTENSION = ROOT / "editors" / "vscode"
SOURCES = sorted((ROOT / "examples").rglob("*.journey"))
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
BLOCK = re.compile(r"```(journey(?:-invalid|-fragment)?)\n(.*?)```", re.S)


def doc_blocks() -> list[tuple[str, str]]:
    """(where, text) of every ``journey`` and ``journey-fragment`` block of the docs."""
    found = []
    for path in DOCS:
        for number, match in enumerate(BLOCK.finditer(path.read_text(encoding="utf-8"))):
            if match.group(1) != "journey-invalid":
                found.append((f"{path.name}:{number}", match.group(2)))
    return found


def tokens(text: str) -> list[tuple[str, object]]:
    """(text, token type) of every token that is not whitespace."""
    return [(value, kind) for kind, value in JourneyLexer().get_tokens(text) if value.strip()]


def kind_of(text: str, word: str, nth: int = 0) -> object:
    """The token type of the ``nth`` token that reads ``word``."""
    return [kind for value, kind in tokens(text) if value == word][nth]


# ---- the Pygments lexer ----------------------------------------------------------------------


def test_the_examples_and_docs_are_there():
    assert len(SOURCES) >= 8 and len(doc_blocks()) >= 20


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_every_example_tokenizes_without_error_tokens(path):
    text = path.read_text(encoding="utf-8")
    found = list(JourneyLexer(stripnl=False).get_tokens(text))
    assert [value for kind, value in found if kind in Error] == []
    assert "".join(value for _, value in found) == text  # nothing lost, nothing added
    kinds = {kind for kind, _ in found}
    assert {Comment.Single, Keyword.Declaration, Name.Function, Name.Builtin.Channel} <= kinds


def test_every_journey_of_the_docs_tokenizes_without_error_tokens():
    problems = [
        (where, value)
        for where, text in doc_blocks()
        for kind, value in JourneyLexer().get_tokens(text)
        if kind in Error
    ]
    assert problems == []


def test_text_the_grammar_refuses_shows_as_error_tokens():
    assert [value for kind, value in JourneyLexer().get_tokens("stage a { @ feel +1 ! }") if kind in Error] == [
        "@",
        "!",
    ]


PIZZA = (ROOT / "examples" / "journeys" / "pizza_restaurant.journey").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("word", "nth", "kind"),
    [
        ("journey", 0, Keyword.Declaration),
        ('"Pizza restaurant"', 0, String.Double),
        ("# Pizza restaurant: the senses, the children, and a mug to take home.", 0, Comment.Single),
        ("# whether they come back follows their satisfaction (loyalty settings)", 0, Comment.Single),
        ("minutes", 0, Keyword.Type),  # time unit minutes
        ("hour", 0, Keyword.Type),  # per hour
        ("year", 0, Keyword.Type),  # horizon 1 year
        ("min", 0, Keyword.Type),  # patience 10 min
        ("10", 0, Number.Integer),
        ("0.4", 0, Number.Float),
        ("55%", 0, Number.Percent),
        ("+2", 0, Number.Integer),
        ("families", 0, Name.Label),  # segment families
        ("arrive", 0, Name.Class),  # stage arrive
        ("arrive", 1, Name.Class),  # repeat -> arrive
        ("pre-purchase", 0, Name.Builtin),  # a phase
        ("smell_of_the_oven", 0, Name.Function),
        ("environment", 0, Name.Builtin.Channel),
        ("staff", 0, Name.Builtin.Channel),
        ("sense", 1, Name.Builtin.Module),  # { sense +2 }
        ("relate", 1, Name.Builtin.Module),  # sensitivity relate 1.2
        ("respect", 0, Name.Builtin.Theme),
        ("convenience", 0, Name.Builtin.Factor),  # factor convenience
        ("exponential", 0, Name.Builtin.Distribution),
        ('"burnt base"', 0, String.Double),
        ("apology_voucher", 0, Name.Function),  # recover by apology_voucher
        ("memory", 0, Name.Attribute),
        ("peak", 0, Name.Attribute),
        ("nps", 0, Name.Builtin),  # expect nps > 0
        ("baseline", 0, Name.Builtin.Pseudo),  # beats baseline
        ("baseline", 1, Name.Builtin.Pseudo),  # expect baseline beats
        ("return_rate", 0, Name.Builtin),  # beats baseline on return_rate
        ("->", 0, Operator),
        (">", 0, Operator),
        ("{", 0, Punctuation),
        (":", 0, Punctuation),
        ("moment", 0, Keyword),
        ("choice", 0, Keyword.Declaration),
        ("seating", 0, Name.Label),
    ],
)
def test_chosen_spans_of_an_example_get_their_types(word, nth, kind):
    assert kind_of(PIZZA, word, nth) is kind


def test_words_are_read_by_what_stands_before_them():
    text = (
        'import "lib/shop.journey"\n'
        'journey "J" {\n  hours { mon-fri 09:00-17:00; sat closed }\n'
        "  stage product (purchase) { touchpoint choice: product { theme choice +1; performance product 7 }\n"
        "    -> exit 20%; -> next 80% if mood > 2\n  }\n"
        '  variant "v" extends "w" { change stage product { -> exit 5% } }\n'
        "  expect wait_mean of touchpoint choice < 3 min\n}\n"
    )
    assert kind_of(text, "import") is Keyword.Namespace
    assert kind_of(text, "mon-fri") is Name.Constant
    assert kind_of(text, "09:00-17:00") is Literal.Date
    assert kind_of(text, "product", 0) is Name.Class  # a stage named like a channel
    assert kind_of(text, "choice", 0) is Name.Function  # a touchpoint named like a keyword and a theme
    assert kind_of(text, "product", 1) is Name.Builtin.Channel
    assert kind_of(text, "choice", 1) is Name.Builtin.Theme
    assert kind_of(text, "product", 2) is Name.Builtin.Factor
    assert kind_of(text, "exit") is Name.Builtin.Pseudo
    assert kind_of(text, "next") is Name.Class
    assert kind_of(text, "mood") is Name.Builtin
    assert kind_of(text, '"w"') is String.Double
    assert kind_of(text, "product", 3) is Name.Class  # change stage product
    assert kind_of(text, "wait_mean") is Name.Builtin
    assert kind_of(text, "choice", 2) is Name.Function  # of touchpoint choice
    assert kind_of(text, "3") is Number.Integer
    assert kind_of(text, "min") is Keyword.Type


def test_every_word_of_the_vocabulary_gets_its_type_in_place():
    for channel in CHANNELS:
        assert kind_of(f"touchpoint t: {channel}", channel) is Name.Builtin.Channel, channel
    assert kind_of("touchpoint t: carrier_pigeon", "carrier_pigeon") is Name.Variable  # the checks report it
    for module in MODULES:
        assert kind_of(f"{{ {module} +1 }}", module) is Name.Builtin.Module, module
        assert kind_of(f"sensitivity {module} 1.2", module) is Name.Builtin.Module, module
    for theme in THEMES:
        assert kind_of(f"theme {theme} +1", theme) is Name.Builtin.Theme, theme
    for factor in FACTORS:
        assert kind_of(f"factor {factor} expect 7", factor) is Name.Builtin.Factor, factor
        assert kind_of(f"performance {factor} 7", factor) is Name.Builtin.Factor, factor
        assert kind_of(f"importance {factor} 9", factor) is Name.Builtin.Factor, factor
    for distribution in DISTRIBUTIONS:
        assert kind_of(f"duration {distribution}(2 min)", distribution) is Name.Builtin.Distribution


def test_keywords_come_from_the_grammar():
    grammar = re.sub(r"//[^\n]*", "", (ROOT / "grammars" / "journey.lark").read_text(encoding="utf-8"))
    words = set(re.findall(r'"([a-z]+)"', grammar))
    assert {"touchpoint", "decides", "rating", "pain", "closing"} <= words
    assert words <= set(highlight.KEYWORD_WORDS)
    for word in words - set(MODULES):
        assert kind_of(f"{word} ", word) in Keyword, word


@pytest.mark.parametrize(
    ("text", "word", "unit"),
    [
        ("duration 25 min", "25", "min"),
        ("after 3 weeks", "3", "weeks"),
        ("patience 1.5 h", "1.5", "h"),
        ("every 1 year", "1", "year"),
        ("horizon 90 days", "90", "days"),
    ],
)
def test_numbers_with_units(text, word, unit):
    found = tokens(text)
    assert (word, Number.Float if "." in word else Number.Integer) in found and (unit, Keyword.Type) in found


def test_a_unit_is_a_whole_word():
    # `2 duration`: the `d` of duration is not the unit "d"; `5 staff` is not "s".
    assert ("d", Keyword.Type) not in tokens("capacity 2 duration 5 min")
    assert kind_of("capacity 2 duration 5 min", "duration") is Keyword
    assert ("s", Keyword.Type) not in tokens("cost 5 staff cost 3 per hour")


def test_the_lexer_is_found_by_name_alias_and_file_name():
    assert get_lexer_by_name("journey").__class__ is JourneyLexer
    assert get_lexer_by_name("journey-fragment").__class__ is JourneyLexer
    assert get_lexer_for_filename("shop.journey").__class__ is JourneyLexer


def entry_point_installed() -> bool:
    return any(ep.name == "journey" for ep in importlib.metadata.entry_points(group="pygments.lexers"))


@pytest.mark.skipif(
    not entry_point_installed(), reason="journeydsl is not installed with its entry points (pip install -e .)"
)
def test_pygmentize_highlights_a_journey_file(tmp_path):
    source = ROOT / "examples" / "journeys" / "pizza_restaurant.journey"
    done = subprocess.run(
        [sys.executable, "-m", "pygments", "-l", "journey", "-f", "html", str(source)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '<span class="nf">smell_of_the_oven</span>' in done.stdout
    assert re.search('<span class="nb nb-?Channel">environment</span>', done.stdout)
    assert 'class="err"' not in done.stdout
    command = Path(sys.executable).parent / "pygmentize"  # the console script of the same installation
    if command.is_file():
        raw = subprocess.run([str(command), "-l", "journey", "-f", "raw", str(source)], capture_output=True, timeout=60)
        assert raw.returncode == 0 and b"Token.Name.Builtin.Module\t'feel'" in raw.stdout


# ---- HTML -------------------------------------------------------------------------------------

HOSTILE = ["<script>alert(1)</script>", "a&b", 'x\\"y', "'q'", "</code></pre><b>", "${x}", "网点"]


@pytest.mark.parametrize("name", HOSTILE)
def test_highlight_html_escapes_every_name(name):
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    text = f'journey "{quoted}" {{ stage s {{ touchpoint "{quoted}": staff {{ feel +1 }} }} }} # {name}\n'
    out = highlight_html(text)
    assert out.startswith('<pre class="journey-code"><code>') and out.endswith("</code></pre>")
    inner = out[len('<pre class="journey-code"><code>') : -len("</code></pre>")]
    shown = re.sub(r"<[^>]*>", "", inner)
    assert not set("<>\"'") & set(shown)  # every character that means something to HTML is escaped
    assert re.findall(r"<(/?\w+)", inner) == ["span", "/span"] * (len(re.findall(r"<span", inner)))
    assert html.unescape(re.sub(r"<[^>]*>", "", inner)) == text


def test_highlight_html_classes_and_stylesheet_go_together():
    out = highlight_html("stage a { touchpoint t: staff { feel +2 } -> exit 5% }")
    for cls in (
        "jd-kd",
        "jd-nc",
        "jd-nf",
        "jd-nb jd-nb-?Channel",
        "jd-nb jd-nb-?Module",
        "jd-mi",
        "jd-m jd-m-?Percent",
    ):
        assert re.search(f'class="{cls}"', out), cls  # Pygments 2.20 writes jd-nb-Channel, older jd-nbChannel
    css = highlight_css()
    rules = css.strip().splitlines()
    assert rules and all(rule.startswith(".journey-code") for rule in rules)  # nothing leaks to the page
    assert ".journey-code .jd-kd {" in css and ".journey-code .jd-c1 {" in css
    assert ".journey-code .jd-nb {" in css  # channels, modules, themes, factors inherit the builtin colour
    assert highlight_css(css_class="x").startswith(".x")
    inline = highlight_html("stage a { feel +2 }", inline_styles=True)
    assert 'class="jd-' not in inline and 'style="' in inline


@pytest.mark.parametrize("bad", ['a" onclick="x', "a b", "", "a{}", "1a"])
def test_a_css_class_that_could_break_out_is_refused(bad):
    with pytest.raises(ValueError, match="not a CSS class name"):
        highlight_html("stage a {}", css_class=bad)
    with pytest.raises(ValueError, match="not a CSS class name"):
        highlight_css(css_class=bad)


# ---- the VS Code extension: files that need no Node.js -----------------------------------------


def test_the_committed_textmate_grammar_is_up_to_date():
    committed = (EXTENSION / "syntaxes" / "journey.tmLanguage.json").read_text(encoding="utf-8")
    assert committed == textmate_json(), (
        "regenerate: python3 -m journeydsl.highlight --textmate > editors/vscode/syntaxes/journey.tmLanguage.json"
    )


def test_the_grammar_is_printed_by_the_module(capsys):
    assert highlight.main(["--textmate"]) == 0
    assert json.loads(capsys.readouterr().out) == textmate_grammar()
    assert highlight.main([]) == 2
    assert "usage" in capsys.readouterr().err


def grammar_patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node[key] for key in ("match", "begin", "end", "while") if key in node]
        return found + [p for value in node.values() for p in grammar_patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in grammar_patterns(value)]
    return []


def test_the_grammar_s_patterns_compile_and_its_includes_resolve():
    grammar = textmate_grammar()
    patterns = grammar_patterns(grammar)
    assert len(patterns) > 40
    for pattern in patterns:
        re.compile(pattern)  # Oniguruma reads more than Python's re; these use the common part
    includes = re.findall(r'"include": "#([^"]+)"', json.dumps(grammar))
    assert includes and set(includes) <= set(grammar["repository"])
    assert grammar["scopeName"] == "source.journey"


def test_the_extension_manifest_fits_its_files():
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    assert manifest["name"] == "journeydsl" and manifest["main"] == "./extension.js"
    (language,) = manifest["contributes"]["languages"]
    assert language["id"] == "journey" and language["extensions"] == [".journey"]
    grammars = {g["scopeName"]: g for g in manifest["contributes"]["grammars"]}
    assert grammars["source.journey"]["language"] == "journey"
    for entry in [
        language["configuration"],
        *(g["path"] for g in grammars.values()),
        manifest["main"],
        "README.md",
        "LICENSE",
    ]:
        assert (EXTENSION / entry).is_file(), entry
    properties = manifest["contributes"]["configuration"]["properties"]
    assert properties["journeydsl.server.command"]["default"] == "journey"
    assert properties["journeydsl.server.args"]["default"] == ["lsp"]
    assert "vscode-languageclient" in manifest["dependencies"]
    assert {"@vscode/vsce", "vscode-textmate", "vscode-oniguruma"} <= set(manifest["devDependencies"])
    lock = json.loads((EXTENSION / "package-lock.json").read_text(encoding="utf-8"))
    for name, version in {**manifest["dependencies"], **manifest["devDependencies"]}.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name  # pinned and locked
    configuration = json.loads((EXTENSION / "language-configuration.json").read_text(encoding="utf-8"))
    assert configuration["comments"] == {"lineComment": "#"}
    assert ["{", "}"] in configuration["brackets"] and ["(", ")"] in configuration["brackets"]
    assert {"open": "{", "close": "}"} in configuration["autoClosingPairs"]
    assert "node_modules/" in (EXTENSION / ".gitignore").read_text(encoding="utf-8").split()
    assert "test/**" in (EXTENSION / ".vscodeignore").read_text(encoding="utf-8").split()


def expand(body: list[str]) -> str:
    """A snippet as VS Code inserts it when every placeholder keeps its default (the first choice)."""
    text = "\n".join(body)
    text = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", text)
    text = re.sub(r"\$\{\d+\|([^,|]*)[^}]*\}", r"\1", text)
    return re.sub(r"\$\d+", "", text)


#: Where a snippet may stand: on its own, in a journey, in a stage, in a touchpoint's effects.
PLACES = (
    "{}",
    'journey "J" {{\n{}\n}}',
    'journey "J" {{ stage s {{\n{}\n}} }}',
    'journey "J" {{ stage s {{ touchpoint t: staff {{\n{}\n}} }} }}',
)


def test_every_snippet_inserts_text_that_parses():
    from journeydsl.api import check_text

    snippets = json.loads((EXTENSION / "snippets" / "journey.code-snippets").read_text(encoding="utf-8"))
    assert {"journey", "stage", "touchpoint", "segment", "choice", "failure", "variant", "expect"} <= set(snippets)
    for name, snippet in snippets.items():
        text = expand(snippet["body"])
        assert "$" not in text, name
        assert [v for k, v in JourneyLexer().get_tokens(text) if k in Error] == [], name
        syntax = [
            [d.code for d in check_text(place.format(text), name).diagnostics if d.code.startswith("JD0")]
            for place in PLACES
        ]
        assert [] in syntax, (name, text, syntax)
    whole = check_text(expand(snippets["journey"]["body"]), "journey snippet")
    assert [d.code for d in whole.diagnostics if d.severity == "error"] == []


# ---- the VS Code extension with Node.js --------------------------------------------------------


def installed_matches_lock() -> bool:
    """Whether ``node_modules`` holds exactly the versions of ``package-lock.json`` (npm's hidden lock)."""
    hidden = EXTENSION / "node_modules" / ".package-lock.json"
    if not hidden.is_file():
        return False
    wanted = json.loads((EXTENSION / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    have = json.loads(hidden.read_text(encoding="utf-8"))["packages"]
    # Optional packages for other platforms (vsce's signing tools) are left out of node_modules.
    return all(
        have[key].get("version") == entry.get("version") if key in have else entry.get("optional", False)
        for key, entry in wanted.items()
        if key
    )


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """``editors/vscode/node_modules``, installed by ``npm ci`` unless it is there and matches the lock."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed")
    if not installed_matches_lock():
        try:
            done = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=EXTENSION,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.skip("npm ci in editors/vscode took over 5 minutes (no network?)")
        if done.returncode != 0 or not installed_matches_lock():
            pytest.skip(f"npm ci in editors/vscode failed (no network?): {done.stderr.strip()[-300:]}")
    return EXTENSION / "node_modules"


def node(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        ["node", *args],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def doc_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("doc-journeys")
    files = []
    for number, (_, text) in enumerate(doc_blocks()):
        files.append(folder / f"block{number:03d}.journey")
        files[-1].write_text(text, encoding="utf-8")
    return files


def test_vscode_textmate_gives_every_example_its_scopes(node_modules, doc_files):
    done = node("test/tokenize.js", *map(str, SOURCES), *map(str, doc_files))
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["problems"] == []
    totals = report["files"]["(total)"]
    for kind in ("keyword", "name", "channel", "quantity", "percentage", "module", "theme", "string", "comment"):
        assert totals[kind] >= 20, (kind, totals)
    pizza = report["files"][str(ROOT / "examples" / "journeys" / "pizza_restaurant.journey")]
    assert pizza["percentage"] >= 10 and pizza["quantity"] >= 15 and pizza["channel"] >= 8


def test_the_scope_check_fails_on_a_broken_grammar(node_modules, tmp_path):
    broken = tmp_path / "broken.tmLanguage.json"
    text = textmate_json().replace("comment.line.number-sign.journey", "comment.block.journey")
    broken.write_text(text.replace("constant.numeric.percentage.journey", "constant.numeric.journey"), encoding="utf-8")
    done = node("test/tokenize.js", str(SOURCES[0]), env={"JOURNEY_GRAMMAR": str(broken)})
    assert done.returncode == 1
    assert "should be comment.line.number-sign.journey" in done.stderr
    assert json.loads(done.stdout)["problems"]


#: What each Pygments token type is in the TextMate grammar (a scope of the token must start so).
SCOPES: list[tuple[object, tuple[str, ...]]] = [
    (Comment.Single, ("comment.line.number-sign",)),
    (String.Double, ("string.quoted.double",)),
    (Number.Percent, ("constant.numeric.percentage",)),
    (Keyword.Type, ("keyword.other.unit",)),
    (Literal.Date, ("constant.numeric.time",)),
    (Number, ("constant.numeric",)),
    (Name.Function, ("entity.name.function",)),
    (Name.Class, ("entity.name.type.stage",)),
    (Name.Label, ("entity.name.type.segment", "entity.name.type.label")),
    (Name.Namespace, ("entity.name.namespace",)),
    (Name.Entity, ("entity.name.type.variant",)),
    (Name.Exception, ("entity.name.type.failure",)),
    (Name.Builtin.Channel, ("support.type.channel",)),
    (Name.Builtin.Module, ("support.function.module",)),
    (Name.Builtin.Theme, ("support.constant.theme",)),
    (Name.Builtin.Factor, ("support.constant.factor",)),
    (Name.Builtin.Distribution, ("support.function.distribution",)),
    (Name.Builtin.Pseudo, ("constant.language",)),
    (Name.Builtin, ("support.constant.metric", "support.constant.phase")),
    (Name.Attribute, ("variable.other.property.setting",)),
    (Name.Constant, ("constant.other.day",)),
    (Name.Variable, ("variable.other",)),
    (Operator, ("keyword.operator",)),
    (Keyword, ("keyword.",)),
    (Punctuation, ("punctuation.",)),
]


def test_the_textmate_grammar_and_the_pygments_lexer_agree_on_every_token(node_modules, doc_files):
    files = [*SOURCES, *doc_files]
    done = node("test/tokenize.js", "--dump", *map(str, files))
    assert done.returncode == 0, done.stderr[-3000:]
    dump = json.loads(done.stdout)
    disagreements, compared = [], 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        starts = [0]
        for line in text.split("\n"):
            starts.append(starts[-1] + len(line) + 1)
        by_line: dict[int, list[dict]] = {}
        for token in dump[str(path)]:
            by_line.setdefault(token["line"], []).append(token)
        for offset, kind, value in JourneyLexer(stripnl=False).get_tokens_unprocessed(text):
            if kind is Text or not value.strip():
                continue
            line = bisect.bisect_right(starts, offset) - 1
            column = offset - starts[line]
            here = [t for t in by_line.get(line, []) if t["start"] <= column < t["end"]]
            scopes = here[0]["scopes"][1:] if here else []
            wanted = next(prefixes for token_type, prefixes in SCOPES if kind in token_type)
            compared += 1
            if not any(scope.startswith(wanted) for scope in scopes):
                disagreements.append(f"{path.name}:{line + 1}:{column + 1}: {value!r} is {kind}, scopes {scopes}")
    assert compared > 4000
    assert disagreements == []


def test_journey_blocks_in_markdown_take_the_journey_grammar(node_modules):
    done = node("test/markdown.test.js")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


def test_the_client_starts_journey_lsp_from_the_settings(node_modules):
    done = node("test/extension.test.js")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


@pytest.mark.slow
def test_the_extension_packages_to_a_vsix(node_modules, tmp_path):
    vsix = tmp_path / "journeydsl.vsix"
    done = subprocess.run(
        [str(node_modules / ".bin" / "vsce"), "package", "--allow-missing-repository", "--out", str(vsix)],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    names = set(zipfile.ZipFile(vsix).namelist())
    for required in (
        "extension/package.json",
        "extension/extension.js",
        "extension/folding.js",
        "extension/language-configuration.json",
        "extension/syntaxes/journey.tmLanguage.json",
        "extension/syntaxes/journey.markdown.tmLanguage.json",
        "extension/snippets/journey.code-snippets",
        "extension/node_modules/vscode-languageclient/node.js",
        "extension.vsixmanifest",
    ):
        assert required in names, required
    assert not any(
        n.startswith(("extension/test/", "extension/.vscode/", "extension/node_modules/vscode-textmate/"))
        for n in names
    )
    assert not any(n.startswith("extension/node_modules/@vscode/vsce/") for n in names)
    manifest = json.loads(zipfile.ZipFile(vsix).read("extension/package.json"))
    assert manifest["contributes"]["languages"][0]["id"] == "journey"
    packaged = json.loads(zipfile.ZipFile(vsix).read("extension/syntaxes/journey.tmLanguage.json"))
    assert packaged == textmate_grammar()
