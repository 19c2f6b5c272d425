"""Where the kit finds the mirror of official files and keeps its store.

Mirror: ``--miroir`` (passed as ``mirror=``), then ``$DIAGNOSTIC_MIROIR``, then
``../shared/data`` next to the project root (or the working directory) if present.
Store: ``$DIAGNOSTIC_CACHE`` or ``~/.cache/diagnostic``.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_mirror_override: Path | None = None
_cache_override: Path | None = None


def set_mirror(path: str | os.PathLike | None) -> None:
    """Select the mirror directory for this process (``--miroir``)."""
    global _mirror_override
    _mirror_override = Path(path).expanduser().resolve() if path else None
    if path:
        os.environ["DIAGNOSTIC_MIROIR"] = str(_mirror_override)


def set_cache(path: str | os.PathLike | None) -> None:
    global _cache_override
    _cache_override = Path(path).expanduser().resolve() if path else None
    if path:
        os.environ["DIAGNOSTIC_CACHE"] = str(_cache_override)


def mirror_candidates() -> list[Path]:
    """Mirror directories in order of precedence (existing or not)."""
    out: list[Path] = []
    if _mirror_override is not None:
        out.append(_mirror_override)
    env = os.environ.get("DIAGNOSTIC_MIROIR")
    if env:
        out.append(Path(env).expanduser())
    for base in (PROJECT_ROOT, Path.cwd()):
        out.append(base.parent / "shared" / "data")
    return out


def mirror_dir() -> Path:
    """The mirror directory in use: the first candidate that exists.

    When none exists, the first candidate is returned (downloads go there).
    """
    candidates = mirror_candidates()
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    if _mirror_override is not None or os.environ.get("DIAGNOSTIC_MIROIR"):
        return candidates[0]
    return Path.home() / ".cache" / "diagnostic" / "miroir"


def cache_dir() -> Path:
    if _cache_override is not None:
        return _cache_override
    env = os.environ.get("DIAGNOSTIC_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "diagnostic"


def store_dir() -> Path:
    return cache_dir() / "store"


def reports_dir() -> Path:
    env = os.environ.get("DIAGNOSTIC_RAPPORTS")
    return Path(env) if env else Path.cwd() / "reports"


def offline() -> bool:
    """True when downloads must not be attempted (``DIAGNOSTIC_HORS_LIGNE=1``)."""
    return os.environ.get("DIAGNOSTIC_HORS_LIGNE", "") not in ("", "0", "non", "false")
