"""Documents for the steering committee: ``synthese.docx`` (python-docx).

Title, territory, date, sources, then one heading per axis with its paragraph
and its key-figures table, ready to paste into the convention and its annexes.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .atomic import atomic_path
from .synthese import AxisSynthesis

_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"]


def _date(when: dt.date) -> str:
    day = "1er" if when.day == 1 else str(when.day)
    return f"{day} {_MONTHS[when.month - 1]} {when.year}"


def write_synthese_docx(path: str | Path, territory_label: str, syntheses: list[AxisSynthesis],
                        sources: list[str], when: dt.date | None = None) -> Path:
    """Write the synthèse par axe as a Word document (atomically)."""
    # python-docx: imported when a document is written, not by every report kernel at its start.
    from docx import Document
    from docx.enum.section import WD_ORIENT  # (same)
    from docx.shared import Cm, Pt  # (same)

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading("Diagnostic territorial : synthèse par axe", level=0)
    doc.add_paragraph(territory_label).runs[0].bold = True
    doc.add_paragraph(f"Document généré le {_date(when or dt.date.today())} par le kit « diagnostic ».")
    doc.add_heading("Sources", level=2)
    for line in sources:
        doc.add_paragraph(line, style="List Bullet")
    for s in syntheses:
        doc.add_heading(s.titre, level=1)
        if s.description:
            doc.add_paragraph(s.description).runs[0].italic = True
        doc.add_paragraph(s.paragraph)
        if not s.figures.empty:
            _table(doc, s.figures)
    with atomic_path(path, suffix=".docx") as tmp:
        doc.save(str(tmp))
    return Path(path)


def _table(doc, figures) -> None:
    from docx.shared import Pt  # see write_synthese_docx

    table = doc.add_table(rows=1 + len(figures), cols=len(figures.columns))
    table.style = "Light Grid Accent 1"
    lines = [[str(name) for name in figures.columns]]
    lines += [[str(v) for v in row] for row in figures.itertuples(index=False)]
    for i, (row, texts) in enumerate(zip(table.rows, lines)):
        for cell, text in zip(row.cells, texts):
            run = cell.paragraphs[0].add_run(text)
            run.font.size = Pt(8.5)
            run.bold = True if i == 0 else None