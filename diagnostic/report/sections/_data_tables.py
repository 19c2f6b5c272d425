"""HTML helpers shared by the data sections (quartiers, IRIS, équipements): a plain table in
the report's classes and numbered notes, so every cell's caveat is visible without a traceback."""
from __future__ import annotations

import math

import functools

from ...errors import DiagnosticError
from ...vocabulary import format_number
from ..display import Html, esc, message


def cell(value, unit: str = "", decimals: int | None = None) -> str:
    """A figure in French (« n.d. » when missing); shares keep their « % »."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.d."
    if decimals is None:
        decimals = 1 if str(unit).startswith("%") else 0
    return format_number(float(value), decimals, "%" if str(unit).startswith("%") else "")


class Notes:
    """Numbered notes under a table: ``ref(text)`` gives the call mark, ``html()`` the list."""

    def __init__(self):
        self.texts: dict[str, int] = {}

    def ref(self, text: str) -> str:
        text = (text or "").strip()
        if not text:
            return ""
        if text not in self.texts:
            self.texts[text] = len(self.texts) + 1
        return f'<sup class="dg-ref">{self.texts[text]}</sup>'

    def html(self) -> str:
        if not self.texts:
            return ""
        items = "".join(f"<li>{esc(t[0].upper() + t[1:])}</li>" for t in self.texts)
        return f'<ol class="dg-notes">{items}</ol>'


def table(head: list[str], rows: list[list[str]], caption: str = "", numeric_from: int = 1,
          notes: Notes | None = None) -> Html:
    """Rows of already-escaped cells; columns from ``numeric_from`` are right-aligned figures."""
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    ths = "".join(f'<th class="{"dg-num" if i >= numeric_from else ""}">{esc(h)}</th>'
                  for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(
        f'<td class="{"dg-num" if i >= numeric_from else ""}">{c}</td>' for i, c in enumerate(r))
        + "</tr>" for r in rows)
    after = notes.html() if notes else ""
    return Html(f'<div class="dg-table-wrap"><table class="dg-table">{cap}<thead><tr>{ths}</tr></thead>'
                f"<tbody>{body}</tbody></table>{after}</div>")


def guarded(render):
    """A section's ``render`` that turns the kit's errors (a file present but unreadable, a
    missing one) into a French notice naming the file, so that the rest of the report builds."""
    @functools.wraps(render)
    def wrapper(dg, section, **options):
        try:
            return render(dg, section, **options)
        except DiagnosticError as exc:
            hint = f" {exc.hint}" if exc.hint else ""
            return message(f"<strong>Section non produite.</strong> {esc(exc.message)}{esc(hint)}")
    return wrapper
