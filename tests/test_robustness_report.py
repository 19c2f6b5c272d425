"""The real `rapport` under kills, concurrent runs and a full disk; reports of Paris and overseas (issue 11)."""
import html
import os
import re
import signal
import stat
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from diagnostic import errors

SLUG = "l-aigle-61214"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _start(*args):
    return subprocess.Popen([sys.executable, "-m", "diagnostic.cli", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _hidden(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _wait_for(predicate, seconds=240):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_kill_during_rapport_keeps_the_old_report_then_the_next_run_completes(tmp_path):
    out = tmp_path / "reports"
    dest = out / SLUG
    dest.mkdir(parents=True)
    (dest / "rapport.html").write_text("ancien rapport", encoding="utf-8")
    proc = _start("rapport", "61214", "--sortie", out)
    started = _wait_for(lambda: any(n.startswith(f".{SLUG}.tmp-") for n in _hidden(out)))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert started, proc.stderr.read()
    assert (dest / "rapport.html").read_text(encoding="utf-8") == "ancien rapport"
    again = subprocess.run([sys.executable, "-m", "diagnostic.cli", "rapport", "61214", "--sortie", str(out)],
                           capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "ancien rapport" not in (dest / "rapport.html").read_text(encoding="utf-8")
    assert _hidden(out) == []  # the killed run's temporary folder is gone
    for path in dest.iterdir():
        expected = 0o777 & ~_umask() if path.is_dir() else 0o666 & ~_umask()
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_concurrent_rapport_of_one_territory(tmp_path):
    out = tmp_path / "reports"
    procs = [_start("rapport", "61214", "--sortie", out) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert "Errno" not in err
    assert (out / SLUG / "rapport.html").is_file() and _hidden(out) == []


@pytest.fixture
def small_tmpfs(tmp_path):
    point = tmp_path / "petit"
    point.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(point)], capture_output=True)
    if proc.returncode:
        pytest.skip(f"impossible de monter un tmpfs ici (droits root nécessaires) : "
                    f"{proc.stderr.decode(errors='replace').strip()}")
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_rapport_on_a_full_disk(small_tmpfs):
    proc = subprocess.run([sys.executable, "-m", "diagnostic.cli", "rapport", "61214", "--sortie",
                           str(small_tmpfs)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == errors.EXIT_WRITE, proc.stderr
    assert "Disque plein" in proc.stderr and "Traceback" not in proc.stderr
    assert not [p for p in small_tmpfs.iterdir() if p.name.startswith(".") or (p / "rapport.html").exists()]


OVERSEAS = ["75056", "97105", "97209", "97302", "97411", "97611"]


def test_paris_and_one_commune_of_each_overseas_departement(tmp_path):
    out = tmp_path / "reports"
    proc = subprocess.run([sys.executable, "-m", "diagnostic.cli", "lot", *OVERSEAS, "--jobs", "2",
                           "--sortie", str(out), "--nom", "outre-mer"], capture_output=True, text=True,
                          cwd=ROOT, timeout=1200)
    assert proc.returncode == 0, proc.stderr
    pages = {p.parent.name: p.read_text(encoding="utf-8") for p in out.glob("*/rapport.html")}
    assert len(pages) == len(OVERSEAS)
    for slug, page in pages.items():
        text = html.unescape(re.sub(r"<[^>]+>", " ", page))
        assert "n.d." in text and "non disponible" in text, slug
    mamoudzou = next(text for slug, text in pages.items() if slug.endswith("97611"))
    assert "absent de cc_filosofi_2021_COM.csv" in html.unescape(mamoudzou)
