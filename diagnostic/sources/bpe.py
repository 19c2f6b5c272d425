"""Base permanente des équipements (BPE).

Two published layouts are read:

* the counts by commune and IRIS, ``bpe21_ensemble_csv.zip`` holding
  ``bpe21_ensemble.csv`` (``REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP``);
* one row per facility, ``bpe21_ensemble_xy_csv.zip`` (``bpe21_ensemble_xy.csv``,
  with ``LAMBERT_X``, ``LAMBERT_Y``, quality flags...) or, from BPE 2023,
  ``BPE23.csv`` (names, addresses, SIRET, coordinates...). Only ``DEPCOM``,
  ``TYPEQU`` and ``AN`` are read; each row counts one facility.

* per-département cuts of the geolocated BPE, ``poi_DD.csv``
  (``REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;lng;lat``, one row per facility, a third
  party's cut of INSEE's « ensemble » file, coordinates in WGS84). The name has
  no year: the vintage is read from the ``AN`` column (``poi_2021_DD.csv`` is
  accepted too). Each row counts one facility: identical rows are distinct
  facilities at the same point and are all counted. A département is covered
  only when its file is in the mirror; with files of several vintages, the
  latest vintage is used (for the départements it covers).

Thematic extracts (``bpe21_enseignement_xy``, ``bpe21_sport_loisir_xy``...) are
subsets of the "ensemble" files and are deliberately not matched.

The store keeps a tidy table, one row per (``DEPCOM``, ``TYPEQU``) with
``NB_EQUIP``; :meth:`Bpe.to_communes` turns it into one column per facility
type. Municipal arrondissements are kept as published (``DEPCOM`` 751xx,
6938x, 132xx) and Paris, Lyon and Marseille are added as their sum.

The BPE is exhaustive: a commune of a covered département that is absent from
the file has no facility, so :meth:`Bpe.to_communes` gives it 0 (never a
missing value), and every facility type used by the families of
:data:`FAMILIES` is a column (0 when absent from the file).

Geography: INSEE distributes the downloadable BPE *N* files « en géographie au
1er janvier de l'année du millésime » (BPE 2020 metadata: COG of 1 January
2020), so BPE *N* is read in the COG of 1 January *N*; the ``poi_DD`` cuts of
BPE 2019 have only codes valid in COG 2019.
"""
from __future__ import annotations

import functools
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import store
from .base import Dataset, Product, find, register
from .readers import (COMMUNE_CODE, csv_header, departement_of, normalise_code, prefer_one_per_vintage,
                      read_csv_chunks, structure_error, to_number, with_parent_communes)

