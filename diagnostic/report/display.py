"""Displayable blocks of the report: HTML fragments Jupyter shows as such.

Every block the :class:`~diagnostic.report.diagnostic.Diagnostic` returns is an
:class:`Html` (French tables, figures embedded as base64 PNG, notices); the
styles of these blocks come from ``templates/report.css`` through
:func:`stylesheet`, displayed with the first block, so that they look the same
in JupyterLab and in the exported page.
"""
from __future__ import annotations

import base64
import html

from . import assets
from ..charts import figure_to_png_bytes


class Html(str):
    """An HTML fragment Jupyter displays as such (``text/html``)."""

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:  # short text/plain twin of the HTML output
        p.text(f"[bloc HTML du rapport : {len(self)} caractères]")


def esc(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def stylesheet() -> Html:
    """The blocks' styles as a ``<style>`` element (every selector is scoped to a dg- class)."""
    return Html(f'<style type="text/css">{assets.report_css()}</style>')


def figure_html(fig, alt: str = "") -> Html:
    """A matplotlib figure as an embedded PNG (no external file, no request)."""
    data = base64.b64encode(figure_to_png_bytes(fig)).decode("ascii")
    return Html(f'<figure class="dg-figure"><img src="data:image/png;base64,{data}" '
                f'alt="{esc(alt)}"/></figure>')


def message(text: str, kind: str = "info") -> Html:
    """A French notice box (``info``: missing data; ``erreur``: a chart that failed)."""
    return Html(f'<div class="dg-message dg-{kind}">{text}</div>')


def _figure_title(fig) -> str:
    title = getattr(fig, "_suptitle", None)
    return title.get_text().replace("\n", " ") if title is not None else ""


def safe(title: str, build) -> Html:
    """Run a chart builder; a failure becomes a French message, never an exception."""
    try:
        out = build()
    except Exception as exc:  # a chart must never stop the report
        detail = f"{type(exc).__name__} : {exc}"
        return message(f"Le graphique « {esc(title)} » n'a pas pu être produit "
                       f"(détail technique : {esc(detail[:300])}).", "erreur")
    if out is None:
        return Html("")
    if isinstance(out, str):
        return out if isinstance(out, Html) else Html(out)
    return figure_html(out, _figure_title(out) or title)


def section_block(section, parts, css: str = "") -> Html:
    """A report section's blocks in its ``<section>`` (``css``: classes beside ``dg-section``)."""
    classes = f"dg-section {css}".strip()
    return Html(f'<section class="{classes}" data-section="{esc(section.key)}">' + "".join(parts) + "</section>")


def charts_block(parts) -> Html:
    """Charts side by side in the report's chart column."""
    return Html('<div class="dg-charts">' + "".join(parts) + "</div>")
