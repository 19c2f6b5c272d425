"""Section 2.5.1 of the report: the quartiers prioritaires de la politique de la ville (QPV).

For each QPV of the territory's communes: its figures of the latest edition of the
QPV files beside its commune, the EPCI and the département (medians from the
Filosofi file of each level) and « Ensemble des QPV » (same edition, when the file
has that row), then its evolution edition by edition. Every column holds one
edition or vintage, said in its header.
"""
from __future__ import annotations

import pandas as pd

from ... import quartiers
from ...sources.qpv import CENSUS_OF_EDITION
from ..display import Html, esc, message, section_block
from . import Section, register
from ._data_tables import Notes, cell, guarded, table

#: Figures followed from one edition to the next.
EVOLUTION = ("population", "taux_pauvrete", "niveau_vie_median", "allocataires", "allocataires_rsa",
             "taux_emploi", "demandeurs_emploi")

_LEVEL_HEADERS = {"commune": "Commune", "epci": "Intercommunalité", "departement": "Département"}


@guarded
def render(dg, section) -> Html:
    t = dg.territory
    if t.kind in ("region", "france"):
        return message("Les quartiers prioritaires sont détaillés dans les rapports des communes, "
                       "des intercommunalités et des départements.")
    table_, notes = quartiers.qpv_table(t)
    parts = [message(esc(n)) for n in notes]
    if table_.empty:
        parts.append(message("Aucun quartier prioritaire de la politique de la ville dans les communes "
                             "du territoire (fichiers des quartiers de la politique de la ville, Insee)."))
        return section_block(section, parts)
    comparison, _ = quartiers.qpv_comparison(t)
    evolution = quartiers.qpv_evolution(t)
    for (qpv, commune), rows in table_.groupby(["qpv", "commune"], sort=False):
        parts.append(_qpv_block(qpv, commune, rows, comparison, evolution))
    return section_block(section, parts)



def _qpv_block(qpv: str, commune: str, rows: pd.DataFrame, comparison: pd.DataFrame,
               evolution: pd.DataFrame) -> Html:
    name = rows["qpv_name"].iloc[0]
    commune_name = rows["commune_name"].iloc[0]
    edition = int(rows["edition"].dropna().max())
    comp = comparison[(comparison["qpv"] == qpv)]
    # A QPV on several communes (or Paris arrondissements) has one commune row per commune:
    # keep the block's own commune, and one row per indicator and level.
    own = (comp["level"] != "commune") | (comp["name"] == commune_name)
    if own[comp["level"] == "commune"].any():
        comp = comp[own]
    comp = comp.drop_duplicates(["indicator", "level"])
    levels = [lvl for lvl in ("commune", "epci", "departement") if (comp["level"] == lvl).any()]
    notes = Notes()
    head = ["Indicateur", f"{name} (édition {edition})"]
    for lvl in levels:
        first = comp[comp["level"] == lvl].iloc[0]
        head.append(f"{first['name']} ({_LEVEL_HEADERS[lvl].lower()})")
    ensemble = comp[comp["level"] == "ensemble_qpv"]
    with_ensemble = bool(ensemble["value"].notna().any())
    if with_ensemble:
        head.append(f"Ensemble des QPV (édition {edition})")
    head.append("Source")
    body = []
    for r in rows.itertuples():
        line = [esc(r.label) + (" (€)" if r.unit == "€" else ""),
                cell(r.value, r.unit) + notes.ref(r.note)]
        by_level = comp[comp["indicator"] == r.indicator].set_index("level")
        for lvl in levels:
            if lvl in by_level.index:
                c = by_level.loc[lvl]
                line.append(cell(c["value"], r.unit) + notes.ref(c["note"]))
            else:
                line.append("—")
        if with_ensemble and "ensemble_qpv" in by_level.index:
            e = by_level.loc["ensemble_qpv"]
            line.append(cell(e["value"], r.unit) + notes.ref(e["note"]))
        elif with_ensemble:
            line.append("—")
        line.append(f'<span class="dg-src">{esc(r.source)}</span>')
        body.append(line)
    caption = f"Quartier prioritaire « {name} » ({qpv}), commune de {commune_name}"
    out = [f"<h4>{esc(caption)}</h4>", table(head, body, numeric_from=1, notes=notes)]
    if not with_ensemble and not ensemble.empty:
        out.append(message(f"La ligne « Ensemble des QPV » (référence nationale) est absente des fichiers "
                           f"de l'édition {edition} ; elle figure, édition par édition, dans le tableau "
                           f"d'évolution ci-dessous quand les fichiers la donnent."))
    out.append(_evolution_table(qpv, commune, name, evolution))
    return Html("".join(out))


def _evolution_table(qpv: str, commune: str, name: str, evolution: pd.DataFrame) -> Html:
    rows = evolution[(evolution["qpv"] == qpv) & (evolution["commune"] == commune)
                     & evolution["indicator"].isin(EVOLUTION)]
    if rows.empty or rows["edition"].nunique() < 2:
        return Html("")
    editions = sorted(int(e) for e in rows["edition"].dropna().unique())
    notes = Notes()
    body = []
    for ind in EVOLUTION:
        sub = rows[rows["indicator"] == ind].set_index("edition")
        if sub.empty:
            continue
        unit = sub["unit"].iloc[0]
        line = [esc(sub["label"].iloc[0])]
        for e in editions:
            if e in sub.index:
                line.append(cell(sub.at[e, "value"], unit) + notes.ref(sub.at[e, "note"]))
            else:
                line.append("—")
        body.append(line)
        ens = [quartiers.ensemble_qpv(ind, e) for e in editions]
        if any(pd.notna(x["value"]) for x in ens):
            body.append(["&nbsp;&nbsp;Ensemble des QPV"] + [cell(x["value"], unit) for x in ens])
    head = ["Indicateur"] + [f"Édition {e}" for e in editions]
    census = ", ".join(f"{e} : RP {CENSUS_OF_EDITION[e]}" for e in editions if e in CENSUS_OF_EDITION)
    caption = (f"« {name} » d'une édition à l'autre (fichiers des quartiers de la politique de la ville, "
               f"Insee" + (f" ; population du recensement par édition — {census}" if census else "") + ")")
    return table(head, body, caption=caption, notes=notes)


SECTION = register(Section(
    "quartiers", "2.5.1", "Quartiers prioritaires de la politique de la ville", render,
    products=("qpv",),
))
