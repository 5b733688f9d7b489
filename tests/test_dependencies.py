"""pyproject.toml, environment.yml and binder/ must name the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's, and conda-only extras (tshark)
CONDA_ONLY = {"python", "pip", "wireshark"}


def _name(requirement: str) -> set[str]:
    """Normalised distribution names of one requirement (extras expand: dask[distributed])."""
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)(\[([^\]]*)\])?", requirement)
    assert match, requirement
    base = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    names = {base}
    if base == "dask" and match.group(3):
        names |= {re.sub(r"[-_.]+", "-", e).lower() for e in match.group(3).split(",")}
    return names


def pyproject_names() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return set().union(*(_name(r) for r in project["dependencies"]))


def environment_names() -> set[str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    return set().union(*(_name(d) for d in conda)) - CONDA_ONLY


def binder_names() -> set[str]:
    lines = (REPO / "binder" / "requirements.txt").read_text().splitlines()
    reqs = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith(("#", "-"))]
    return set().union(*(_name(r) for r in reqs))


def test_environment_yml_matches_pyproject() -> None:
    assert environment_names() == pyproject_names()


def test_binder_requirements_match_pyproject() -> None:
    assert binder_names() == pyproject_names()


def test_binder_pins_every_dependency_exactly() -> None:
    lines = (REPO / "binder" / "requirements.txt").read_text().splitlines()
    reqs = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith(("#", "-"))]
    assert all("==" in r for r in reqs), reqs


def test_binder_installs_tshark_python311_and_the_package() -> None:
    binder = REPO / "binder"
    assert "tshark" in (binder / "apt.txt").read_text().split()
    assert (binder / "runtime.txt").read_text().strip() == "python-3.11"
    post = (binder / "postBuild").read_text()
    assert "set -e" in post and "pip install" in post and " -e ." in post


def test_install_and_binder_compile_the_kernels_once() -> None:
    # the first capture an analyst opens is not read after ~25 s of compiling: make install and
    # Binder's build run the script that fills Numba's cache (make install fails if it does)
    assert (REPO / "scripts" / "warm_cache.py").is_file()
    install = (REPO / "Makefile").read_text().split("\ninstall:")[0]
    assert "$(BIN)/python scripts/warm_cache.py" in install
    assert "python scripts/warm_cache.py" in (REPO / "binder" / "postBuild").read_text()
