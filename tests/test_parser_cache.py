"""The parser's tables are kept in the user's cache folder between runs, and a bad cache is never an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from journeydsl.lang.parser import grammar_path, parser_cache

#: Parse an example in a fresh process (the parser is built once per process).
PARSE = "from journeydsl.api import load; import sys; print(load(sys.argv[1]).name)"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "journeys" / "premier_banking.journey"


def parse_in_a_process(cache: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOURNEYDSL_CACHE_DIR": cache}
    return subprocess.run(
        [sys.executable, "-c", PARSE, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_first_run_writes_the_cache_and_the_next_reads_it(tmp_path):
    first = parse_in_a_process(str(tmp_path))
    assert first.returncode == 0 and first.stdout.strip() == "Premier wealth advice", first.stderr
    [cache] = list(tmp_path.iterdir())
    assert cache.name.endswith(".lark-cache") and cache.stat().st_size > 10_000
    written = cache.stat().st_mtime_ns
    second = parse_in_a_process(str(tmp_path))
    assert second.returncode == 0 and second.stdout == first.stdout and second.stderr == ""
    assert cache.stat().st_mtime_ns == written  # read, not written again


def test_a_damaged_cache_is_built_again_without_a_word(tmp_path):
    parse_in_a_process(str(tmp_path))
    [cache] = list(tmp_path.iterdir())
    cache.write_bytes(b"not a parser\n" + b"\x00" * 100)
    again = parse_in_a_process(str(tmp_path))
    assert again.returncode == 0 and again.stdout.strip() == "Premier wealth advice" and again.stderr == ""
    assert cache.stat().st_size > 10_000  # written anew


def test_no_cache_when_turned_off_or_the_folder_cannot_be_made(tmp_path, monkeypatch):
    grammar = grammar_path().read_text(encoding="utf-8")
    monkeypatch.setenv("JOURNEYDSL_CACHE_DIR", "")
    assert parser_cache(grammar) is False
    blocker = tmp_path / "a file"
    blocker.write_text("in the way")
    monkeypatch.setenv("JOURNEYDSL_CACHE_DIR", str(blocker / "cache"))
    assert parser_cache(grammar) is False
    monkeypatch.setenv("JOURNEYDSL_CACHE_DIR", str(tmp_path / "c"))
    named = parser_cache(grammar)
    assert isinstance(named, str) and Path(named).parent == tmp_path / "c"
    # Another grammar, another file: versions installed side by side do not overwrite each other.
    assert parser_cache(grammar + "\n") != named
