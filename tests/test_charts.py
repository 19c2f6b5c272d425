"""French charts: number formatting, titles, units, source line."""
from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from diagnostic import charts
from diagnostic.text import format_number

NNBSP = "\u202f"  # narrow no-break space: thousands separator of format_number
NBSP = "\u00a0"  # no-break space before a unit

TERRITORIES = ["CU d'Alençon", "Orne", "Normandie", "France"]


def _texts(fig):
    return charts.figure_texts(fig)


def _source(fig):
    return [t.get_text() for t in fig.texts if t.get_text().startswith("Source : ")]


def test_formatter_writes_french_numbers():
    fmt = charts.number_formatter()
    assert isinstance(fmt, FuncFormatter)
    assert fmt(12345.5) == f"12{NNBSP}345,5"
    assert fmt(1000) == f"1{NNBSP}000"
    assert fmt(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert fmt(0.25) == "0,25"
    assert fmt(-1234) == f"-1{NNBSP}234"
    assert fmt(-0.0) == "0"
    assert charts.number_formatter(1)(3) == "3,0"
    assert charts.number_formatter(unit="%")(12.5) == f"12,5{NBSP}%"


def test_ticks_of_an_axis_share_their_decimals():
    fmt = charts.number_formatter()
    assert fmt.format_ticks([0, 0.5, 1.0, 1.5]) == ["0,0", "0,5", "1,0", "1,5"]
    assert fmt.format_ticks([0, 5000, 10000]) == ["0", f"5{NNBSP}000", f"10{NNBSP}000"]
    # floating-point noise of tick locations is not shown
    assert fmt.format_ticks([0.1 + 0.2, 0.6]) == ["0,3", "0,6"]


def test_use_style_sets_a_clean_theme():
    with matplotlib.rc_context():
        charts.use_style()
        assert matplotlib.rcParams["axes.spines.top"] is False
        assert matplotlib.rcParams["font.size"] == charts.BASE_FONT_SIZE


def test_comparison_bars():
    values = pd.Series([14.23, 12.5, np.nan, 14.6], index=TERRITORIES)
    fig = charts.comparison_bars(values, "Taux de pauvreté en 2020", "%", "Insee, Filosofi 2020")
    assert isinstance(fig, Figure)
    assert fig.get_suptitle() == "Taux de pauvreté en 2020"
    assert _source(fig) == ["Source : Insee, Filosofi 2020"]
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Unité : %"
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"14,2{NBSP}%", f"12,5{NBSP}%", "n.d.", f"14,6{NBSP}%"]
    bars = ax.patches
    assert matplotlib.colors.to_hex(bars[0].get_facecolor()) == charts.ACCENT.lower()
    assert matplotlib.colors.to_hex(bars[1].get_facecolor()) == charts.NEUTRAL.lower()
    assert [t.get_text() for t in ax.get_yticklabels()] == TERRITORIES
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all("." not in t for t in ticks)


def test_comparison_bars_large_numbers_and_highlight():
    values = pd.Series([21450.0, 20890.0, 21320.0, 22400.0], index=TERRITORIES)
    fig = charts.comparison_bars(values, "Revenu médian", "€", "Insee", highlight="France")
    ax = fig.axes[0]
    assert ax.texts[0].get_text() == f"21{NNBSP}450{NBSP}€"
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours[-1] == charts.ACCENT.lower() and colours[0] == charts.NEUTRAL.lower()
    fig.canvas.draw()
    assert any(NNBSP in t.get_text() for t in ax.get_xticklabels())


