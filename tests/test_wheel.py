"""The wheel carries everything: built, installed in a fresh virtual environment, run from elsewhere."""

from __future__ import annotations

import importlib.util
import os
import site
import subprocess
import sys
import sysconfig
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


def active_site_packages() -> list[str]:
    """The folders the running interpreter imports installed packages from, whatever it is.

    In a virtual environment they are the environment's own (``system_site_packages`` of a
    new venv would give the base interpreter's instead, which lacks what was installed into the
    environment); in the system Python, the system's, and the user's when Python reads them.
    """
    folders = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    return [folder for folder in dict.fromkeys(folders) if os.path.isdir(folder)]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    work = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", work / "dist", ROOT, cwd=work)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (work / "dist").glob("journeydsl-*.whl")
    venv.EnvBuilder(with_pip=True).create(work / "venv")
    bin_dir = work / "venv" / ("Scripts" if os.name == "nt" else "bin")
    # The dependencies come from the running interpreter's site-packages (no network needed): a
    # .pth file puts those folders after the venv's own. Python reads .pth files only in its own
    # site folders, never in folders a .pth file adds, so an editable journeydsl installed there
    # (its own .pth file) stays out of reach; a regular one would come after the venv's.
    # journeydsl itself therefore comes only from the wheel.
    purelib = run(bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work)
    assert purelib.returncode == 0, purelib.stderr
    Path(purelib.stdout.strip(), "_active_environment.pth").write_text(
        "".join(f"{folder}\n" for folder in active_site_packages()), encoding="utf-8"
    )
    installed = run(
        bin_dir / "python", "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall", wheel, cwd=work
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return bin_dir


def clean_env() -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    return env


def test_the_installed_package_is_the_wheel(installed, tmp_path):
    """journeydsl comes from the wheel in the venv; its dependencies from the running environment."""
    where = run(
        installed / "python",
        "-c",
        "import journeydsl, journeydsl.lang.parser as p, lark; print(journeydsl.__file__); print(p.grammar_path()); "
        "print(lark.__file__)",
        cwd=tmp_path,
        env=clean_env(),
    )
    assert where.returncode == 0, where.stderr
    package, grammar, dependency = where.stdout.split()
    venv_root = str(installed.parent)
    assert package.startswith(venv_root) and grammar.startswith(venv_root), where.stdout
    assert grammar.endswith(os.path.join("journeydsl", "grammars", "journey.lark"))
    assert any(Path(dependency).is_relative_to(folder) for folder in active_site_packages()), dependency


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
