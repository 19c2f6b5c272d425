"""Charts of the reports, in one consistent French style.

Every function takes plain pandas objects (so it stays independent of the
indicator engine) and returns a :class:`matplotlib.figure.Figure` with a French
title, the unit in the axis label and a source line under the chart. Numbers
are written the French way (``12 345,5`` with a narrow no-break space, decimal
comma) through :func:`diagnostic.vocabulary.format_number`.

Figures are created with :class:`~matplotlib.figure.Figure` rather than
``pyplot``, so producing hundreds of reports never accumulates open figures;
Jupyter still displays a returned figure. The style is applied to each figure
through :func:`style` (a context manager); :func:`use_style` applies it
globally, for ad hoc charts in a notebook.
"""
from __future__ import annotations

import io
import math
import textwrap
from contextlib import contextmanager

import matplotlib as mpl
import numpy as np
from matplotlib import font_manager
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from .ticks import YEAR_FORMATTER, absolute_formatter, label_decimals, number_formatter, unit_label
from .vocabulary import ACCENT, INK, LINE_PALETTE, MUTED, NEUTRAL, PALETTE, format_number  # noqa: F401 (charts.ACCENT...)

# ---------------------------------------------------------------------------
# Style
# ---------------------------------------------------------------------------

#: Tick steps of value axes (0, 5, 10... rather than 0, 4, 8...).
NICE_STEPS = [1, 2, 2.5, 5, 10]

BASE_FONT_SIZE = 10
SOURCE_FONT_SIZE = 8
DEFAULT_WIDTH = 8.0  # inches: about 16 cm printed at 50 % of an A4 landscape, readable

RC = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Liberation Sans", "sans-serif"],
    "font.size": BASE_FONT_SIZE,
    "axes.titlesize": BASE_FONT_SIZE + 1,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": BASE_FONT_SIZE - 0.5,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#bfbfbf",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.axisbelow": True,
    "axes.facecolor": "white",
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "axes.unicode_minus": False,  # same hyphen-minus as format_number
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.8,
    "xtick.labelsize": BASE_FONT_SIZE - 1,
    "ytick.labelsize": BASE_FONT_SIZE - 1,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.major.size": 3,
    "ytick.major.size": 3,
    "legend.fontsize": BASE_FONT_SIZE - 1,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "figure.titlesize": BASE_FONT_SIZE + 2,
    "figure.titleweight": "bold",
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "savefig.facecolor": "white",
    "hatch.color": "#8a8a8a",
    "hatch.linewidth": 0.6,
    "text.color": INK,
}


def use_style() -> None:
    """Apply the kit's style globally (seaborn's clean theme + the kit's settings)."""
    import seaborn as sns  # imported on first use: it costs about half a second at start-up

    sns.set_theme(context="notebook", style="white", font_scale=1.0, rc=RC)
    mpl.rcParams.update(RC)


_validated_rc: dict = {}


@contextmanager
def style():
    """The kit's style for the figures created inside the block only.

    Like ``matplotlib.rc_context(RC)``, restoring the settings on exit, but
    with the kit's settings validated once per process rather than at every
    figure (the charts of one report enter this block a dozen times).
    """
    params = mpl.rcParams
    if not _validated_rc:
        _validated_rc.update({key: params.validate[key](value) for key, value in RC.items()})
    saved = {key: dict.__getitem__(params, key) for key in _validated_rc}
    dict.update(params, _validated_rc)
    try:
        yield
    finally:
        dict.update(params, saved)


