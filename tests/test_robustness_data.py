"""National files complete in shape but not in content are refused, naming the file (issue 11, item 2)."""
import csv
import io
import subprocess
import sys
import zipfile

import pytest

from conftest import MIRROR, ROOT
from diagnostic import errors, store
from diagnostic.errors import DamagedData
from diagnostic.sources import find, refresh


def _half(path, dest):
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    return dest


def test_truncated_cog_is_refused_with_its_exit_code(tmp_path):
    mirror = tmp_path / "miroir"
    _half(MIRROR / "cog" / "v_commune_2023.csv", mirror / "cog" / "v_commune_2023.csv")
    proc = subprocess.run([sys.executable, "-m", "diagnostic.cli", "--miroir", str(mirror), "--cache",
                           str(tmp_path / "stock"), "indicateurs", "France"], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert proc.returncode == errors.EXIT_DATA, proc.stderr
    assert "v_commune_2023.csv est incomplet" in proc.stderr and "communes au lieu de" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_cog_without_one_departement_is_refused(isolated):
    lines = (MIRROR / "cog" / "v_commune_2023.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    kept = [line for line in lines if line.split(",")[3] != "61"]  # TYPECOM,COM,REG,DEP: no Orne
    assert len(lines) - len(kept) > 380
    path = isolated / "cog" / "v_commune_2023.csv"
    path.parent.mkdir()
    path.write_text("".join(kept), encoding="utf-8")
    refresh()
    with pytest.raises(DamagedData, match=r"aucune commune pour 1 département\(s\) \(61\)"):
        store.load(find("cog_communes")[0])


def test_truncated_epci_composition_is_refused(isolated):
    _half(MIRROR / "cog" / "EPCI_composition-communale.csv", isolated / "cog" / "EPCI_composition-communale.csv")
    refresh()
    with pytest.raises(DamagedData, match="EPCI_composition-communale.csv est incomplet"):
        store.load(find("epci")[0])


def _comparateur_rows():
    with zipfile.ZipFile(MIRROR / "comparateur" / "base_cc_comparateur_csv.zip") as zf:
        text = zf.read("base_cc_comparateur.CSV").decode("ascii")
    lines = text.splitlines(keepends=True)
    return lines[0], lines[1:]


def _write_comparateur(mirror, header, rows):
    path = mirror / "comparateur" / "base_cc_comparateur_csv.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("base_cc_comparateur.CSV", header + "".join(rows))
    refresh()
    return find("comparateur")[0]


def test_truncated_comparateur_is_refused(isolated):
    header, rows = _comparateur_rows()
    ds = _write_comparateur(isolated, header, rows[: len(rows) // 2])
    with pytest.raises(DamagedData, match="base_cc_comparateur_csv.zip est incomplet.*communes"):
        store.load(ds)


def test_comparateur_without_its_large_communes_fails_the_total(isolated):
    """Every département still there, but its towns gone: the national population gives it away."""
    header, rows = _comparateur_rows()
    columns = next(csv.reader(io.StringIO(header), delimiter=";"))
    pop = columns.index("P18_POP")
    kept = [r for r in rows if float(next(csv.reader([r], delimiter=";"))[pop] or 0) < 8000
            or r.startswith(("97", "2A", "2B", "75"))]
    kept_deps = {r[:3] if r.startswith("97") else r[:2] for r in kept}
    assert len(kept) > 30_000 and len(kept_deps) == 101  # the count and département checks pass
    ds = _write_comparateur(isolated, header, kept)
    with pytest.raises(DamagedData, match="la population de la France"):
        store.load(ds)
