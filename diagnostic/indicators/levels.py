"""Non-additive figures (medians, poverty rates, income shares): read in the file
published at the territory's level, never derived from its communes."""
from __future__ import annotations

import pandas as pd

from ..data import commune_table
from ..errors import MissingData
from ..sources import REGISTRY, find
from ..territory import Territory
from .coverage import Result
from .plan import source_table

LEVEL_NAMES_FR = {"COM": "commune", "EPCI": "EPCI", "DEP": "département", "REG": "région",
                  "FRANCE": "France"}

_LEVEL_OF_KIND = {"commune": "COM", "arrondissement": "COM", "epci": "EPCI", "departement": "DEP",
                  "region": "REG", "france": "FRANCE"}

def compute_level(ind, method, territory: Territory) -> Result:
    """Non-additive figure: read from the file published at the territory's level."""
    product = REGISTRY[method.source]
    level = _LEVEL_OF_KIND.get(territory.kind)
    latest = find(method.source, vintage=method.vintage, required=False)
    vintage = latest[0].vintage if latest else None
    if level is None:
        return Result(None, product.label, str(vintage or ""), None,
                      "non disponible : une médiane ou un taux ne s'obtient pas en agrégeant des "
                      "communes, et l'Insee ne publie pas ce périmètre.")
    src = source_table(method.source, vintage) if level == "COM" else None
    if level != "COM":
        try:
            src = commune_table(method.source, vintage=vintage, level=level, required=False)
        except MissingData:
            src = None
    if src is None:
        name = product.level_file_name(level, vintage)
        where = (f"fichier de niveau {LEVEL_NAMES_FR[level]} absent du miroir (ajoutez « {name} »)"
                 if name else f"pas de fichier publié au niveau {LEVEL_NAMES_FR[level]}")
        return Result(None, f"{product.producer}, {product.label}", str(vintage or ""), None,
                      f"non disponible : {product.label} {vintage or ''} : {where}"
                      + (" ; cette valeur ne se calcule pas à partir des communes." if level != "COM" else "."))
    col = method.numerator.columns(src.vintage)[0]
    vint = str(src.vintage)
    if col not in src.table.columns:
        return Result(None, src.citation, vint, src.geo_year,
                      f"non disponible : variable {col} absente de {', '.join(src.files)}.")
    code = territory.code
    if level == "COM":
        mapped = territory.communes_in(src.geo_year) if src.geo_year < territory.geo_year else (code,)
        if mapped != (code,):
            return Result(None, src.citation, vint, src.geo_year,
                          f"non disponible : la commune a changé de contour depuis la géographie "
                          f"{src.geo_year} du fichier ; valeur non additive non recalculable.")
    if level == "FRANCE":
        code = src.table.index[0]
    if code not in src.table.index:
        return Result(None, src.citation, vint, src.geo_year,
                      f"non disponible : {territory.label} absent de {', '.join(src.files)} "
                      f"(géographie {src.geo_year}).")
    value = src.table.at[code, col]
    if pd.isna(value):
        return Result(None, src.citation, vint, src.geo_year,
                      "non disponible : secret statistique (valeur non diffusée par l'Insee).")
    note = method.note
    if level == "FRANCE" and "METRO" in " ".join(src.files).upper():
        note = (note + " " if note else "") + "France métropolitaine."
    return Result(float(value), src.citation, vint, src.geo_year, note)
