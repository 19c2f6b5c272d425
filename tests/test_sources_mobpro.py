"""Home-to-work flows (MOBPRO), on synthetic files in INSEE's layouts."""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from diagnostic import data, sources, store
from diagnostic.errors import MissingData, UnreadableData
from diagnostic.sources import REGISTRY, find

FLUX_HEADER = "CODGEO;LIBGEO;DCLT;L_DCLT;NBFLUX_C19_ACTOCC15P"
FLUX_ROWS = [
    "01001;L'Abergement-Clémenciat;01001;L'Abergement-Clémenciat;100.5",
    "01001;L'Abergement-Clémenciat;01053;Bourg-en-Bresse;50.25",
    "2A004;Ajaccio;2A004;Ajaccio;30000.123",
    "2A004;Ajaccio;2B033;Bastia;10.5",
    "75112;Paris 12e Arrondissement;75108;Paris 8e Arrondissement;1000.0000001",
    "75112;Paris 12e Arrondissement;75112;Paris 12e Arrondissement;500",
    "75112;Paris 12e Arrondissement;92012;Boulogne-Billancourt;200.75",
]


def write_zip(path: Path, members: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    sources.refresh()
    return path


def flux_zip(mirror: Path, rows=FLUX_ROWS, header=FLUX_HEADER) -> Path:
    name = "base-flux-mobilite-domicile-lieu-travail-2019.csv"
    return write_zip(mirror / "mobpro" / "base-csv-flux-mobilite-domicile-lieu-travail-2019.zip",
                     {name: "\n".join([header, *rows]) + "\n"})


DETAIL_HEADER = ("COMMUNE;ARM;DCFLT;DCLT;AGEREVQ;CS1;DIPL;EMPL;ILT;INATC;IPONDI;LPRM;MOCO;"
                 "NA5;REGION;SEXE;STAT_CONJ;TACT;TP;TRANS;TYPL;TYPMR;VOIT")


def person(commune: str, arm: str, dclt: str, weight: str, trans: str) -> str:
    return (f"{commune};{arm};99999;{dclt};035;3;5;16;1;1;{weight};1;21;GU;84;1;1;11;1;"
            f"{trans};2;21;1")


DETAIL_ROWS = [
    person("01001", "ZZZZZ", "01001", "1.5", "1"),
    person("01001", "ZZZZZ", "01053", "2.25", "5"),
    person("01001", "ZZZZZ", "01053", "1.0", "5"),
    person("01001", "ZZZZZ", "01053", "3.125", "6"),
    person("2A004", "ZZZZZ", "2A004", "7.75", "4"),
    person("75056", "75112", "75108", "2.5", "6"),      # Paris 12e -> Paris 8e: same commune
    person("75056", "75112", "75112", "1.5", "2"),
    person("75056", "75112", "93048", "4.0", "3"),      # -> Montreuil: outside
    person("69123", "69381", "69123", "5.0625", "3"),   # place of work coded as the whole of Lyon
    # The 19 other arrondissements of Paris, one weighted worker each, to the 1er.
    *[person("75056", f"751{n:02d}", "75101", "1.0", "6") for n in range(1, 21) if n != 12],
]


def detail_zip(mirror: Path, rows=DETAIL_ROWS, header=DETAIL_HEADER) -> Path:
    varmod = "COD_VAR;LIB_VAR;COD_MOD;LIB_MOD;TYPE_VAR;LONG_VAR\nTRANS;Mode de transport;3;Vélo;CHAR;1\n"
    return write_zip(mirror / "mobpro" / "RP2019_mobpro_csv.zip",
                     {"FD_MOBPRO_2019.csv": "\n".join([header, *rows]) + "\n",
                      "Varmod_MOBPRO_2019.csv": varmod})


# --- base flux --------------------------------------------------------------------------


def test_flux_base_found_stored_and_summed(isolated):
    flux_zip(isolated)
    [ds] = find("mobpro")
    assert (ds.vintage, ds.geo_year, ds.level, ds.part) == (2019, 2022, "COM", "")
    assert ds.source_label == ("Insee, RP 2019 – flux de mobilité domicile-lieu de travail "
                               "(géographie 2022)")
    df = store.load(ds)
    assert list(df.columns) == ["CODGEO", "DCLT", "NBFLUX"]
    flows = df.set_index(["CODGEO", "DCLT"])["NBFLUX"]
    assert flows[("2A004", "2B033")] == 10.5
    assert flows[("75112", "75108")] == float("1000.0000001")
    assert len(df) == 7

    communes = ds.product.to_communes(df, ds).set_index("CODGEO")
    assert list(communes.columns) == ["ACTOCC", "ACTOCC_HORS_COMMUNE"]
    assert communes.at["01001", "ACTOCC"] == 150.75
    assert communes.at["01001", "ACTOCC_HORS_COMMUNE"] == 50.25
    assert communes.at["2A004", "ACTOCC"] == pytest.approx(30010.623, abs=1e-9)
    assert communes.at["2A004", "ACTOCC_HORS_COMMUNE"] == 10.5
    # 75112 -> 75108 stays in Paris: only Boulogne is outside.
    assert communes.at["75112", "ACTOCC"] == pytest.approx(1700.7500001, abs=1e-9)
    assert communes.at["75112", "ACTOCC_HORS_COMMUNE"] == 200.75
    assert "75056" not in communes.index  # one arrondissement only: no partial Paris

    table = data.commune_table("mobpro")
    assert table.table.at["01001", "ACTOCC_HORS_COMMUNE"] == 50.25


# --- detail file --------------------------------------------------------------------------


def test_detail_file_with_modes_and_arrondissements(isolated):
    detail_zip(isolated)
    [ds] = find("mobpro")
    assert (ds.vintage, ds.geo_year, ds.part) == (2019, 2022, "detail")
    assert "fichier détail" in ds.source_label
    df = store.load(ds)
    assert list(df.columns) == ["CODGEO", "DCLT", "TRANS", "NBFLUX"]
    flows = df.set_index(["CODGEO", "DCLT", "TRANS"])["NBFLUX"]
    assert flows[("01001", "01053", "5")] == 3.25           # two individuals summed
    assert flows[("75112", "93048", "3")] == 4.0            # residence = arrondissement
    assert ("75056", "75108", "6") not in flows.index

    c = ds.product.to_communes(df, ds).set_index("CODGEO")
    assert list(c.columns) == ["ACTOCC", "ACTOCC_HORS_COMMUNE", "MODE_PAS", "MODE_MARCHE",
                               "MODE_VELO", "MODE_2RM", "MODE_VOITURE", "MODE_TC"]
    assert c.at["01001", "ACTOCC"] == 7.875
    assert c.at["01001", "ACTOCC_HORS_COMMUNE"] == 6.375
    assert (c.at["01001", "MODE_PAS"], c.at["01001", "MODE_VOITURE"], c.at["01001", "MODE_TC"]) == (1.5, 3.25, 3.125)
    assert c.at["01001", "MODE_VELO"] == 0
    assert c.at["2A004", "MODE_2RM"] == 7.75 and c.at["2A004", "ACTOCC_HORS_COMMUNE"] == 0
    assert c.at["75112", "ACTOCC"] == 8.0 and c.at["75112", "ACTOCC_HORS_COMMUNE"] == 4.0
    assert (c.at["75112", "MODE_MARCHE"], c.at["75112", "MODE_VELO"], c.at["75112", "MODE_TC"]) == (1.5, 4.0, 2.5)
    # Lyon 1er working in « 69123 »: the same commune.
    assert c.at["69381", "ACTOCC"] == 5.0625 and c.at["69381", "ACTOCC_HORS_COMMUNE"] == 0
    # Paris as a whole: its 20 arrondissements summed.
    assert c.at["75056", "ACTOCC"] == 27.0
    assert c.at["75056", "ACTOCC_HORS_COMMUNE"] == 4.0
    assert c.at["75056", "MODE_TC"] == 21.5


def test_detail_file_preferred_to_flux_base(isolated):
    flux_zip(isolated)
    detail_zip(isolated)
    [ds] = find("mobpro")
    assert ds.part == "detail"
    assert data.commune_table("mobpro").table.at["01001", "ACTOCC"] == 7.875


def test_workbook_only_has_flows_of_100_or_more(isolated):
    wb = Workbook()
    ws = wb.active
    ws.title = "Flux_sup_100"
    for title in ("Flux de mobilité domicile - lieu de travail en 2019", "Recensement de la population",
                  "Flux supérieurs ou égaux à 100", "Géographie au 01/01/2022"):
        ws.append([title])
    ws.append(["Code géographique", "Libellé", "Lieu de travail", "Libellé du lieu de travail",
               "Nombre d'actifs occupés"])
    ws.append(["CODGEO", "LIBGEO", "DCLT", "L_DCLT", "NBFLUX_C19_ACTOCC15P"])
    ws.append(["01004", "Ambérieu-en-Bugey", "01004", "Ambérieu-en-Bugey", 2500.5])
    ws.append(["01004", "Ambérieu-en-Bugey", "69123", "Lyon", 150.25])
    path = isolated / "mobpro" / "base-flux-mobilite-domicile-lieu-travail-2019.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    sources.refresh()
    [ds] = find("mobpro")
    assert ds.part == "sup100"
    assert ds.source_label.endswith("flux d'au moins 100 actifs seulement")
    c = ds.product.to_communes(store.load(ds), ds).set_index("CODGEO")
    assert c.at["01004", "ACTOCC"] == 2650.75 and c.at["01004", "ACTOCC_HORS_COMMUNE"] == 150.25

    flux_zip(isolated)  # the complete CSV wins over the workbook
    [ds] = find("mobpro")
    assert ds.part == "" and ds.path.suffix == ".zip"


def test_names():
    pattern = REGISTRY["mobpro"].pattern
    ok = ["base-flux-mobilite-domicile-lieu-travail-2019.zip", "base-flux-mobilite-domicile-lieu-travail-2019.csv",
          "base-flux-mobilite-domicile-lieu-travail-2019.xlsx", "base-csv-flux-mobilite-domicile-lieu-travail-2019.zip",
          "base-flux-mobilite-domicile-lieu-travail-2021-csv.zip", "base-flux-mobilite-domicile-lieu-travail-2022_csv.zip",
          "FD_MOBPRO_2019.csv", "RP2019_mobpro_csv.zip"]
    ko = ["base-flux-mobilite-domicile-lieu-etude-2019.csv", "FD_MOBSCO_2019.csv", "Varmod_MOBPRO_2019.csv"]
    assert all(re.fullmatch(pattern, n, re.I) for n in ok)
    assert not any(re.fullmatch(pattern, n, re.I) for n in ko)


# --- freshness and errors ---------------------------------------------------------------------


def test_changed_file_is_ingested_again(isolated):
    path = detail_zip(isolated)
    [ds] = find("mobpro")
    assert store.load(ds).set_index(["CODGEO", "DCLT", "TRANS"])["NBFLUX"][("2A004", "2A004", "4")] == 7.75
    detail_zip(isolated, rows=[r.replace(";7.75;", ";8.5;") for r in DETAIL_ROWS])
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert store.load(ds).set_index(["CODGEO", "DCLT", "TRANS"])["NBFLUX"][("2A004", "2A004", "4")] == 8.5


@pytest.mark.parametrize("which, header, rows, words", [
    ("detail", DETAIL_HEADER.replace("IPONDI", "POIDS"), DETAIL_ROWS[:1], ["IPONDI", "absente"]),
    ("detail", DETAIL_HEADER, [DETAIL_ROWS[0].replace(";1.5;", ";1,5x;")], ["IPONDI", "non numériques"]),
    ("detail", DETAIL_HEADER, [DETAIL_ROWS[0], DETAIL_ROWS[1] + ";en trop"], ["24 champs au lieu de 23"]),
    ("flux", "CODGEO;LIBGEO;DCLT;L_DCLT;NB", FLUX_ROWS[:1], ["NBFLUX_Cxx_ACTOCC15P"]),
    ("flux", FLUX_HEADER, ["01001;X;01001;X;beaucoup"], ["NBFLUX_C19_ACTOCC15P", "non numériques"]),
])
def test_malformed_file_raises_unreadable_data(isolated, which, header, rows, words):
    (detail_zip if which == "detail" else flux_zip)(isolated, rows=rows, header=header)
    [ds] = find("mobpro")
    with pytest.raises(UnreadableData) as exc:
        store.load(ds)
    for word in words:
        assert word in str(exc.value)


def test_missing_mobpro_names_the_expected_file_and_folder(isolated):
    with pytest.raises(MissingData) as exc:
        find("mobpro")
    assert "base-flux-mobilite-domicile-lieu-travail-2019.zip" in str(exc.value)
    assert str(isolated.resolve() / "mobpro") in str(exc.value)


def test_truncated_archive_raises_unreadable_data(isolated):
    path = detail_zip(isolated)
    path.write_bytes(path.read_bytes()[:40])
    [ds] = find("mobpro")
    with pytest.raises(UnreadableData) as exc:
        store.load(ds)
    assert "RP2019_mobpro_csv.zip" in str(exc.value) and "archive zip invalide" in str(exc.value)