#: French groups of facility types for the diagnostic, in the BPE nomenclature used
#: up to BPE 2022. Every code below is present in the BPE 2019 files of the mirror
#: (poi_29/30/61/72: D502 334 rows, D201 1 931, D301 795, C101 319, C104 1 286...).
FACILITY_GROUPS: dict[str, tuple[str, ...]] = {
    # D502 « Établissement d'accueil du jeune enfant » (EAJE: crèches, multi-accueil,
    # haltes-garderies; fed by the Cnaf's file), the only type of the BPE subgroup D5
    # « action sociale pour enfants en bas âge » in BPE 2019 (same code under the older
    # label « Crèche »). Assistantes maternelles and RAM are not in the BPE 2019.
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

#: Changes from the BPE 2023 nomenclature. The renumbered health codes below are not
#: in any file of the mirror (BPE 2019 only) and INSEE's 2023 nomenclature is not in
#: the stored documentation: they stay unconfirmed, so a group whose codes are absent
#: from a file is missing (NaN), never 0. Groups mapped to ``None`` are not computed
#: from BPE 2023 on, rather than risk counting another profession.
FACILITY_GROUPS_2023_CHANGES: dict[str, tuple[str, ...] | None] = {
    "Médecins généralistes": ("D265",),   # unconfirmed (see above)
    "Pharmacies": ("D307",),              # unconfirmed (see above)
    "Chirurgiens-dentistes": None,
    "Infirmiers": None,
    "Masseurs-kinésithérapeutes": None,
}


#: Families of facilities for the « équipements » section, by BPE domain (letter) and
#: subgroup (letter + digit) of INSEE's nomenclature, or by single type: column name
#: added by :meth:`Bpe.to_communes` -> (French label, prefixes of TYPEQU codes).
#: Subgroups (BPE 2019): A1 services publics (police, gendarmerie, justice, finances
#: publiques, Pôle emploi, maisons de services au public), A206-A208 La Poste (bureau,
#: relais, agence postale), B102 supermarché, B2 commerces alimentaires (supérette,
#: épicerie, boulangerie, boucherie-charcuterie, produits surgelés, poissonnerie), C
#: enseignement (C1 premier degré … C7), D1 établissements de santé, D2 fonctions
#: médicales et paramédicales, D3 autres services sanitaires (pharmacie, laboratoire,
#: ambulance…), D4 action sociale pour personnes âgées, D5 enfants en bas âge (D502
#: EAJE), D6 personnes handicapées, D7 autres services d'action sociale, F sports,
#: loisirs et culture.
FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "FAM_SANTE": ("Santé", ("D1", "D2", "D3")),
    "FAM_ENSEIGNEMENT": ("Enseignement", ("C",)),
    "FAM_PETITE_ENFANCE": ("Petite enfance (accueil du jeune enfant)", ("D5",)),
    "FAM_ACTION_SOCIALE": ("Action sociale (personnes âgées, handicap, autres)", ("D4", "D6", "D7")),
    "FAM_COMMERCES": ("Commerces de proximité (alimentation, supermarchés)", ("B102", "B2")),
    "FAM_SPORT_CULTURE": ("Sport, culture et loisirs", ("F",)),
    "FAM_SERVICES_PUBLICS": ("Services publics (dont La Poste)", ("A1", "A206", "A207", "A208")),
}


def family_codes(prefixes: tuple[str, ...], codes) -> list[str]:
    """The TYPEQU codes among ``codes`` that belong to a family's prefixes."""
    return sorted(c for c in codes if re.fullmatch(r"[A-G]\d{3}", c) and c.startswith(prefixes))


def family_totals(wide: pd.DataFrame) -> pd.DataFrame:
    """One column per family of :data:`FAMILIES`, summed from the TYPEQU columns."""
    out = {}
    for column, (_, prefixes) in FAMILIES.items():
        cols = family_codes(prefixes, wide.columns)
        out[column] = wide[cols].sum(axis=1) if cols else pd.Series(0.0, index=wide.index)
    return pd.DataFrame(out, index=wide.index).astype("float64")


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


#: A per-département cut of the geolocated BPE: ``poi_61.csv`` (or ``poi_2021_61.csv``).
POI_PATTERN = r"poi(?:_(?P<pyear>20\d{2}))?_(?P<part>\d[\dAB]\d?)\.csv"


