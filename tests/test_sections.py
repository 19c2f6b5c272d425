"""Report sections built from files dropped into the mirror later (synthetic INSEE layouts)."""
from matplotlib.figure import Figure

from diagnostic import sources
from diagnostic.sections import Diagnostic


def test_population_since_1968_chart_when_series_are_in_the_mirror(mirror_with):
    folder = mirror_with / "recensement"
    folder.mkdir()
    (folder / "base-cc-serie-historique-2019.CSV").write_text(
        "CODGEO;P19_POP;P13_POP;P08_POP;D99_POP;D90_POP;D82_POP;D75_POP;D68_POP\n"
        "61214;7961;8046;8241;8815;9466;9390;9228;8540\n", encoding="ascii")
    sources.refresh()
    dg = Diagnostic("61214")
    chart = dg._population_history()
    assert isinstance(chart, Figure)
    assert "Population depuis 1968" in chart.axes[0].get_title() or any(
        "Population depuis 1968" in t.get_text() for t in chart.texts)
    # The references are not covered by a one-commune file: they are named, not drawn.
    assert "Orne" in " ".join(t.get_text() for t in chart.texts)


def test_population_since_1968_says_which_file_is_missing():
    dg = Diagnostic("61214")
    text = str(dg._population_history())
    assert "base-cc-serie-historique-2019.zip" in text
