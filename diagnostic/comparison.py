"""A lot's comparison workbook, ``comparaison.xlsx``.

Sheet « Indicateurs »: one row per indicator, and for each territory its value
with, beside it, the value of its reference département (read from the same
report's ``indicateurs.csv``), numbers shown with the indicator's decimals.
Sheet « Territoires »: the reports, with relative links that work wherever the
lot's folder is copied. Sheet « Échecs »: what failed and why.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd

from .catalogue import THEMES
from .workbook import Sheet, write_workbook

#: Columns of a report's indicator rows kept for the lot (index page and workbook).
ROW_KEYS = ["id", "theme", "label", "unit", "decimals", "value", "name", "source", "vintage", "note"]


def report_rows(csv_path: Path) -> dict[str, list[dict]]:
    """The rows of a report's ``indicateurs.csv`` by level: ``territoire`` and ``departement``."""
    df = pd.read_csv(csv_path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"code": str},
                     keep_default_na=True)
    out = {}
    for level in ("territoire", "departement"):
        part = df[df["level"] == level]
        records = part[[c for c in ROW_KEYS if c in part.columns]].to_dict(orient="records")
        for r in records:
            for k, v in list(r.items()):
                if isinstance(v, float) and math.isnan(v):
                    r[k] = None
        out[level] = records
    return out


def find_row(rows, ind_id: str) -> dict | None:
    return next((r for r in rows or [] if r.get("id") == ind_id), None)


def unique_labels(territories: list[dict]) -> list[str]:
    labels, seen = [], {}
    for t in territories:
        label = str(t.get("label") or t.get("spec"))
        if label in seen:
            seen[label] += 1
            label = f"{label} ({seen[label]})"
        else:
            seen[label] = 1
        labels.append(label)
    return labels


def reference_header(label: str, territory: dict) -> str:
    """Header of the département column beside a territory (« L'Aigle (commune 61214) : Orne »)."""
    name = next((r.get("name") for r in territory.get("departement") or [] if r.get("name")), None)
    return f"{label} : {name or 'département'}"


def _indicator_sheet(territories: list[dict], labels: list[str]) -> Sheet:
    order: dict[str, dict] = {}
    for t in territories:
        for r in t.get("indicators") or []:
            order.setdefault(r["id"], r)
    columns, rows = [], []
    for t, label in zip(territories, labels):
        columns += [label, reference_header(label, t)]
    for ind_id, first in order.items():
        row = {"Thème": THEMES.get(first.get("theme"), first.get("theme")), "Indicateur": first.get("label"),
               "Unité": first.get("unit")}
        sources, vintages = [], []
        for t, label in zip(territories, labels):
            own = find_row(t.get("indicators"), ind_id)
            ref = find_row(t.get("departement"), ind_id)
            row[label] = own.get("value") if own else None
            row[reference_header(label, t)] = ref.get("value") if ref else None
            if own and own.get("value") is not None:
                sources.append(str(own.get("source") or ""))
                vintages.append(str(own.get("vintage") or ""))
        row["Source"] = " ; ".join(dict.fromkeys(s for s in sources if s))
        row["Millésime"] = " ; ".join(dict.fromkeys(v for v in vintages if v))
        rows.append(row)
    table = pd.DataFrame(rows, columns=["Thème", "Indicateur", "Unité", *columns, "Source", "Millésime"])
    decimals = [first.get("decimals") for first in order.values()]
    units = [first.get("unit") for first in order.values()]
    return Sheet("Indicateurs", table, freeze="D2", decimals={c: decimals for c in columns},
                 units={c: units for c in columns})


def write_workbook_of_lot(outcome, lot_dir: Path) -> Path:
    """``comparaison.xlsx`` of a lot (``outcome``: :class:`diagnostic.batch.BatchOutcome`)."""
    territories = outcome.successes
    labels = unique_labels(territories)
    links = [os.path.relpath(t["html"], lot_dir) if t.get("html") else None for t in territories]
    listing = pd.DataFrame([{"Territoire": t.get("label"), "Code": t.get("code"), "Type": t.get("kind"),
                             "Communes": t.get("communes"),
                             "Département de référence": next(
                                 (r.get("name") for r in t.get("departement") or [] if r.get("name")), None),
                             "Rapport": link, "Statut": "déjà à jour" if t.get("skipped") else "produit"}
                            for t, link in zip(territories, links)],
                           columns=["Territoire", "Code", "Type", "Communes", "Département de référence",
                                    "Rapport", "Statut"])
    failures = pd.DataFrame([(str(s), r) for s, r in outcome.failures],
                            columns=["Territoire demandé", "Raison de l'échec"])
    return write_workbook(outcome.workbook, [
        _indicator_sheet(territories, labels),
        Sheet("Territoires", listing, links={"Rapport": links}),
        Sheet("Échecs", failures),
    ])