@register
class Bpe(Product):
    key = "bpe"
    label = "Base permanente des équipements (BPE)"
    pattern = (r"bpe(?P<year>\d{4}|\d{2})(?P<ensemble>_ensemble)?(?P<xy>_xy)?(?:_csv)?"
               r"\.(?:zip|csv)|" + POI_PATTERN)
    example_name = "bpe21_ensemble_csv.zip"
    folder = "bpe"
    url = "https://www.insee.fr/fr/statistiques/3568629?sommaire=3568656"
    code_column = "DEPCOM"
    coverage_hint = ("BPE : seuls les départements dont le fichier est dans le miroir sont couverts "
                     "(extraits poi_DD.csv).")

    def datasets_for(self, path: Path, match) -> list[Dataset]:
        if match["part"]:
            # 0 = no readable AN column: vintage settled in datasets(), error when read.
            year = int(match["pyear"]) if match["pyear"] else poi_vintage(path)
            return [Dataset(self.key, path, vintage=year, geo_year=self.geo_year(year, path),
                            level="COM", part=match["part"])]
        year = int(match["year"])
        year = year + 2000 if year < 100 else year
        return [Dataset(self.key, path, vintage=year, geo_year=self.geo_year(year, path), level="COM")]

    def datasets(self, mirror: Path | None = None) -> list[Dataset]:
        def rank(ds: Dataset) -> int:
            name = ds.path.name.lower()
            counts = "_ensemble" in name and "_xy" not in name  # the small counts file first
            return (0 if counts else 2) + (0 if ds.path.suffix.lower() == ".csv" else 1)
        found = super().datasets(mirror)
        # A cut whose year cannot be read belongs with the latest cuts, so that reading it
        # reports its wrong layout (naming the file) instead of ignoring it silently.
        latest = max((d.vintage for d in found), default=0)
        found = [replace(d, vintage=latest, geo_year=self.geo_year(latest, d.path))
                 if d.part and not d.vintage else d for d in found]
        national = prefer_one_per_vintage([d for d in found if not d.part], rank)
        # A national file of a vintage covers every département: its cuts are not added.
        covered = {d.vintage for d in national}
        parts: dict[tuple[int, str], Dataset] = {}
        for ds in found:
            if ds.part and ds.vintage not in covered:
                key = (ds.vintage, ds.part)
                if key not in parts or ds.path.name < parts[key].path.name:
                    parts[key] = ds
        return national + list(parts.values())

    def geo_year(self, vintage: int, path: Path) -> int:
        # INSEE: the downloadable BPE N is in the geography of 1 January N.
        return vintage

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
        """Wide table: ``CODGEO`` + one column per ``TYPEQU`` (``D201``, ``C101``...) + one
        per family (:data:`FAMILIES`). The BPE is exhaustive: a type absent from a
        commune counts 0, and so does every commune of a covered département that has
        no facility at all (absent from the file)."""
        series = df.groupby(["DEPCOM", "TYPEQU"])["NB_EQUIP"].sum(min_count=1)
        wide = series.unstack("TYPEQU", fill_value=0.0).astype("float64")
        wide.columns = [str(c) for c in wide.columns]
        deps = {departement_of(c) for c in wide.index} if ds.part == "" else {ds.part}
        missing = sorted(set(communes_on(ds.geo_year, deps)) - set(wide.index))
        if missing:
            wide = pd.concat([wide, pd.DataFrame(0.0, index=missing, columns=wide.columns)])
        wide = pd.concat([wide, family_totals(wide)], axis=1)
        wide = wide.rename_axis("CODGEO").reset_index()
        wide["CODGEO"] = wide["CODGEO"].astype("string")
        return with_parent_communes(wide)


def poi_vintage(path: Path) -> int:
    """BPE year of a ``poi_DD.csv`` cut, read from the ``AN`` column of its first row (0 if none)."""
    try:
        return _first_row_year(str(path), path.stat().st_mtime_ns)
    except OSError:
        return 0


@functools.lru_cache(maxsize=256)
def _first_row_year(path: str, mtime_ns: int) -> int:
    """Read once per file version (discovery runs at every look-up)."""
    del mtime_ns  # part of the cache key only
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            header = fh.readline().rstrip("\r\n").split(";")
            first = fh.readline().rstrip("\r\n").split(";")
    except OSError:
        return 0
    if "AN" not in header or len(first) != len(header):
        return 0
    year = first[header.index("AN")].strip()
    return int(year) if re.fullmatch(r"20\d{2}", year) else 0


def communes_on(geo_year: int, departements) -> list[str]:
    """Commune codes of ``departements`` valid on 1 January ``geo_year`` (COG since 1943),
    or the reference COG's communes when the history file is not in the mirror."""
    departements = set(departements)
    history = find("cog_historique", required=False)
    if history:
        h = store.load(history[0])
        date = f"{geo_year}-01-01"
        valid = (h["DATE_DEBUT"].fillna("") <= date) & (h["DATE_FIN"].isna() | (h["DATE_FIN"] > date))
        codes = h.loc[valid, "COM"].dropna()
    else:
        cog = find("cog_communes", required=False)
        if not cog:
            return []
        table = store.load(cog[0])
        codes = table.loc[table["TYPECOM"] == "COM", "COM"].dropna()
    # Paris, Lyon and Marseille are published by arrondissement and totalled from them.
    plm = {"75056", "69123", "13055"}
    return sorted(c for c in codes.unique() if departement_of(c) in departements and c not in plm)
