"""Home-to-work commuting (mobilités professionnelles) from the census.

Two published layouts are read:

* the « base flux de mobilité » ``base-flux-mobilite-domicile-lieu-travail-2019.csv``
  (zipped as ``base-csv-flux-mobilite-domicile-lieu-travail-2019.zip`` or
  ``…-2021-csv.zip``): ``CODGEO;LIBGEO;DCLT;L_DCLT;NBFLUX_C19_ACTOCC15P``, one row
  per (commune of residence, commune of work), weighted counts with decimals.
  The ``.xlsx`` version only lists flows of 100 workers or more (sheet
  ``Flux_sup_100``): it is read, flagged ``part="sup100"`` and its totals are
  understated, so it is only used when nothing else is there;
* the detail file ``FD_MOBPRO_2019.csv`` (in ``RP2019_mobpro_csv.zip``), one row
  per weighted individual: ``COMMUNE`` (residence; 75056 for Paris), ``ARM``
  (arrondissement of residence, ``ZZZZZ`` elsewhere), ``DCLT`` (place of work),
  ``TRANS`` (mode of transport), ``IPONDI`` (weight, ``.`` decimal)... Only
  those columns are read, and they are summed while reading.

Stored table: ``CODGEO`` (residence; arrondissement for Paris, Lyon, Marseille),
``DCLT`` (place of work), ``NBFLUX`` (workers), plus ``TRANS`` for the detail file.

Geography: like the other detailed census results, RP *N* is in the COG of
1 January *N* + 3 (RP 2019: COG 2022), unless a ``-geoYYYY`` suffix says otherwise.
"""
from __future__ import annotations

import re
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..errors import UnreadableData
from .base import Dataset, Product, register
from .readers import (COMMUNE_CODE, csv_header, normalise_code, parent_commune, prefer_one_per_vintage,
                      read_csv_chunks, read_excel, structure_error, to_number, with_parent_communes)

#: ``TRANS`` from RP 2017 on (« vélo » split from « deux-roues »).
TRANS_MODES = {
    "1": "MODE_PAS",       # pas de transport (travail à domicile)
    "2": "MODE_MARCHE",    # marche à pied (ou rollers, patinette)
    "3": "MODE_VELO",      # vélo (y compris à assistance électrique)
    "4": "MODE_2RM",       # deux-roues motorisé
    "5": "MODE_VOITURE",   # voiture, camion, fourgonnette
    "6": "MODE_TC",        # transports en commun
}
#: ``TRANS`` up to RP 2016: a single « deux roues » class.
TRANS_MODES_BEFORE_2017 = {
    "1": "MODE_PAS", "2": "MODE_MARCHE", "3": "MODE_2ROUES", "4": "MODE_VOITURE", "5": "MODE_TC",
}

_NBFLUX = re.compile(r"NBFLUX_C\d{2}_ACTOCC15P", re.IGNORECASE)


def transport_modes(vintage: int) -> dict[str, str]:
    """``TRANS`` code -> column name of :meth:`Mobpro.to_communes` for an RP vintage."""
    return TRANS_MODES if vintage >= 2017 else TRANS_MODES_BEFORE_2017


