"""The executed notebook as one self-contained HTML page (nbconvert, "lab" template).

No code, figures embedded as base64 PNG, styles and the table of contents
inline, nothing fetched from the network (require.js, MathJax and Mermaid of
the lab template are left out). The template, the page CSS and the TOC script
are files of ``templates/``.
"""
from __future__ import annotations

import copy
import re
import threading

from .. import __version__
from . import assets
from .execute import light_imports

_exporters = threading.local()


#: The opening tag of a cell's text or an output area (nbconvert's lab template), made focusable below.
_FOCUSABLE = re.compile(r'<div class="([^"]*\bjp-(?:Cell-inputWrapper|OutputArea-output)\b[^"]*)"')


def _exporter_class():
    """nbconvert's HTML exporter without its final BeautifulSoup pass.

    That pass parses and re-serialises the whole page (a third of the conversion,
    in the batch's parent process) only to give images without ``alt`` a placeholder
    text and to make cells and outputs focusable: the report's images carry their
    alt text (:func:`diagnostic.report.display.figure_html`), and cells and outputs
    get their ``tabindex`` here.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(parent=self)))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _FOCUSABLE.sub(r'<div class="\1" tabindex="0"', html), resources

    return ReportExporter


def _html_exporter():
    """One nbconvert exporter per thread (its templates are compiled once; an exporter
    keeps per-conversion state, so threads do not share it)."""
    if getattr(_exporters, "exporter", None) is None:
        light_imports()
        # nbconvert (and jinja2) take about a second to import: done while a fresh report's kernel starts.
        from jinja2 import FileSystemLoader

        exporter = _exporter_class()(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                                exclude_output_prompt=True,
                                extra_loaders=[FileSystemLoader(str(assets.TEMPLATES_DIR))],
                                template_file=assets.REPORT_TEMPLATE)
        exporter.language_code = "fr"
        _exporters.exporter = exporter
    return _exporters.exporter


_IMAGE = re.compile(r"(data:image/png;base64,)([A-Za-z0-9+/=]{64,})")


def to_html(nb) -> str:
    """The executed notebook as one self-contained HTML page, without code."""
    page, restore = convert(nb)
    return restore(page)


def convert(nb):
    """(page with placeholders, function putting the images back) of :func:`to_html`.

    The embedded images (base64, most of the page) are set aside while nbconvert
    works — its HTML post-processing parses and re-serialises the whole page —
    and put back after: the page is the same, byte for byte, made faster. The
    executed notebook is not modified (nbconvert works on its own deep copy).
    """
    images: dict[str, str] = {}

    def aside(match: re.Match) -> str:
        token = f"dgimage{len(images):05d}x{id(images):x}"
        images[token] = match.group(2)
        return match.group(1) + token

    def light(output):
        html_data = output.get("data", {}).get("text/html")
        if isinstance(html_data, str) and "base64," in html_data:
            html_data = _IMAGE.sub(aside, html_data)
        elif isinstance(html_data, list) and any("base64," in part for part in html_data):
            html_data = [_IMAGE.sub(aside, part) for part in html_data]
        else:
            return output
        output = copy.copy(output)
        output["data"] = copy.copy(output["data"])
        output["data"]["text/html"] = html_data
        return output

    nb = copy.copy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell = copy.copy(cell)
            # Warnings printed by libraries stay in the executed notebook, not in the report.
            cell["outputs"] = [light(o) for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        cells.append(cell)
    nb["cells"] = cells
    exporter = _html_exporter()
    resources = {"metadata": {"name": nb.metadata.get("title", "Diagnostic territorial")},
                 "diagnostic_css": assets.page_css(), "diagnostic_js": assets.read("toc.js"), "diagnostic_version": __version__}
    body, _ = exporter.from_notebook_node(nb, resources=resources)

    def restore(page: str) -> str:
        if not images:
            return page
        return re.sub(r"dgimage\d{5}x[0-9a-f]+", lambda m: images.get(m.group(0), m.group(0)), page)

    return body, restore


def external_references(page: str) -> list[str]:
    """``src``/``href`` of scripts, styles or images that would be fetched from the network."""
    pattern = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?((?:https?:)?//[^\"' >]+)",
                         re.I)
    return [m.group(3) for m in pattern.finditer(page)]


def prepare_conversion() -> None:
    """Import papermill and nbconvert and compile the HTML templates (once per thread):
    done while a new kernel starts, this work is off the report's critical path."""
    light_imports()
    import nbformat  # see _html_exporter: slow imports, made while the kernel starts
    import papermill  # noqa: F401

    if getattr(_exporters, "exporter", None) is None:
        to_html(nbformat.v4.new_notebook())
