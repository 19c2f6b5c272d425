"""The report's package files in ``templates/``: Jinja templates, CSS and JS.

nbconvert style: the HTML, CSS and JS of the report and of the batch index are
files, shared by both, never Python strings. Each is read once per process.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from ..vocabulary import CSS_COLOURS

TEMPLATES_DIR = Path(__file__).with_name("templates")
#: nbconvert template of the report page (extends the "lab" template).
REPORT_TEMPLATE = "rapport.html.j2"
#: Template of a batch's index page.
#: Not "index.html.j2": that name is nbconvert's base template, which the report extends.
INDEX_TEMPLATE = "lot.html.j2"


@functools.cache
def read(name: str) -> str:
    """The text of ``templates/<name>``."""
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


@functools.cache
def digest() -> str:
    """SHA-256 of the templates folder: a report made with other templates is not up to date."""
    h = hashlib.sha256()
    for path in sorted(TEMPLATES_DIR.iterdir()):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def css_variables() -> str:
    """The kit's colours (vocabulary.CSS_COLOURS, shared with the charts) as CSS custom
    properties ``--dg-<name>``, which the CSS files use instead of colour literals."""
    return ":root { " + " ".join(f"--dg-{name}: {value};" for name, value in CSS_COLOURS.items()) + " }\n"


def report_css() -> str:
    """Styles of the report's blocks (tables, findings, figures): displayed with the outputs."""
    return css_variables() + read("report.css")


def page_css() -> str:
    """Styles of the exported page around the cells (layout, headings, print)."""
    return css_variables() + read("page.css")


def lot_css() -> str:
    """Styles of a batch's index page."""
    return css_variables() + read("lot.css")


@functools.cache
def environment():
    """The Jinja environment of the templates folder (HTML escaped by default)."""
    import jinja2  # for the batch index only: kept out of every report kernel's start

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
                              autoescape=jinja2.select_autoescape(["html", "j2"]),
                              keep_trailing_newline=True)


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
