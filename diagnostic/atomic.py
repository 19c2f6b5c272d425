"""Safe outputs: atomic files and folders, one file mode, locks, recovery after a kill.

* :func:`atomic_path` / :func:`write_text` / :func:`write_bytes`: a file is either
  its previous version or the complete new one. A symlink is written *through*
  (its target is replaced, the link stays); a target that exists and is not a
  regular file (folder, device such as ``/dev/full``, FIFO) is refused.
* :func:`atomic_dir`: a folder (a report) replaced as a whole, under a lock of
  its own, so that the visible folder is always the old or the new one — even
  after ``kill -9`` between the two renames (:func:`recover_dir` puts the old
  one back on the next run) — and hidden temporary folders left by killed runs
  are removed (:func:`clean_stale`).
* Every output gets the usual mode, the umask's (``rw-r--r--`` with umask 022),
  not the private mode of temporary files.
* Write failures (read-only folder, full disk) become a French :class:`OutputError`.
"""
from __future__ import annotations

import errno
import fcntl
import glob
import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from . import config
from .errors import OutputError

#: The process umask, read once (reading it means setting it: not thread-safe later).
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK
DIR_MODE = 0o777 & ~_UMASK

#: errno values that mean "this output cannot be written here".
_WRITE_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT, errno.EFBIG,
                 errno.EISDIR, errno.ENOTDIR}
_TMP_DIR_TAG = ".tmp-"
_OLD_SUFFIX = ".old"
#: Age after which a temporary file beside an output is a leftover of a killed run (no lock
#: guards single files: a younger one may belong to a concurrent writer).
STALE_FILE_SECONDS = 3600


def output_error(exc: OSError, path) -> OutputError:
    """The French error for a failed write of ``path``."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return OutputError(f"Disque plein : impossible d'écrire {path}.",
                           "Libérez de la place (ou choisissez un autre dossier avec --sortie), puis relancez.")
    if code == errno.EROFS:
        return OutputError(f"Le dossier de {path} est en lecture seule.",
                           "Choisissez un dossier où vous pouvez écrire (--sortie, --cache).")
    if code in (errno.EACCES, errno.EPERM):
        return OutputError(f"Permission refusée : impossible d'écrire {path}.",
                           "Choisissez un dossier où vous pouvez écrire (--sortie, --cache) ou "
                           "corrigez ses droits.")
    if code in (errno.EISDIR, errno.ENOTDIR):
        return OutputError(f"Impossible d'écrire {path} : un dossier et un fichier portent le même nom.",
                           "Indiquez un chemin de fichier dont les dossiers parents existent.")
    return OutputError(f"Impossible d'écrire {path} ({exc.strerror or exc}).",
                       "Vérifiez le chemin de sortie et l'espace disque.")


def is_write_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and getattr(exc, "errno", None) in _WRITE_ERRNOS


def writable_target(dest: str | os.PathLike) -> Path:
    """The real file to replace for ``dest``: a symlink's target; refuse what is not a regular file."""
    dest = Path(dest)
    real = Path(os.path.realpath(dest)) if dest.is_symlink() else dest
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return real
    except OSError as exc:
        raise output_error(exc, dest) from None
    if stat.S_ISDIR(mode):
        raise OutputError(f"{dest} est un dossier, pas un fichier.",
                          "Indiquez un nom de fichier à --sortie (par exemple indicateurs.csv).")
    if not stat.S_ISREG(mode):
        raise OutputError(f"{dest} n'est pas un fichier ordinaire (périphérique, tube ou socket) : "
                          "le kit ne l'écrase pas.",
                          "Indiquez un fichier ordinaire à --sortie, ou omettez --sortie pour "
                          "afficher le résultat.")
    return real


def clean_stale_files(dest: str | os.PathLike, suffix: str = ".tmp") -> list[Path]:
    """Remove the temporary files of ``dest`` older than :data:`STALE_FILE_SECONDS` (killed writes)."""
    dest = Path(dest)
    pattern = re.compile(rf"\.{re.escape(dest.name)}\.[a-z0-9_]{{8}}{re.escape(suffix)}")
    limit = time.time() - STALE_FILE_SECONDS
    removed = []
    try:
        for entry in dest.parent.glob(f".{glob.escape(dest.name)}.*"):
            if pattern.fullmatch(entry.name) and entry.is_file() and entry.stat().st_mtime < limit:
                entry.unlink(missing_ok=True)
                removed.append(entry)
    except OSError:
        pass  # a cleanup, never a failure
    return removed


