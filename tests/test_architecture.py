"""The package's shape holds: imports go one way, checking loads no simulator, no module picks a backend.

The import rules are read from the source with :mod:`ast` (no module is imported to find them), so
every import counts: at module level or inside a function, under ``if TYPE_CHECKING:``, relative
(``from ..sim import plan``) or absolute (``import journeydsl.sim.plan``).  Each violation is
reported with its file and line.  ``docs/architecture.md`` explains the layers.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "journeydsl"

#: What each part of the package may import from the package (its own part included).  A part is a
#: top-level folder (``lang``) or module (``api``, ``_version``) of ``journeydsl``; ``journeydsl``
#: itself stands for the package's ``__init__`` (importing it runs ``api``).
ALLOWED: dict[str, frozenset[str]] = {
    "_version": frozenset(),
    "lang": frozenset({"lang", "_version"}),
    "sim": frozenset({"lang", "sim", "_version"}),
    "analysis": frozenset({"lang", "sim", "analysis", "data", "_version"}),
    "report": frozenset({"lang", "sim", "analysis", "report", "data", "highlight", "_version", "schemas"}),
    # `data`: event logs and survey responses in and out; it reads and writes data, nothing more.
    "data": frozenset({"data", "lang", "_version"}),
    "schemas": frozenset({"schemas"}),
    # `cli`: thin click commands over `api`; besides it, the language's renderers and exports (`lang`)
    # and tables, charts, documents and files (`report`). Never the simulator or the analyses directly.
    "cli": frozenset({"cli", "api", "_version", "lang", "report", "lsp"}),
    # `lsp`: the language server (`journey lsp`), over the API and the language's model and words.
    "lsp": frozenset({"lsp", "api", "lang", "_version"}),
    # `highlight`: the Pygments lexer and the TextMate grammar, from the language's words.
    "highlight": frozenset({"highlight", "lang", "_version"}),
    # `api`: the one door, which may import every part below the command line.
    "api": frozenset({"api", "_version", "lang", "sim", "analysis", "report", "schemas", "data"}),
    # The package itself re-exports the API; `python -m journeydsl` runs the command line.
    "journeydsl": frozenset({"journeydsl", "api", "lang", "_version"}),
    "__main__": frozenset({"cli"}),
}

#: Parts of the package whose imports are not checked yet.  Every other part must have a rule, so a
#: new folder cannot slip past this test.
NOT_YET_RULED: frozenset[str] = frozenset()


class Import(NamedTuple):
    """One import of a ``journeydsl`` module, where it is written."""

    file: Path
    line: int
    module: str


def module_name(path: Path, package: Path) -> str:
    """``journeydsl/lang/parser.py`` -> ``journeydsl.lang.parser`` (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, package: Path) -> list[Import]:
    """Every import of the package written in a file: module level, in functions, relative or absolute."""
    name = module_name(path, package)
    # The package a relative import starts from: the module's own package, or itself for an __init__.
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    root = package.name
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, (ast.Import, ast.ImportFrom, ast.Call)):
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                start = ".".join(base)
            else:
                start = ""
            if node.module:
                targets = [f"{start}.{node.module}" if start else node.module]
                if targets[0] == root:  # `from journeydsl import api`: the names may be modules
                    targets = [f"{root}.{alias.name}" for alias in node.names]
            else:  # `from . import graph`, `from .. import api`
                targets = [f"{start}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            argument = node.args[0]
            assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            targets = [argument.value]
        found.extend(Import(path, node.lineno, t) for t in targets if t == root or t.startswith(root + "."))
    return sorted(found, key=lambda statement: statement.line)


def _is_dynamic_import(node: ast.Call) -> bool:
    """``importlib.import_module("journeydsl...")`` or ``__import__("journeydsl...")``."""
    function = node.func
    called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
    return (
        called in ("import_module", "__import__")
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def part_of(module: str, package: Path) -> str:
    """The part of the package a module belongs to: ``journeydsl.sim.plan`` -> ``sim``.

    A name that is not a folder or module of the package (``from journeydsl import loads``) is an
    attribute of the package's ``__init__``, which is the part ``journeydsl``.
    """
    parts = module.split(".")
    if len(parts) == 1:
        return parts[0]
    head = parts[1]
    if (package / head).is_dir() or (package / f"{head}.py").is_file():
        return head
    return parts[0]


def violations(package: Path) -> list[str]:
    """Every import against :data:`ALLOWED`, as ``file:line: ...``, and every part without a rule."""
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        part = part_of(module_name(path, package), package)
        shown = path.relative_to(package.parent)
        if part not in ALLOWED:
            if part not in NOT_YET_RULED:
                found.append(f"{shown}: `{part}` has no import rule; add it to ALLOWED in tests/test_architecture.py")
            continue
        for statement in imports_of(path, package):
            target = part_of(statement.module, package)
            if target not in ALLOWED[part]:
                allowed = ", ".join(sorted(ALLOWED[part])) or "nothing of the package"
                found.append(
                    f"{shown}:{statement.line}: {part}/ imports `{statement.module}` ({target}); "
                    f"{part} may import only {allowed}"
                )
    return found


def test_imports_go_one_way():
    found = violations(PACKAGE)
    assert not found, "imports against docs/architecture.md:\n" + "\n".join(found)


def test_the_import_check_sees_every_kind_of_import(tmp_path):
    package = tmp_path / "journeydsl"
    for folder in ("lang", "sim", "analysis", "report", "schemas", "cli"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("from .api import loads\n")
    (package / "_version.py").write_text('__version__ = "0"\n')
    (package / "api.py").write_text("from .sim import plan\n")
    (package / "lang" / "fine.py").write_text("from .. import _version\nfrom . import model\nimport os\n")
    (package / "lang" / "model.py").write_text("")
    (package / "lang" / "bad.py").write_text(
        "import journeydsl.sim.plan\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from ..report import plots\n"
        "def f():\n"
        "    from .. import api\n"
        "    from journeydsl import loads\n"
        "    import importlib\n"
        '    return importlib.import_module("journeydsl.analysis.gaps")\n'
    )
    (package / "sim" / "plan.py").write_text("from ..lang import model\nfrom ..analysis import gaps\n")
    (package / "analysis" / "gaps.py").write_text("from ..sim import plan\nfrom ..lang.model import Journey\n")
    (package / "report" / "plots.py").write_text("from ..schemas import load\nfrom ..api import report\n")
    (package / "plugins").mkdir()
    (package / "plugins" / "__init__.py").write_text("")
    found = "\n".join(violations(package))
    assert "journeydsl/lang/bad.py:1: lang/ imports `journeydsl.sim.plan` (sim)" in found
    assert "journeydsl/lang/bad.py:4: lang/ imports `journeydsl.report` (report)" in found
    assert "journeydsl/lang/bad.py:6: lang/ imports `journeydsl.api` (api)" in found
    assert "journeydsl/lang/bad.py:7: lang/ imports `journeydsl.loads` (journeydsl)" in found
    assert "journeydsl/lang/bad.py:9: lang/ imports `journeydsl.analysis.gaps` (analysis)" in found
    assert "journeydsl/sim/plan.py:2: sim/ imports `journeydsl.analysis` (analysis)" in found
    assert "journeydsl/report/plots.py:2: report/ imports `journeydsl.api` (api)" in found
    assert "journeydsl/plugins/__init__.py: `plugins` has no import rule" in found
    allowed = (
        "journeydsl/lang/fine.py",
        "journeydsl/analysis/",
        "journeydsl/report/plots.py:1:",
        "journeydsl/sim/plan.py:1:",
    )
    assert not [line for line in found.splitlines() if line.startswith(allowed)], found
    assert len(found.splitlines()) == 8, found


def test_checking_a_journey_loads_no_simulator_and_no_plotting():
    code = (
        "import sys\n"
        "import journeydsl.lang.parser, journeydsl.lang.checks, journeydsl.lang.export\n"
        "assert sys.modules['journeydsl'].__file__.startswith(sys.argv[1]), sys.modules['journeydsl'].__file__\n"
        "print(' '.join(sorted(m for m in ('simpy', 'matplotlib') if m in sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [sys.executable, "-c", code, str(PACKAGE)], capture_output=True, text=True, cwd=ROOT, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [], f"importing the language loads {result.stdout.strip()}"


class BackendChoice(NamedTuple):
    """A call that selects matplotlib's backend, where it is written."""

    file: Path
    line: int
    call: str


def backend_choices(path: Path) -> list[BackendChoice]:
    """Calls of ``matplotlib.use`` (however matplotlib or ``use`` was imported) and ``pyplot.switch_backend``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    matplotlib_names: set[str] = set()  # names bound to the matplotlib module
    pyplot_names: set[str] = set()  # names bound to matplotlib.pyplot
    use_names: set[str] = set()  # names bound to matplotlib.use
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "matplotlib" or (alias.name.startswith("matplotlib.") and alias.asname is None):
                    matplotlib_names.add(alias.asname or "matplotlib")
                if alias.name == "matplotlib.pyplot" and alias.asname:
                    pyplot_names.add(alias.asname)
        elif isinstance(node, ast.ImportFrom) and node.module in ("matplotlib", "matplotlib.pyplot"):
            for alias in node.names:
                if node.module == "matplotlib" and alias.name == "use":
                    use_names.add(alias.asname or "use")
                if node.module == "matplotlib" and alias.name == "pyplot":
                    pyplot_names.add(alias.asname or "pyplot")
                if node.module == "matplotlib.pyplot" and alias.name == "switch_backend":
                    use_names.add(alias.asname or "switch_backend")
    found: list[BackendChoice] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        call = ast.unparse(function)
        if isinstance(function, ast.Name) and function.id in use_names:
            found.append(BackendChoice(path, node.lineno, call))
        elif isinstance(function, ast.Attribute):
            owner = ast.unparse(function.value)
            if function.attr == "use" and owner in matplotlib_names:
                found.append(BackendChoice(path, node.lineno, call))
            elif function.attr == "switch_backend" and (
                owner in pyplot_names or owner in {f"{m}.pyplot" for m in matplotlib_names}
            ):
                found.append(BackendChoice(path, node.lineno, call))
    return sorted(found, key=lambda choice: choice.line)


def test_no_module_selects_a_matplotlib_backend():
    found = [choice for path in sorted(PACKAGE.rglob("*.py")) for choice in backend_choices(path)]
    shown = [f"{c.file.relative_to(ROOT)}:{c.line}: calls {c.call}()" for c in found]
    assert not shown, "the backend is the application's choice, not the library's:\n" + "\n".join(shown)


@pytest.mark.parametrize(
    "source, line",
    [
        ('import matplotlib\nmatplotlib.use("Agg")\n', 2),
        ('def f():\n    import matplotlib as mpl\n    mpl.use("Agg")\n', 3),
        ('from matplotlib import use as pick\npick("Agg")\n', 2),
        ('import matplotlib.pyplot\nmatplotlib.use("Agg")\n', 2),
        ('import matplotlib.pyplot as plt\nplt.switch_backend("Agg")\n', 2),
        ('import matplotlib\nmatplotlib.pyplot.switch_backend("Agg")\n', 2),
    ],
)
def test_the_backend_check_sees_every_spelling(tmp_path, source, line):
    path = tmp_path / "module.py"
    path.write_text(source)
    assert [choice.line for choice in backend_choices(path)] == [line]


def test_the_backend_check_leaves_other_uses_alone(tmp_path):
    path = tmp_path / "module.py"
    path.write_text('import matplotlib.pyplot as plt\nimport os\nplt.style.use("ggplot")\nos.use("x")\n')
    assert backend_choices(path) == []


def test_the_package_says_it_is_typed():
    assert (PACKAGE / "py.typed").is_file()
