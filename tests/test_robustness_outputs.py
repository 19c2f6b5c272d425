"""Outputs survive kills, concurrent runs, full or read-only disks, and name collisions (issue 11)."""
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT
from diagnostic import atomic, batch, errors
from diagnostic.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _python(code: str, *args, **kwargs):
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, **kwargs)


def _hidden(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _old_report(tmp_path):
    dest = tmp_path / "reports" / "l-aigle-61214"
    dest.mkdir(parents=True)
    (dest / "rapport.html").write_text("ancien")
    return dest


SLOW_BUILD = """
    import sys, time
    from pathlib import Path
    from diagnostic.atomic import atomic_dir
    with atomic_dir(sys.argv[1]) as tmp:
        (Path(tmp) / "rapport.html").write_text(sys.argv[2])
        print("pret", flush=True)
        time.sleep(float(sys.argv[3]))
"""


def test_kill_during_a_build_keeps_the_old_report_and_next_run_cleans_up(tmp_path):
    dest = _old_report(tmp_path)
    proc = _python(SLOW_BUILD, dest, "nouveau", 60)
    assert proc.stdout.readline().strip() == "pret"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert (dest / "rapport.html").read_text() == "ancien"
    assert _hidden(dest.parent)  # the killed run's temporary folder
    with atomic.atomic_dir(dest) as tmp:
        (tmp / "rapport.html").write_text("suivant")
    assert (dest / "rapport.html").read_text() == "suivant"
    assert _hidden(dest.parent) == []


def test_kill_between_the_two_renames_is_recovered(tmp_path):
    dest = _old_report(tmp_path)
    code = """
        import os, sys
        from pathlib import Path
        from diagnostic import atomic
        real = os.replace
        def replace(src, dst):
            if Path(dst).name == Path(sys.argv[1]).name:  # the new folder's rename: die just before
                os._exit(9)
            real(src, dst)
        atomic.os.replace = replace
        with atomic.atomic_dir(sys.argv[1]) as tmp:
            (Path(tmp) / "rapport.html").write_text("nouveau")
    """
    proc = _python(code, dest)
    proc.wait(timeout=60)
    assert proc.returncode == 9 and not dest.exists()  # the old one was set aside
    assert atomic.recover_dir(dest) is True
    assert (dest / "rapport.html").read_text() == "ancien"
    # The same recovery happens when the next build starts.
    os.replace(dest, dest.with_name(".l-aigle-61214.old"))
    with atomic.atomic_dir(dest) as tmp:
        assert (dest / "rapport.html").read_text() == "ancien"  # visible while the new one is built
        (tmp / "rapport.html").write_text("suivant")
    assert (dest / "rapport.html").read_text() == "suivant" and _hidden(dest.parent) == []


def test_concurrent_builds_of_one_destination_take_turns(tmp_path):
    dest = _old_report(tmp_path)
    procs = [_python(SLOW_BUILD, dest, f"version {i}", 1) for i in range(3)]
    for proc in procs:
        proc.wait(timeout=120)
        assert proc.returncode == 0, proc.stderr.read()
    assert (dest / "rapport.html").read_text().startswith("version ")
    assert _hidden(dest.parent) == []


def test_stale_temporary_files_are_removed_by_the_next_write(tmp_path):
    dest = tmp_path / "index.html"
    stale, fresh = tmp_path / ".index.html.ab12cd34.tmp", tmp_path / ".index.html.ef56gh78.tmp"
    for path in (stale, fresh):
        path.write_text("morceau")
    old = time.time() - atomic.STALE_FILE_SECONDS - 60
    os.utime(stale, (old, old))
    atomic.write_text(dest, "index")
    assert not stale.exists() and fresh.exists()  # a recent one may be a concurrent writer's


def test_folders_and_files_get_the_umask_mode(tmp_path):
    dest = tmp_path / "r"
    with atomic.atomic_dir(dest) as tmp:
        atomic.write_text(tmp / "a.txt", "x")
        atomic.write_bytes(tmp / "b.bin", b"x")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o777 & ~_umask()
    for name in ("a.txt", "b.bin"):
        assert stat.S_IMODE((dest / name).stat().st_mode) == 0o666 & ~_umask()


# --- full and read-only disks (a small tmpfs; root only) ----------------------------------------
@pytest.fixture
def tmpfs(tmp_path):
    mounted = []

    def mount(name, *options):
        point = tmp_path / name
        point.mkdir()
        opts = ",".join(("size=16k",) + options)
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(point)], capture_output=True)
        if proc.returncode:
            pytest.skip(f"impossible de monter un tmpfs ici (droits root nécessaires) : "
                        f"{proc.stderr.decode(errors='replace').strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _cli(*args):
    proc = subprocess.run([sys.executable, "-m", "diagnostic.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert "Traceback" not in proc.stderr and "Erreur inattendue" not in proc.stderr, proc.stderr
    return proc


def test_full_disk(tmpfs):
    full = tmpfs("plein")
    proc = _cli("indicateurs", "246100663", "--format", "csv", "--sortie", full / "indicateurs.csv")
    assert proc.returncode == errors.EXIT_WRITE and "Disque plein" in proc.stderr
    assert list(full.iterdir()) == []  # no half-written file, no temporary file left


def test_read_only_output_and_cache(tmpfs):
    ro = tmpfs("lecture-seule", "ro")
    proc = _cli("indicateurs", "61214", "--format", "csv", "--sortie", ro / "indicateurs.csv")
    assert proc.returncode == errors.EXIT_WRITE and "lecture seule" in proc.stderr
    proc = _cli("--cache", ro, "territoire", "61214")
    assert proc.returncode == errors.EXIT_WRITE and "--cache" in proc.stderr
    with pytest.raises(OutputError, match="lecture seule"):
        with atomic.atomic_dir(ro / "rapport"):
            pass


# --- names --------------------------------------------------------------------------------------
def test_rapport_never_replaces_a_lot_folder(tmp_path):
    lot = tmp_path / "l-aigle-61214"
    lot.mkdir()
    (lot / batch.LOT_MARKER).touch()
    (lot / "index.html").write_text("index")
    proc = _cli("rapport", "61214", "--sortie", tmp_path)
    assert proc.returncode == errors.EXIT_USAGE and "contient l'index d'un lot" in proc.stderr
    assert (lot / "index.html").read_text() == "index"


def test_lot_with_homonyms_a_bad_file_and_a_report_name(tmp_path):
    """Two perimeters named alike, a broken file, and a lot named like a report folder."""
    (tmp_path / "aigle.yaml").write_text('nom: Mon périmètre\ncommunes: ["61214"]\n', encoding="utf-8")
    (tmp_path / "alencon.yaml").write_text('nom: Mon périmètre\ncommunes: ["61001"]\n', encoding="utf-8")
    (tmp_path / "casse.yaml").write_bytes(b"\x00\xff")
    out = tmp_path / "reports"
    proc = _cli("lot", "61214", tmp_path / "aigle.yaml", tmp_path / "alencon.yaml", tmp_path / "casse.yaml",
                "--nom", "l-aigle-61214", "--sortie", out, "--jobs", "2")
    assert proc.returncode == errors.EXIT_BATCH, proc.stderr
    assert "1 échec" in proc.stderr and "casse.yaml" in proc.stderr
    folders = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert folders == ["l-aigle-61214", "lot-l-aigle-61214", "mon-perimetre", "mon-perimetre-alencon"]
    for folder in ("l-aigle-61214", "mon-perimetre", "mon-perimetre-alencon"):
        assert (out / folder / "rapport.html").is_file()
    lot = out / "lot-l-aigle-61214"
    assert batch.is_lot_folder(lot)
    for path in (lot / "index.html", lot / "comparaison.xlsx", out / "mon-perimetre" / "rapport.html"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~_umask(), path