# ---------------------------------------------------------------------------
# Figure helpers (shared with maps)
# ---------------------------------------------------------------------------
class _Renderer(RendererAgg):
    """Agg renderer whose text measurements are shared by every figure of the process.

    Matplotlib caches the size of each text per renderer instance, and a new
    renderer is made for every figure (twice when saving with a tight bounding
    box): the same labels, ticks and titles were measured again and again with
    FreeType. The measure depends only on the text, the font properties and the
    dpi, so it is kept here across renderers; drawing is unchanged.
    """

    _metrics: dict = {}

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:  # mathtext or TeX: not cached here
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, hash(prop), font_manager.findfont(prop), self.dpi)
        hit = self._metrics.get(key)
        if hit is None:
            if len(self._metrics) > 20000:
                self._metrics.clear()
            hit = self._metrics[key] = super().get_text_width_height_descent(s, prop, ismath)
        return hit


class _Canvas(FigureCanvasAgg):
    """An Agg canvas whose "draw when idle" requests lay the figure out without painting it.

    Plotting helpers (geopandas' ``plot``, for instance) ask for a redraw after
    each call; a plain Agg canvas then rasterises the whole figure, for nothing:
    the pixels are thrown away and painted again when the figure is saved. The
    draw still runs (layout engine, text extents), as constrained layout
    converges over successive draws: the saved image is the same, byte for byte.
    """

    def get_renderer(self):
        # FigureCanvasAgg.get_renderer, with the renderer class above.
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _Renderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer

    def draw_idle(self, *args, **kwargs) -> None:
        self.draw_unpainted()

    def draw_unpainted(self) -> None:
        """A full draw (layout, text extents) with the painting operations skipped."""
        renderer = self.get_renderer()
        with renderer._draw_disabled():
            self.figure.draw(renderer)


def new_figure(width: float = DEFAULT_WIDTH, height: float = 4.5) -> Figure:
    """A figure (not registered with pyplot) with constrained layout."""
    fig = Figure(figsize=(width, height), layout="constrained")
    _Canvas(fig)
    return fig


def _wrap(text: str, width_in: float, font_size: float) -> str:
    """Wrap each line of ``text`` to the width (inches) at this font size."""
    chars = max(30, int(width_in * 72 / (font_size * 0.55)))
    return "\n".join("\n".join(textwrap.wrap(line, chars)) if len(line) > chars else line
                     for line in text.split("\n"))


def add_title(fig: Figure, title: str) -> None:
    """The chart's French title, top left, wrapped to the figure's width."""
    if title:
        fig.suptitle(_wrap(title, fig.get_figwidth() * 0.96, BASE_FONT_SIZE + 2),
                     x=0.01, ha="left", fontsize=BASE_FONT_SIZE + 2, fontweight="bold", color=INK)


def source_text(source: str) -> str:
    source = (source or "").strip()
    if not source:
        return ""
    return source if source.lower().startswith("source") else f"Source : {source}"


def add_source(fig: Figure, source: str) -> None:
    """The source line under the chart (a figure text the layout keeps room for)."""
    text = source_text(source)
    if text:
        # supxlabel is a fig.text that constrained layout reserves space for.
        fig.supxlabel(_wrap(text, fig.get_figwidth() * 0.98, SOURCE_FONT_SIZE), x=0.01, ha="left",
                      fontsize=SOURCE_FONT_SIZE, color=MUTED, fontstyle="italic")


def figure_texts(fig: Figure) -> list[str]:
    """Every text of a figure (titles, labels, legends, annotations), for checks."""
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def figure_to_png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (white background, tight bounding box)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.1, facecolor="white")
    return buf.getvalue()


def row_major(items: list, ncols: int) -> list:
    """Reorder ``items`` so a legend (filled column by column) reads row by row."""
    n = len(items)
    return [items[i * ncols + j] for j in range(ncols) for i in range(math.ceil(n / ncols))
            if i * ncols + j < n]


def _legend_top(ax, handles, labels, ncols: int | None = None, offset: float = 4) -> None:
    """Legend above the axes (under the title), read row by row in the order of
    ``handles``; ``offset`` points above the axes' top edge."""
    if not handles:
        return
    ncols = ncols or min(len(handles), 4)
    anchor = offset_copy(ax.transAxes, fig=ax.figure, y=offset, units="points")
    ax.legend(row_major(list(handles), ncols), row_major(list(labels), ncols),
              loc="lower left", bbox_to_anchor=(0, 1), bbox_transform=anchor, borderaxespad=0,
              ncols=ncols, frameon=False, handlelength=1.4, columnspacing=1.6)