@register
class Mobpro(Product):
    key = "mobpro"
    label = "Mobilités professionnelles : flux domicile-lieu de travail (recensement)"
    pattern = (r"base-(?:csv-)?flux-mobilite-domicile-lieu-travail-(?P<year>\d{4})"
               r"(?:-geo(?P<geo>\d{4}))?(?:[-_](?:csv|xlsx))?\.(?:zip|csv|xlsx)"
               r"|FD_MOBPRO_(?P<fdyear>\d{4})\.(?:csv|txt)"
               r"|RP(?P<rpyear>\d{4})_mobpro(?:_(?:csv|txt))?\.zip")
    example_name = "base-flux-mobilite-domicile-lieu-travail-2019.zip"
    folder = "mobpro"
    url = "https://www.insee.fr/fr/statistiques/6454112"

    def download_urls(self) -> list[str]:
        return ["https://www.insee.fr/fr/statistiques/fichier/6454112/"
                "base-csv-flux-mobilite-domicile-lieu-travail-2019.zip"]

    # --- discovery ------------------------------------------------------------
    def datasets_for(self, path: Path, match) -> list[Dataset]:
        if match["fdyear"] or match["rpyear"]:
            year, part = int(match["fdyear"] or match["rpyear"]), "detail"
        else:
            year = int(match["year"])
            part = "sup100" if "xlsx" in path.name.lower() else ""
        return [Dataset(self.key, path, vintage=year, geo_year=self.geo_year(year, path),
                        level="COM", part=part)]

    def datasets(self, mirror: Path | None = None) -> list[Dataset]:
        def rank(ds: Dataset) -> int:
            if ds.part == "detail":
                return 0
            if ds.part == "sup100":
                return 3
            return 1 if ds.path.suffix.lower() == ".csv" else 2
        return prefer_one_per_vintage(super().datasets(mirror), rank)

    def geo_year(self, vintage: int, path: Path) -> int:
        geo = re.search(r"-geo(\d{4})", path.name, re.IGNORECASE)
        return int(geo.group(1)) if geo else vintage + 3

    def citation(self, ds: Dataset) -> str:
        if ds.part == "detail":
            return (f"Insee, RP {ds.vintage} – mobilités professionnelles, fichier détail "
                    f"(géographie {ds.geo_year})")
        text = f"Insee, RP {ds.vintage} – flux de mobilité domicile-lieu de travail (géographie {ds.geo_year})"
        if ds.part == "sup100":
            text += ", flux d'au moins 100 actifs seulement"
        return text

    # --- reading --------------------------------------------------------------
    def read(self, ds: Dataset) -> pd.DataFrame:
        if ds.part == "detail":
            return self._read_detail(ds.path)
        with _workbook(ds.path) as book:
            if book is not None:
                return self._read_flux_workbook(book, ds.path)
        columns, _ = csv_header(ds.path)
        nbflux = next((c for c in columns if _NBFLUX.fullmatch(c)), None)
        if nbflux is None:
            raise structure_error(ds.path, "colonne NBFLUX_Cxx_ACTOCC15P absente")
        parts = [_aggregate(chunk.rename(columns={nbflux: "NBFLUX"}), ds.path, weight=nbflux)
                 for chunk in read_csv_chunks(ds.path, ["CODGEO", "DCLT", nbflux])]
        return _finish(parts, ds.path)

    def _read_flux_workbook(self, workbook: Path, shown: Path) -> pd.DataFrame:
        try:
            with pd.ExcelFile(workbook) as book:
                sheets = list(book.sheet_names)
        except Exception as exc:  # openpyxl raises many types
            raise UnreadableData(f"Le classeur {shown.name} ne peut pas être lu ({exc}).",
                                 f"Remplacez {shown} par le fichier original publié par l'Insee.") from exc
        sheet = next((s for s in sheets if "flux" in s.lower()), sheets[0])
        df = read_excel(workbook, sheet=sheet, header_marker="CODGEO")
        nbflux = next((c for c in df.columns if _NBFLUX.fullmatch(c)), None)
        if nbflux is None or "DCLT" not in df.columns:
            raise structure_error(shown, "colonnes DCLT et NBFLUX_Cxx_ACTOCC15P attendues")
        df = df.rename(columns={nbflux: "NBFLUX"})[["CODGEO", "DCLT", "NBFLUX"]]
        return _finish([_aggregate(df, shown, weight=nbflux)], shown)

    def _read_detail(self, path: Path) -> pd.DataFrame:
        parts = []
        for chunk in read_csv_chunks(path, ["COMMUNE", "DCLT", "IPONDI"], optional=["ARM", "TRANS"]):
            residence = chunk["COMMUNE"].str.strip()
            if "ARM" in chunk:
                arm = chunk["ARM"].str.strip()
                is_arm = arm.str.fullmatch(COMMUNE_CODE.pattern).fillna(False).astype(bool)
                residence = arm.where(is_arm, residence)
            frame = pd.DataFrame({"CODGEO": residence, "DCLT": chunk["DCLT"], "NBFLUX": chunk["IPONDI"]})
            if "TRANS" in chunk:
                frame["TRANS"] = chunk["TRANS"].str.strip()
            parts.append(_aggregate(frame, path, weight="IPONDI"))
        return _finish(parts, path)

    # --- by commune -------------------------------------------------------------
    def to_communes(self, df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        """Per commune of residence: ``ACTOCC`` (workers), ``ACTOCC_HORS_COMMUNE``
        (working in another commune; Paris, Lyon and Marseille count as one commune:
        75112 -> 75108 is not outside) and, for the detail file, ``MODE_*``."""
        same = (parent_commune(df["CODGEO"]) == parent_commune(df["DCLT"])).fillna(False).astype(bool)
        frame = pd.DataFrame({
            "CODGEO": df["CODGEO"],
            "ACTOCC": df["NBFLUX"],
            "ACTOCC_HORS_COMMUNE": df["NBFLUX"].where(~same, 0.0),
        })
        if "TRANS" in df.columns:
            for code, column in transport_modes(ds.vintage).items():
                mode = (df["TRANS"] == code).fillna(False).astype(bool)
                frame[column] = df["NBFLUX"].where(mode, 0.0).astype("float64")
        out = frame.groupby("CODGEO", sort=True).sum(min_count=1).reset_index()
        out["CODGEO"] = out["CODGEO"].astype("string")
        return with_parent_communes(out)


@contextmanager
def _workbook(path: Path):
    """The workbook to read (extracted from its zip if need be), or ``None`` for a CSV."""
    if path.suffix.lower() == ".xlsx":
        yield path
        return
    books = []
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if not any(n.lower().endswith((".csv", ".txt")) for n in names):
                books = [n for n in names if n.lower().endswith(".xlsx")]
            if books:
                with tempfile.TemporaryDirectory() as tmp:
                    target = Path(tmp) / Path(books[0]).name
                    target.write_bytes(zf.read(books[0]))
                    yield target
                    return
    yield None


def _aggregate(frame: pd.DataFrame, path: Path, weight: str) -> pd.DataFrame:
    """Sum the flows of a chunk by (residence, work place[, mode])."""
    number = frame["NBFLUX"] if pd.api.types.is_numeric_dtype(frame["NBFLUX"]) else to_number(frame["NBFLUX"])
    if number is None:
        raise structure_error(path, f"valeurs non numériques dans {weight}")
    frame = frame.assign(
        CODGEO=normalise_code(frame["CODGEO"], 5),
        DCLT=normalise_code(frame["DCLT"], 5),
        NBFLUX=number.astype("float64"),
    )
    frame = frame.loc[frame["CODGEO"].notna() & frame["DCLT"].notna()
                      & (frame["CODGEO"] != "") & (frame["DCLT"] != "")]
    keys = [c for c in ("CODGEO", "DCLT", "TRANS") if c in frame.columns]
    return frame.groupby(keys, sort=False, dropna=False)["NBFLUX"].sum(min_count=1).reset_index()


def _finish(parts: list[pd.DataFrame], path: Path) -> pd.DataFrame:
    if not parts or all(p.empty for p in parts):
        raise structure_error(path, "aucun flux")
    df = pd.concat(parts, ignore_index=True)
    keys = [c for c in ("CODGEO", "DCLT", "TRANS") if c in df.columns]
    df = df.groupby(keys, sort=True, dropna=False)["NBFLUX"].sum(min_count=1).reset_index()
    valid = df["CODGEO"].str.fullmatch(COMMUNE_CODE.pattern).fillna(False).astype(bool)
    if not valid.any():
        raise structure_error(path, "aucun code commune de résidence valide")
    df = df.loc[valid].reset_index(drop=True)
    for col in keys:
        df[col] = df[col].astype("string")
    df["NBFLUX"] = df["NBFLUX"].astype("float64")
    return df[[*keys, "NBFLUX"]]
