"""Findings ("enjeux"): gaps to the references, flagged and mapped to CTG axes.

Thresholds live in ``seuils.yaml`` (or a file given by the user), never in code.
Each finding is a French sentence with its figures, e.g. « La part des
logements vacants (11,2 %) dépasse celle de l'Orne (9,6 %) de 1,6 point. »
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from .errors import ConfigurationError
from .text import format_number, format_points

#: Candidate axes of a Convention territoriale globale, in the order reports show them.
AXES = {
    "petite_enfance": "Petite enfance",
    "enfance_jeunesse": "Enfance-jeunesse",
    "parentalite": "Parentalité",
    "acces_droits_services": "Accès aux droits et aux services",
    "logement": "Logement",
    "vieillissement_isolement": "Vieillissement et isolement",
    "mobilite": "Mobilité",
    "insertion": "Insertion",
    "animation_vie_sociale": "Animation de la vie sociale",
}

THRESHOLDS_PATH = Path(__file__).with_name("seuils.yaml")

COLUMNS = ["axis", "axis_label", "id", "label", "reference_level", "reference_name", "value",
           "reference_value", "gap_points", "gap_relative", "direction", "status", "sentence",
           "unit", "source", "vintage"]


def load_thresholds(path: str | Path | None = None) -> dict:
    path = Path(path) if path else THRESHOLDS_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"Fichier de seuils illisible : {path} ({exc}).") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"Le fichier de seuils {path} n'est pas un YAML valide.",
                                 str(exc).splitlines()[0]) from exc
    if not isinstance(raw, dict) or "defaut" not in raw:
        raise ConfigurationError(f"Le fichier de seuils {path} doit contenir une section « defaut ».",
                                 "Voir diagnostic/seuils.yaml pour un modèle.")

    def check(section: dict, where: str) -> dict:
        out = {}
        for key in ("ecart_points", "ecart_relatif"):
            if key in section:
                value = section[key]
                if not isinstance(value, (int, float)) or value < 0:
                    raise ConfigurationError(f"{path} ({where}) : « {key} » doit être un nombre positif.")
                out[key] = float(value)
        unknown = set(section) - {"ecart_points", "ecart_relatif"}
        if unknown:
            raise ConfigurationError(f"{path} ({where}) : clé(s) inconnue(s) {', '.join(sorted(unknown))}.")
        return out

    thresholds = {"defaut": check(raw["defaut"], "defaut"), "indicateurs": {}}
    if not {"ecart_points", "ecart_relatif"} <= set(thresholds["defaut"]):
        raise ConfigurationError(f"{path} : la section « defaut » doit fixer ecart_points et ecart_relatif.")
    from .catalogue import catalogue

    for ident, section in (raw.get("indicateurs") or {}).items():
        if ident not in catalogue():
            raise ConfigurationError(f"{path} : indicateur inconnu « {ident} » dans les seuils.")
        thresholds["indicateurs"][ident] = {**thresholds["defaut"], **check(section or {}, ident)}
    return thresholds


def _reference_phrase(level: str, name: str) -> str:
    """The reference with its article, as it follows « de » (« du Finistère », « de l'Orne »)."""
    if level == "france":
        phrase = "la France"
    elif level == "departement":
        phrase = _with_article(name)
    elif level == "region":
        phrase = f"la région {name}"
    else:
        phrase = name
    if phrase.startswith("le "):
        return "du " + phrase[3:]
    if phrase.startswith("les "):
        return "des " + phrase[4:]
    return "de " + phrase


def _with_article(name: str) -> str:
    """« l'Orne », « la Sarthe », « le Finistère »: the article INSEE's COG gives (TNCC)."""
    from .territory import geography

    table = geography().departements
    row = table[table["LIBELLE"] == name]
    tncc = str(row["TNCC"].iloc[0]) if not row.empty else "0"
    article = {"0": "", "1": "", "2": "le ", "3": "la ", "4": "les ", "5": "l'", "6": "", "7": "",
               "8": ""}.get(tncc, "")
    return f"{article}{name}"


_FEMININE = {"part", "densité", "évolution", "taille", "population"}


def _subject(label: str) -> tuple[str, bool]:
    """« La part des… » / « Le taux de… » / « L'indicateur… », and whether it is feminine."""
    text = label[0].lower() + label[1:]
    first = text.split(" ")[0]
    feminine = first in _FEMININE
    if first[:1] in "aeéèêiîoôuy" or first.startswith("h"):
        return "L'" + text, feminine
    return ("La " if feminine else "Le ") + text, feminine


def _sentence(row, ref, gap_points, unit) -> str:
    dec = int(row["decimals"])
    share = unit.startswith("%")
    suffix = (" " + unit) if unit and not share else ""
    val = format_number(row["value"], dec, "%" if share else "") + suffix
    rval = format_number(ref["value"], dec, "%" if share else "") + suffix
    if unit == "% par an":
        val, rval = val.replace("%", "% par an"), rval.replace("%", "% par an")
    where = _reference_phrase(ref["level"], ref["name"])
    subject, feminine = _subject(row["label"])
    pronoun = "celle" if feminine else "celui"
    higher = row["value"] > ref["value"]
    if share:
        verb = "dépasse" if higher else ("est inférieure à" if feminine else "est inférieur à")
        return f"{subject} ({val}) {verb} {pronoun} {where} ({rval}) de {format_points(gap_points, max(dec, 1))}."
    rel = abs(row["value"] / ref["value"] - 1) * 100
    adjective = ("supérieure" if higher else "inférieure") if feminine else ("supérieur" if higher else "inférieur")
    return f"{subject} ({val}) est {adjective} de {format_number(rel, 0)} % à {pronoun} {where} ({rval})."


def compute(indicators: pd.DataFrame, thresholds: dict | None = None) -> pd.DataFrame:
    """Findings from an indicator table (:func:`diagnostic.indicators.compute`).

    Each indicator × reference whose gap crosses both thresholds (points for
    shares, relative gap for the others) is kept; ``status`` says whether it is
    a concern (``enjeu``), a strength (``atout``) or just a marked difference
    (``ecart``, for neutral indicators). One row per candidate axis.
    """
    thresholds = thresholds or load_thresholds()
    own = indicators[indicators["level"] == "territoire"].set_index("id")
    refs = indicators[indicators["level"].isin(["departement", "region", "france", "pair"])]
    rows = []
    for _, ref in refs.iterrows():
        if ref["id"] not in own.index:
            continue
        row = own.loc[ref["id"]]
        if pd.isna(row["value"]) or pd.isna(ref["value"]) or ref["value"] == 0:
            continue
        th = thresholds["indicateurs"].get(ref["id"], thresholds["defaut"])
        unit = row["unit"]
        gap_points = row["value"] - ref["value"]
        gap_rel = row["value"] / ref["value"] - 1
        if unit.startswith("%"):
            crossed = abs(gap_points) >= th["ecart_points"] and abs(gap_rel) >= th["ecart_relatif"]
        else:
            crossed = abs(gap_rel) >= th["ecart_relatif"]
        if not crossed or not row["comparable"]:
            continue
        direction = "superieur" if gap_points > 0 else "inferieur"
        if row["polarity"] == "neutre":
            status = "ecart"
        elif (row["polarity"] == "hausse_defavorable") == (gap_points > 0):
            status = "enjeu"
        else:
            status = "atout"
        sentence = _sentence({**row, "label": row["label"]}, ref, gap_points, unit)
        for axis in (row["axes"].split(",") if row["axes"] else ["hors_axe"]):
            rows.append({
                "axis": axis, "axis_label": AXES.get(axis, "Autres constats"), "id": ref["id"],
                "label": row["label"], "reference_level": ref["level"], "reference_name": ref["name"],
                "value": row["value"], "reference_value": ref["value"],
                "gap_points": gap_points if unit.startswith("%") else None,
                "gap_relative": gap_rel, "direction": direction, "status": status,
                "sentence": sentence, "unit": unit, "source": row["source"], "vintage": row["vintage"],
            })
    df = pd.DataFrame(rows, columns=COLUMNS)
    order = {a: i for i, a in enumerate(list(AXES) + ["hors_axe"])}
    status_order = {"enjeu": 0, "atout": 1, "ecart": 2}
    level_order = {"departement": 0, "region": 1, "france": 2, "pair": 3}
    if not df.empty:
        df = df.assign(_a=df["axis"].map(order), _s=df["status"].map(status_order),
                       _l=df["reference_level"].map(level_order), _g=-df["gap_relative"].abs())
        df = df.sort_values(["_a", "_s", "id", "_l"]).drop(columns=["_a", "_s", "_l", "_g"])
    return df.reset_index(drop=True)
