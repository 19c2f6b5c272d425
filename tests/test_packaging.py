"""The wheel: it carries the report's templates, the notebook (same bytes as the checkout's),
the YAML configuration and the example territories, so that a non-editable install works
from any folder."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("roue")
    # No build isolation: the shared virtualenv's setuptools builds it, without network.
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--quiet", "-w", str(out), str(ROOT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    (path,) = out.glob("diagnostic-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_carries_templates_configuration_and_code(wheel):
    names = set(wheel.namelist())
    templates = {p.name for p in (ROOT / "diagnostic" / "report" / "templates").iterdir() if p.is_file()}
    assert templates >= {"rapport.html.j2", "report.css", "page.css", "toc.js", "lot.html.j2"}
    for name in templates:
        assert f"diagnostic/report/templates/{name}" in names, name
    for name in ("diagnostic/catalogue.yaml", "diagnostic/seuils.yaml", "diagnostic/cli.py",
                 "diagnostic/report/sections/logement.py", "diagnostic/resources.py"):
        assert name in names, name
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "diagnostic = diagnostic.cli:run" in wheel.read(entry_points).decode()


def test_wheel_notebook_and_territories_are_the_checkout_files(wheel):
    shipped = wheel.read("diagnostic/shipped/notebooks/diagnostic.ipynb")
    assert shipped == (ROOT / "notebooks" / "diagnostic.ipynb").read_bytes()
    territories = sorted((ROOT / "territories").glob("*.yaml"))
    assert len(territories) >= 8
    for path in territories:
        assert wheel.read(f"diagnostic/shipped/territories/{path.name}") == path.read_bytes(), path.name


def test_checkout_files_win_over_installed_copies():
    from diagnostic import resources

    assert resources.notebook_path() == ROOT / "notebooks" / "diagnostic.ipynb"
    assert resources.territories_dir() == ROOT / "territories"