def _text_colour(rgb) -> str:
    r, g, b = mpl.colors.to_rgb(rgb)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.55 else INK


# ---------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------
def comparison_bars(values: pd.Series, title: str, unit: str, source: str,
                    highlight: str | None = None, decimals: int | None = None,
                    axis_label: str | None = None, width: float = DEFAULT_WIDTH) -> Figure:
    """Horizontal bars comparing a value across territories, labelled in French.

    ``values``: index = territory label (``"CU d'Alençon"``, ``"Orne"``,
    ``"Normandie"``, ``"France"``), in display order (top to bottom). The
    ``highlight`` bar (the first one by default) is drawn in the accent colour;
    a missing value is written « n.d. » and no bar is drawn.
    """
    values = pd.Series(values, dtype=float)
    labels = [str(i) for i in values.index]
    highlight = labels[0] if highlight is None and labels else highlight
    decimals = label_decimals(values) if decimals is None else decimals
    n = len(values)
    with style():
        fig = new_figure(width, 1.5 + 0.5 * max(n, 1))
        ax = fig.add_subplot()
        y = np.arange(n)[::-1]
        colours = [ACCENT if lab == highlight else NEUTRAL for lab in labels]
        data = values.fillna(0).to_numpy()
        ax.barh(y, data, color=colours, height=0.62, zorder=2)
        finite = values.dropna()
        vmax = float(finite.max()) if len(finite) else 1.0
        vmin = float(finite.min()) if len(finite) else 0.0
        lo, hi = min(0.0, vmin), max(0.0, vmax)
        span = (hi - lo) or 1.0
        pad = 0.02 * span
        for yi, v, lab in zip(y, values.to_numpy(), labels):
            text = format_number(v, decimals, unit) if math.isfinite(v) else "n.d."
            weight = "bold" if lab == highlight else "normal"
            if not math.isfinite(v) or v >= 0:
                ax.text((v if math.isfinite(v) else 0) + pad, yi, text, va="center", ha="left",
                        fontsize=BASE_FONT_SIZE - 0.5, fontweight=weight, color=INK)
            else:
                ax.text(v - pad, yi, text, va="center", ha="right",
                        fontsize=BASE_FONT_SIZE - 0.5, fontweight=weight, color=INK)
        ax.set_xlim(lo - (0.18 * span if lo < 0 else 0), hi + 0.18 * span)
        ax.set_yticks(y, labels)
        for tick in ax.get_yticklabels():
            if tick.get_text() == highlight:
                tick.set_fontweight("bold")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=NICE_STEPS))
        ax.xaxis.set_major_formatter(number_formatter())
        ax.set_xlabel(axis_label if axis_label is not None else unit_label(unit))
        ax.grid(axis="x", zorder=0)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        if lo < 0:
            ax.axvline(0, color="#8a8a8a", linewidth=0.8, zorder=3)
        add_title(fig, title)
        add_source(fig, source)
    return fig


def _shares(men: pd.Series, women: pd.Series, index) -> tuple[pd.Series, pd.Series]:
    men = pd.Series(men, dtype=float).reindex(index)
    women = pd.Series(women, dtype=float).reindex(index)
    total = men.sum(min_count=1) + women.sum(min_count=1)
    if not total or not math.isfinite(total):
        return men * np.nan, women * np.nan
    return men / total * 100, women / total * 100


