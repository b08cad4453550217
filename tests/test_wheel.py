"""The wheel carries everything: built, installed in a fresh virtual environment, run from elsewhere."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("build") is None, reason="the `build` package (test extra) is missing"
)


def run(*command: str | Path, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    work = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", work / "dist", ROOT, cwd=work)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (work / "dist").glob("journeydsl-*.whl")
    # The dependencies come from this interpreter's site-packages (no network needed);
    # journeydsl itself only from the wheel.
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(work / "venv")
    bin_dir = work / "venv" / ("Scripts" if os.name == "nt" else "bin")
    installed = run(
        bin_dir / "python", "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall", wheel, cwd=work
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return bin_dir


def clean_env() -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    return env


def test_the_installed_package_is_the_wheel(installed, tmp_path):
    where = run(
        installed / "python",
        "-c",
        "import journeydsl, journeydsl.lang.parser as p; print(journeydsl.__file__); print(p.grammar_path())",
        cwd=tmp_path,
        env=clean_env(),
    )
    assert where.returncode == 0, where.stderr
    package, grammar = where.stdout.split()
    venv_root = str(installed.parent)
    assert package.startswith(venv_root) and grammar.startswith(venv_root), where.stdout
    assert grammar.endswith(os.path.join("journeydsl", "grammars", "journey.lark"))


def test_journey_check_and_simulate_from_another_folder(installed, tmp_path):
    example = ROOT / "examples" / "journeys" / "conference_hotel.journey"
    checked = run(installed / "journey", "check", example, cwd=tmp_path, env=clean_env())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ok: 0 errors" in checked.stdout + checked.stderr
    simulated = run(
        installed / "journey",
        "simulate",
        example,
        "--customers",
        "50",
        "--format",
        "json",
        cwd=tmp_path,
        env=clean_env(),
    )
    assert simulated.returncode == 0, simulated.stderr
    assert '"schema": "journeydsl.results/1"' in simulated.stdout
    schema = run(
        installed / "python",
        "-c",
        "from journeydsl.schemas import results_schema; print(results_schema()['title'])",
        cwd=tmp_path,
        env=clean_env(),
    )
    assert schema.returncode == 0 and "results/1" in schema.stdout
