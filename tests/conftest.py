"""Shared test set-up: the real mirror (../shared/data), offline, a store kept between runs."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MIRROR = ROOT.parent / "shared" / "data"

# Set before the package is imported by any test module.
os.environ.setdefault("DIAGNOSTIC_MIROIR", str(MIRROR))
os.environ.setdefault("DIAGNOSTIC_CACHE", str(ROOT / ".cache" / "tests"))
SHARED_CACHE = os.environ["DIAGNOSTIC_CACHE"]
os.environ["DIAGNOSTIC_HORS_LIGNE"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    if not MIRROR.is_dir():
        skip = pytest.mark.skip(reason=f"miroir absent : {MIRROR} (../shared/data)")
        for item in items:
            if "mirror" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def mirror() -> Path:
    return MIRROR


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """An empty mirror and store, for tests that build their own fixture files."""
    from diagnostic import data, indicators, sources

    mirror = tmp_path / "miroir"
    mirror.mkdir()
    monkeypatch.setenv("DIAGNOSTIC_MIROIR", str(mirror))
    monkeypatch.setenv("DIAGNOSTIC_CACHE", str(tmp_path / "cache"))
    sources.refresh()
    data.clear_cache()
    indicators.clear_cache()
    yield mirror
    sources.refresh()
    data.clear_cache()
    indicators.clear_cache()


@pytest.fixture
def mirror_with(isolated, monkeypatch):
    """An isolated mirror holding the real COG and comparateur plus files a test writes.

    The shared test store is kept: the real files resolve to the same paths, so they are
    not re-ingested, and the synthetic ones get their own entries.
    """
    monkeypatch.setenv("DIAGNOSTIC_CACHE", SHARED_CACHE)
    for folder in ("cog", "comparateur", "filosofi"):
        (isolated / folder).symlink_to(MIRROR / folder, target_is_directory=True)
    return isolated
