"""The kit's options: where the mirror of official files is, where the store and the
reports go, whether downloads are allowed, how many workers a batch uses.

One :class:`Options` object per process, set with :func:`configure` (the CLI's
``--miroir``, ``--cache``...) and read with :func:`options`. A field left to None
falls back on its environment variable, then on its default:

* mirror: ``$DIAGNOSTIC_MIROIR``, then ``../shared/data`` next to the project root;
* cache (the store): ``$DIAGNOSTIC_CACHE``, then ``~/.cache/diagnostic``;
* reports: ``$DIAGNOSTIC_RAPPORTS``, then ``reports/`` in the working directory;
* offline: ``$DIAGNOSTIC_HORS_LIGNE=1``;
* jobs: ``$DIAGNOSTIC_JOBS``, then None (the batch chooses).

Nothing here depends on the working directory but the default reports folder, so
no cache of the kit is keyed on it.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_FALSE = ("", "0", "non", "false")


@dataclass(frozen=True)
class Options:
    """Explicit choices of this process (None: environment variable, then default)."""

    mirror: Path | None = None
    cache: Path | None = None
    reports: Path | None = None
    offline: bool | None = None
    jobs: int | None = None


_options = Options()


def _path(value) -> Path | None:
    return Path(value).expanduser().resolve() if value else None


def configure(**changes) -> Options:
    """Set some options for this process (``configure(mirror=..., offline=True)``).

    Mirror and cache are also exported to the environment, so that the kernels
    and workers a report or a batch starts see the same ones.
    """
    global _options
    unknown = set(changes) - {f.name for f in dataclasses.fields(Options)}
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    for name in ("mirror", "cache", "reports"):
        if name in changes:
            changes[name] = _path(changes[name])
    _options = dataclasses.replace(_options, **changes)
    for name, env in (("mirror", "DIAGNOSTIC_MIROIR"), ("cache", "DIAGNOSTIC_CACHE")):
        if changes.get(name):
            os.environ[env] = str(changes[name])
    return _options


def options_set() -> Options:
    """The options set explicitly with :func:`configure` (None where not set)."""
    return _options


def options() -> Options:
    """The options in force, environment and defaults filled in."""
    return Options(mirror=mirror_dir(), cache=cache_dir(), reports=reports_dir(),
                   offline=offline(), jobs=jobs())


def set_mirror(path: str | os.PathLike | None) -> None:
    """Select the mirror directory for this process (``--miroir``)."""
    configure(mirror=path)


def set_cache(path: str | os.PathLike | None) -> None:
    """Select the cache directory (the store) for this process (``--cache``)."""
    configure(cache=path)


def mirror_key() -> tuple:
    """What selects the mirror, cheap to compute: for keys of in-memory caches."""
    return (_options.mirror, os.environ.get("DIAGNOSTIC_MIROIR"))


def mirror_candidates() -> list[Path]:
    """Mirror directories in order of precedence (existing or not)."""
    out: list[Path] = []
    if _options.mirror is not None:
        out.append(_options.mirror)
    env = os.environ.get("DIAGNOSTIC_MIROIR")
    if env:
        out.append(Path(env).expanduser())
    out.append(PROJECT_ROOT.parent / "shared" / "data")
    return out


def mirror_dir() -> Path:
    """The mirror directory in use: the first candidate that exists.

    When none exists, the first candidate is returned (downloads go there).
    """
    candidates = mirror_candidates()
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    if _options.mirror is not None or os.environ.get("DIAGNOSTIC_MIROIR"):
        return candidates[0]
    return Path.home() / ".cache" / "diagnostic" / "miroir"


def cache_dir() -> Path:
    if _options.cache is not None:
        return _options.cache
    env = os.environ.get("DIAGNOSTIC_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "diagnostic"


def store_dir() -> Path:
    return cache_dir() / "store"


def reports_dir() -> Path:
    if _options.reports is not None:
        return _options.reports
    env = os.environ.get("DIAGNOSTIC_RAPPORTS")
    return Path(env) if env else Path.cwd() / "reports"


def offline() -> bool:
    """True when downloads must not be attempted (``DIAGNOSTIC_HORS_LIGNE=1``)."""
    if _options.offline is not None:
        return _options.offline
    return os.environ.get("DIAGNOSTIC_HORS_LIGNE", "").strip().lower() not in _FALSE


def jobs() -> int | None:
    """Workers of a batch (``--jobs`` or ``$DIAGNOSTIC_JOBS``); None lets the batch choose."""
    if _options.jobs is not None:
        return _options.jobs
    env = os.environ.get("DIAGNOSTIC_JOBS", "").strip()
    return int(env) if env.isdigit() and int(env) > 0 else None