def age_pyramid(men: pd.Series, women: pd.Series, title: str, source: str,
                reference_men: pd.Series | None = None, reference_women: pd.Series | None = None,
                reference_label: str = "Référence", territory_label: str | None = None,
                width: float = DEFAULT_WIDTH) -> Figure:
    """Age pyramid in shares of the total population (%), men left, women right.

    ``men`` and ``women``: index = age band labels (``"0-14 ans"``...), youngest
    first; counts or shares, both are converted to shares of the population
    (men + women) so territories of any size compare. The reference (e.g. the
    département) is drawn as an outline over the bars.
    """
    index = list(pd.Series(men).index)
    m, w = _shares(men, women, index)
    has_ref = reference_men is not None and reference_women is not None
    if has_ref:
        rm, rw = _shares(reference_men, reference_women, index)
    n = len(index)
    with style():
        fig = new_figure(width, 1.8 + 0.42 * max(n, 4))
        ax = fig.add_subplot()
        y = np.arange(n)
        colour_m, colour_w = "#2f6fa8", "#d36b4c"
        ax.barh(y, -m.fillna(0).to_numpy(), height=0.8, color=colour_m, alpha=0.9, zorder=2)
        ax.barh(y, w.fillna(0).to_numpy(), height=0.8, color=colour_w, alpha=0.9, zorder=2)
        handles = []
        if has_ref:
            ax.barh(y, -rm.fillna(0).to_numpy(), height=0.8, fill=False, edgecolor=INK, linewidth=1.1,
                    zorder=3)
            ax.barh(y, rw.fillna(0).to_numpy(), height=0.8, fill=False, edgecolor=INK, linewidth=1.1,
                    zorder=3)
            handles = [Patch(facecolor="#9aa7b4", label=f"Barres : {territory_label or 'territoire'}"),
                       Patch(facecolor="none", edgecolor=INK, linewidth=1.1,
                             label=f"Contour : {reference_label}")]
        peak = np.nanmax(np.r_[m.to_numpy(), w.to_numpy(),
                               (rm.to_numpy() if has_ref else []), (rw.to_numpy() if has_ref else []), 1.0])
        limit = peak * 1.22
        ax.set_xlim(-limit, limit)
        ref_m = rm.to_numpy() if has_ref else np.full(n, np.nan)
        ref_w = rw.to_numpy() if has_ref else np.full(n, np.nan)
        for yi, vm, vw, am, aw in zip(y, m.to_numpy(), w.to_numpy(), ref_m, ref_w):
            for v, other, sign in ((vm, am, -1), (vw, aw, 1)):
                if math.isfinite(v):
                    at = max(v, other) if math.isfinite(other) else v
                    ax.text(sign * (at + 0.015 * limit), yi, format_number(v, 1), va="center",
                            ha="right" if sign < 0 else "left", fontsize=BASE_FONT_SIZE - 1.5, color=INK)
        ax.set_yticks(y, [str(i) for i in index])
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, symmetric=True, steps=NICE_STEPS))
        ax.xaxis.set_major_formatter(absolute_formatter())
        ax.set_xlabel("Part de la population totale (%)")
        ax.axvline(0, color="#8a8a8a", linewidth=0.8, zorder=4)
        ax.grid(axis="x", zorder=0)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.text(0.25, 1.01, "Hommes", transform=ax.transAxes, ha="center", va="bottom",
                fontweight="bold", color=colour_m)
        ax.text(0.75, 1.01, "Femmes", transform=ax.transAxes, ha="center", va="bottom",
                fontweight="bold", color=colour_w)
        _legend_top(ax, handles, [h.get_label() for h in handles], offset=20)
        add_title(fig, title)
        add_source(fig, source)
    return fig