@contextmanager
def atomic_path(dest: str | os.PathLike, suffix: str = ""):
    """Yield a temporary path beside ``dest``; it replaces ``dest`` only on success."""
    real = writable_target(dest)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_files(real, suffix or ".tmp")
        fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=suffix or ".tmp")
        os.close(fd)
    except OSError as exc:
        raise output_error(exc, dest) from None
    try:
        yield Path(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, real)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if is_write_error(exc):
            raise output_error(exc, dest) from None
        raise


def write_text(dest, text: str) -> Path:
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(dest)


def write_bytes(dest, data: bytes) -> Path:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return Path(dest)


# ---------------------------------------------------------------------------
# Folders
# ---------------------------------------------------------------------------
def _old_path(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}{_OLD_SUFFIX}")


def _temp_pattern(dest: Path) -> re.Pattern:
    # mkdtemp's random part is 8 characters of [a-z0-9_]; the bare form is the pre-lock layout.
    return re.compile(rf"\.{re.escape(dest.name)}(\{_TMP_DIR_TAG})?[a-z0-9_]{{8}}")


def recover_dir(dest: str | os.PathLike) -> bool:
    """Put the previous folder back when a kill left it aside (``.<name>.old``) and none is visible.

    Returns True when a folder was recovered. Call it holding :func:`dir_lock`.
    """
    dest = Path(dest)
    old = _old_path(dest)
    if not dest.exists() and old.is_dir():
        os.replace(old, dest)
        return True
    if dest.is_dir() and old.exists():  # the swap finished, its cleanup did not
        shutil.rmtree(old, ignore_errors=True)
    return False


def clean_stale(dest: str | os.PathLike) -> list[Path]:
    """Remove the hidden temporary folders of ``dest`` left by killed runs (call it holding the lock)."""
    dest = Path(dest)
    pattern = _temp_pattern(dest)
    removed = []
    try:
        entries = list(dest.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if pattern.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def swap_dir(tmp: Path, dest: Path) -> None:
    """Replace ``dest`` by ``tmp``: rename the old aside, the new in, then drop the old.

    A kill between the renames leaves ``.<name>.old``, which :func:`recover_dir` restores.
    """
    old = _old_path(dest)
    if dest.exists():
        if old.exists():
            shutil.rmtree(old)
        os.replace(dest, old)
    os.replace(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)


def _lock_key(dest: Path) -> Path:
    """Where the lock of ``dest`` lives: in the store's folder, so output folders stay clean."""
    digest = hashlib.sha256(str(dest.resolve()).encode("utf-8")).hexdigest()[:20]
    return config.cache_dir() / "verrous" / f"{dest.name[:60]}-{digest}"


@contextmanager
def dir_lock(dest: str | os.PathLike):
    """The lock of one output folder: two runs for the same destination take turns.

    Kept under the cache folder (``verrous/``); beside ``dest`` when that one cannot be written.
    """
    dest = Path(dest)
    key = _lock_key(dest)
    try:
        key.parent.mkdir(parents=True, exist_ok=True)
        lock = file_lock(key)
        lock.__enter__()
    except OSError:
        lock = file_lock(dest)
        lock.__enter__()
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


@contextmanager
def atomic_dir(dest: str | os.PathLike):
    """Yield a temporary directory that replaces ``dest`` as a whole on success.

    The previous directory stays in place until the new one is complete, so an
    interrupted run never leaves a half-written report; concurrent runs for the
    same ``dest`` are serialised; the leftovers of killed runs are cleaned up.
    """
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        lock = dir_lock(dest)
        lock.__enter__()
    except OSError as exc:
        raise output_error(exc, dest) from None
    try:
        recover_dir(dest)
        clean_stale(dest)
        try:
            tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}{_TMP_DIR_TAG}"))
        except OSError as exc:
            raise output_error(exc, dest) from None
        try:
            yield tmp
            os.chmod(tmp, DIR_MODE)
            swap_dir(tmp, dest)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                raise output_error(exc, dest) from None
            raise
    finally:
        lock.__exit__(None, None, None)


@contextmanager
def file_lock(path: str | os.PathLike):
    """Exclusive lock on ``.<name>.lock`` beside ``path``, shared by processes (batch workers)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file, read by chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