def test_age_pyramid_in_shares_with_reference_outline():
    bands = ["0-14 ans", "15-29 ans", "30-44 ans", "45-59 ans", "60-74 ans", "75 ans ou plus"]
    men = pd.Series([4800, 5100, 4500, 5200, 4700, 2300], index=bands)
    women = pd.Series([4600, 5000, 4700, 5600, 5300, 3900], index=bands)
    ref_m = men * 7.1
    ref_w = women[::-1].to_numpy() * 6.9
    ref_w = pd.Series(ref_w, index=bands)
    fig = charts.age_pyramid(men, women, "Pyramide des âges en 2019", "Insee, RP 2019",
                             ref_m, ref_w, reference_label="Orne")
    ax = fig.axes[0]
    filled = [p for p in ax.patches if p.get_fill()]
    outlines = [p for p in ax.patches if not p.get_fill()]
    assert len(filled) == 12 and len(outlines) == 12
    widths = np.array([p.get_width() for p in filled])
    assert (widths[:6] <= 0).all() and (widths[6:] >= 0).all()  # men left, women right
    assert np.abs(widths).sum() == pytest.approx(100.0)
    assert ax.get_xlabel() == "Part de la population totale (%)"
    assert [t.get_text() for t in ax.get_yticklabels()] == bands
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and not any(t.startswith("-") for t in ticks)
    texts = _texts(fig)
    assert "Contour : Orne" in texts and "Hommes" in texts and "Femmes" in texts
    assert _source(fig) == ["Source : Insee, RP 2019"]


def test_stacked_shares():
    df = pd.DataFrame({"Voiture": [80.4, 83.0], "Transports en commun": [6.0, 4.4],
                       "Marche à pied": [7.2, 6.0], "Vélo": [1.8, 1.2], "Autres": [4.6, 5.4]},
                      index=["CU d'Alençon", "Orne"])
    fig = charts.stacked_shares(df, "Mode de transport pour aller travailler", "Insee, RP 2019")
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert sorted(t.get_text() for t in legend.get_texts()) == sorted(df.columns)
    segment_labels = [t.get_text() for t in ax.texts]
    assert "80" in segment_labels and "83" in segment_labels and "7" in segment_labels
    assert "2" not in segment_labels  # segments under 6 % carry no label
    assert ax.get_xlabel() == "Part (%)"
    assert _source(fig) == ["Source : Insee, RP 2019"]


def test_legend_reads_row_by_row():
    assert charts.row_major(list("abcdef"), 3) == list("adbecf")
    assert charts.row_major(list("abcde"), 3) == list("adbec")


def test_evolution_base100_and_years():
    years = [1968, 1975, 1982, 1990, 1999, 2008, 2013, 2019]
    df = pd.DataFrame({"CU d'Alençon": [55000, 57000, 58500, 58000, 57000, 56500, 56000, 55500],
                       "France": [49.7e6, 52.6e6, 54.3e6, 56.6e6, 58.5e6, 62.1e6, 63.7e6, 65.1e6]},
                      index=years)
    fig = charts.evolution(df, "Évolution de la population depuis 1968", "habitants",
                           "Insee, RP 1968 à 2019", base100=True)
    ax = fig.axes[0]
    for line in ax.get_lines()[:2]:
        assert line.get_ydata()[0] == pytest.approx(100)
    assert ax.get_ylabel() == "Indice (base 100 en 1968)"
    fig.canvas.draw()
    xticks = [t.get_text() for t in ax.get_xticklabels()]
    assert xticks == [str(y) for y in years]  # no thousands separator in years
    assert fig.get_suptitle() == "Évolution de la population depuis 1968"
    assert _source(fig) == ["Source : Insee, RP 1968 à 2019"]


def test_evolution_values_and_png():
    df = pd.DataFrame({"CU d'Alençon": [12345, 12500, 12210.5, 12480, 12900]}, index=range(2016, 2021))
    fig = charts.evolution(df, "Allocataires de la CAF", "allocataires", "Cnaf, 2016-2020")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Unité : allocataires"
    fig.canvas.draw()
    assert any(NNBSP in t.get_text() for t in ax.get_yticklabels())
    png = charts.figure_to_png_bytes(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_source_prefix_not_doubled_and_long_titles_wrapped():
    values = pd.Series([1.0, 2.0], index=["A", "B"])
    title = "Un titre très long " * 8
    fig = charts.comparison_bars(values, title, "%", "Source : Cnaf")
    assert _source(fig) == ["Source : Cnaf"]
    assert "\n" in fig.get_suptitle()
    assert format_number(12345.5, 1) == f"12{NNBSP}345,5"