def stacked_shares(df: pd.DataFrame, title: str, source: str, unit: str = "%",
                   decimals: int = 0, min_label: float = 6.0, colours: list[str] | None = None,
                   width: float = DEFAULT_WIDTH) -> Figure:
    """100 % stacked horizontal bars: rows = territories, columns = categories.

    ``df`` holds shares in % (e.g. the modes de transport of the actifs); the
    first row is at the top. Segments of at least ``min_label`` points carry
    their value; the legend lists the categories in stacking order.
    """
    df = pd.DataFrame(df).astype(float)
    n = len(df)
    colours = colours or PALETTE
    with style():
        fig = new_figure(width, 2.0 + 0.55 * max(n, 1) + 0.25 * math.ceil(len(df.columns) / 3))
        ax = fig.add_subplot()
        y = np.arange(n)[::-1]
        left = np.zeros(n)
        handles = []
        for i, col in enumerate(df.columns):
            vals = df[col].fillna(0).to_numpy()
            colour = colours[i % len(colours)]
            bars = ax.barh(y, vals, left=left, color=colour, height=0.62, edgecolor="white",
                           linewidth=0.6, label=str(col), zorder=2)
            handles.append(bars)
            for yi, l, v in zip(y, left, df[col].to_numpy()):
                if math.isfinite(v) and v >= min_label:
                    ax.text(l + v / 2, yi, format_number(v, decimals), ha="center", va="center",
                            fontsize=BASE_FONT_SIZE - 1.5, color=_text_colour(colour))
            left = left + vals
        ax.set_yticks(y, [str(i) for i in df.index])
        ax.set_xlim(0, max(100.0, float(np.nanmax(left)) if n else 100.0))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=NICE_STEPS))
        ax.xaxis.set_major_formatter(number_formatter())
        ax.set_xlabel(f"Part ({unit})" if unit else "Part")
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        _legend_top(ax, handles, [str(c) for c in df.columns], ncols=min(len(df.columns), 3))
        add_title(fig, title)
        add_source(fig, source)
    return fig


def evolution(series: pd.DataFrame, title: str, unit: str, source: str, base100: bool = False,
              decimals: int | None = None, axis_label: str | None = None,
              width: float = DEFAULT_WIDTH) -> Figure:
    """Lines over time: index = year (int), one column per territory.

    The first column (the territory of the report) is drawn thicker. With
    ``base100`` each column is divided by its first available value (index 100
    that year), so territories of different sizes compare; the axis label says
    which year is the base.
    """
    df = pd.DataFrame(series).astype(float).sort_index()
    df.index = [int(i) for i in df.index]
    if base100:
        firsts = {}
        for col in df.columns:
            valid = df[col].dropna()
            valid = valid[valid != 0]
            firsts[col] = valid.index[0] if len(valid) else None
            df[col] = df[col] / valid.iloc[0] * 100 if len(valid) else np.nan
        years = {y for y in firsts.values() if y is not None}
        base_txt = f"base 100 en {years.pop()}" if len(years) == 1 else "base 100 à la première année disponible"
        ylabel = axis_label or f"Indice ({base_txt})"
    else:
        ylabel = axis_label if axis_label is not None else unit_label(unit)
    with style():
        fig = new_figure(width, 4.6)
        ax = fig.add_subplot()
        handles = []
        for i, col in enumerate(df.columns):
            s = df[col].dropna()
            colour = LINE_PALETTE[i % len(LINE_PALETTE)]
            (line,) = ax.plot(s.index, s.to_numpy(), marker="o", markersize=4 if i else 5,
                              linewidth=2.6 if i == 0 else 1.6, color=colour, label=str(col),
                              zorder=3 if i == 0 else 2)
            handles.append(line)
        if base100:
            ax.axhline(100, color="#8a8a8a", linewidth=0.8, linestyle="--", zorder=1)
        years = list(df.index)
        if len(years) <= 12:
            ax.set_xticks(years)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
        ax.xaxis.set_major_formatter(YEAR_FORMATTER)
        if len(years) > 1:
            pad = (years[-1] - years[0]) * 0.03
            ax.set_xlim(years[0] - pad, years[-1] + pad)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=NICE_STEPS))
        ax.yaxis.set_major_formatter(number_formatter(decimals))
        ax.set_ylabel(ylabel)
        ax.grid(axis="y", zorder=0)
        _legend_top(ax, handles, [str(c) for c in df.columns])
        add_title(fig, title)
        add_source(fig, source)
    return fig
