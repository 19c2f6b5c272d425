"""Base permanente des équipements (BPE).

Two published layouts are read:

* the counts by commune and IRIS, ``bpe21_ensemble_csv.zip`` holding
  ``bpe21_ensemble.csv`` (``REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP``);
* one row per facility, ``bpe21_ensemble_xy_csv.zip`` (``bpe21_ensemble_xy.csv``,
  with ``LAMBERT_X``, ``LAMBERT_Y``, quality flags...) or, from BPE 2023,
  ``BPE23.csv`` (names, addresses, SIRET, coordinates...). Only ``DEPCOM``,
  ``TYPEQU`` and ``AN`` are read; each row counts one facility.

Thematic extracts (``bpe21_enseignement_xy``, ``bpe21_sport_loisir_xy``...) are
subsets of the "ensemble" files and are deliberately not matched.

The store keeps a tidy table, one row per (``DEPCOM``, ``TYPEQU``) with
``NB_EQUIP``; :meth:`Bpe.to_communes` turns it into one column per facility
type. Municipal arrondissements are kept as published (``DEPCOM`` 751xx,
6938x, 132xx) and Paris, Lyon and Marseille are added as their sum.

Geography: BPE *N*, published in *N* + 1, is assumed to be distributed in the
COG of 1 January *N* + 1 (BPE 2021 in COG 2022). This is an assumption from
INSEE's publication calendar, not read from the file.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .base import Dataset, Product, register
from .readers import (COMMUNE_CODE, csv_header, normalise_code, prefer_one_per_vintage, read_csv_chunks,
                      structure_error, to_number, with_parent_communes)

#: French groups of facility types for the diagnostic, in the BPE nomenclature used
#: up to BPE 2022 (« gamme » 2021). Codes commented « à vérifier » could not be
#: checked against INSEE's documentation offline.
FACILITY_GROUPS: dict[str, tuple[str, ...]] = {
    # D502 « Établissement d'accueil du jeune enfant » (EAJE: crèches, multi-accueil,
    # haltes-garderies). Before BPE 2021 the label was « Crèche »; à vérifier for
    # older vintages. Assistantes maternelles and RAM are not in the BPE.
    "Crèches et accueil du jeune enfant": ("D502",),
    # C101 école maternelle, C102 école maternelle de RPI dispersé.
    "Écoles maternelles": ("C101", "C102"),
    # C104 école élémentaire, C105 école élémentaire de RPI dispersé.
    "Écoles élémentaires": ("C104", "C105"),
    "Collèges": ("C201",),
    # C301 lycée général et/ou technologique, C302 lycée professionnel, C303 lycée
    # agricole. C304/C305 (sections inside another lycée) are not counted, so that a
    # lycée polyvalent counts once.
    "Lycées": ("C301", "C302", "C303"),
    # D201 médecin omnipraticien (généraliste), in BPE up to 2022.
    "Médecins généralistes": ("D201",),
    "Chirurgiens-dentistes": ("D221",),
    "Infirmiers": ("D232",),
    "Masseurs-kinésithérapeutes": ("D233",),
    "Pharmacies": ("D301",),
    # D401 hébergement des personnes âgées (EHPAD, résidences autonomie...).
    "Hébergement des personnes âgées": ("D401",),
    # D402 soins à domicile (SSIAD), D403 services d'aide aux personnes âgées (SAAD).
    # (D703 is « Centre d'hébergement et de réinsertion sociale », not elderly care.)
    "Services d'aide et de soins à domicile pour personnes âgées": ("D402", "D403"),
    # A206 bureau de poste, A207 relais poste, A208 agence postale communale.
    "Bureaux de poste, relais et agences postales": ("A206", "A207", "A208"),
    # « Centres sociaux » are not a BPE facility type (agréments CAF): not here.
}

#: Changes from the BPE 2023 nomenclature (à vérifier: the renumbered health codes
#: below could not be checked offline). Groups mapped to ``None`` are not computed
#: from BPE 2023 on, rather than risk counting another profession.
FACILITY_GROUPS_2023_CHANGES: dict[str, tuple[str, ...] | None] = {
    "Médecins généralistes": ("D265",),   # à vérifier
    "Pharmacies": ("D307",),              # à vérifier
    "Chirurgiens-dentistes": None,
    "Infirmiers": None,
    "Masseurs-kinésithérapeutes": None,
}


def facility_groups(vintage: int) -> dict[str, tuple[str, ...]]:
    """The groups of :data:`FACILITY_GROUPS` in the nomenclature of BPE ``vintage``."""
    groups = dict(FACILITY_GROUPS)
    if vintage >= 2023:
        for name, codes in FACILITY_GROUPS_2023_CHANGES.items():
            if codes is None:
                groups.pop(name, None)
            else:
                groups[name] = codes
    return groups


def group_counts(wide: pd.DataFrame, vintage: int) -> pd.DataFrame:
    """Facilities by group from :meth:`Bpe.to_communes`: ``CODGEO`` + one column per
    group. A group none of whose codes is in the file is missing (NaN), not 0."""
    out = pd.DataFrame({"CODGEO": wide["CODGEO"]})
    for name, codes in facility_groups(vintage).items():
        cols = [c for c in codes if c in wide.columns]
        out[name] = wide[cols].sum(axis=1, min_count=1) if cols else np.nan
    return out


@register
class Bpe(Product):
    key = "bpe"
    label = "Base permanente des équipements (BPE)"
    pattern = (r"bpe(?P<year>\d{4}|\d{2})(?P<ensemble>_ensemble)?(?P<xy>_xy)?(?:_csv)?"
               r"\.(?:zip|csv)")
    example_name = "bpe21_ensemble_csv.zip"
    folder = "bpe"
    url = "https://www.insee.fr/fr/statistiques/3568629?sommaire=3568656"
    code_column = "DEPCOM"

    def datasets_for(self, path: Path, match) -> list[Dataset]:
        year = int(match["year"])
        year = year + 2000 if year < 100 else year
        return [Dataset(self.key, path, vintage=year, geo_year=self.geo_year(year, path), level="COM")]

    def datasets(self, mirror: Path | None = None) -> list[Dataset]:
        def rank(ds: Dataset) -> int:
            name = ds.path.name.lower()
            counts = "_ensemble" in name and "_xy" not in name  # the small counts file first
            return (0 if counts else 2) + (0 if ds.path.suffix.lower() == ".csv" else 1)
        return prefer_one_per_vintage(super().datasets(mirror), rank)

    def geo_year(self, vintage: int, path: Path) -> int:
        # Assumption (INSEE's calendar): BPE N is distributed in the COG of 1 January N + 1.
        return vintage + 1

    def citation(self, ds: Dataset) -> str:
        return f"Insee, Base permanente des équipements {ds.vintage} (géographie {ds.geo_year})"

    def read(self, ds: Dataset) -> pd.DataFrame:
        """Facilities by commune and type: ``DEPCOM``, ``TYPEQU``, ``NB_EQUIP``."""
        columns, _ = csv_header(ds.path)
        counts = "NB_EQUIP" in columns
        required = ["DEPCOM", "TYPEQU"] + (["NB_EQUIP"] if counts else [])
        parts = []
        for chunk in read_csv_chunks(ds.path, required, optional=["AN"]):
            if counts:
                number = to_number(chunk["NB_EQUIP"])
                if number is None:
                    raise structure_error(ds.path, "valeurs non numériques dans NB_EQUIP")
            else:
                number = pd.Series(1.0, index=chunk.index)
            frame = pd.DataFrame({
                "AN": chunk["AN"].str.strip() if "AN" in chunk else "",
                "DEPCOM": chunk["DEPCOM"].str.strip(),
                "TYPEQU": chunk["TYPEQU"].str.strip().str.upper(),
                "NB_EQUIP": number,
            })
            frame = frame.loc[(frame["DEPCOM"] != "") & (frame["TYPEQU"] != "")]
            parts.append(frame.groupby(["AN", "DEPCOM", "TYPEQU"], sort=False)["NB_EQUIP"]
                         .sum(min_count=1).reset_index())
        df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["AN", "DEPCOM", "TYPEQU", "NB_EQUIP"])
        years = set(df["AN"].dropna()) - {""}
        if str(ds.vintage) in years:
            df = df.loc[df["AN"] == str(ds.vintage)]
        elif len(years) > 1:  # several years in one file: the latest
            df = df.loc[df["AN"] == max(years)]
        df = df.assign(DEPCOM=normalise_code(df["DEPCOM"], 5))
        df = df.loc[df["DEPCOM"].str.fullmatch(COMMUNE_CODE.pattern).fillna(False).astype(bool)]
        if df.empty:
            raise structure_error(ds.path, "aucun équipement avec un code commune valide")
        out = (df.groupby(["DEPCOM", "TYPEQU"], sort=True)["NB_EQUIP"].sum(min_count=1)
               .reset_index())
        out["DEPCOM"] = out["DEPCOM"].astype("string")
        out["TYPEQU"] = out["TYPEQU"].astype("string")
        out["NB_EQUIP"] = out["NB_EQUIP"].astype("float64")
        return out

    def to_communes(self, df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        """Wide table: ``CODGEO`` + one column per ``TYPEQU`` (``D201``, ``C101``...);
        a type absent from a commune counts 0 (the BPE is exhaustive)."""
        series = df.groupby(["DEPCOM", "TYPEQU"])["NB_EQUIP"].sum(min_count=1)
        wide = series.unstack("TYPEQU", fill_value=0.0).astype("float64")
        wide.columns = [str(c) for c in wide.columns]
        wide = wide.rename_axis("CODGEO").reset_index()
        wide["CODGEO"] = wide["CODGEO"].astype("string")
        return with_parent_communes(wide)
