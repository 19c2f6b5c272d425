"""The report notebook as JupyterLab shows it: the findings keep their styles without the
kit's page template (the styles travel with the outputs). The executed notebook is exported
with JupyterLab's own stock template and opened in headless Chromium; a screenshot is kept in
tests/artefacts/ (ignored by git) for a look."""
from __future__ import annotations

import html
import json
import re

import pytest

from diagnostic.findings import STATUS_FR
from test_browser import ARTEFACTS, chromium, run_chromium

pytestmark = pytest.mark.slow

PROBE = """<script>
window.addEventListener("load", function () {
  var badges = Array.prototype.slice.call(document.querySelectorAll(".dg-badge"));
  var out = badges.slice(0, 12).map(function (b) {
    var s = getComputedStyle(b), next = b.nextSibling, gap = null;
    if (next) {
      var range = document.createRange(); range.selectNodeContents(next);
      gap = range.getBoundingClientRect().left - b.getBoundingClientRect().right;
    }
    return {texte: b.textContent.trim(), fond: s.backgroundColor, couleur: s.color,
            affichage: s.display, marge: gap};
  });
  var pre = document.createElement("pre");
  pre.id = "dg-verification";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


@pytest.fixture(scope="module")
def lab_page(tmp_path_factory):
    binary = chromium()
    import nbformat
    from nbconvert import HTMLExporter

    import diagnostic as dg

    out = tmp_path_factory.mktemp("jupyterlab")
    executed = dg.rapport("61214", sortie=out).with_name("rapport.ipynb")
    # JupyterLab's own look: the stock "lab" template, none of the kit's page CSS
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nbformat.read(executed, as_version=4))
    page = out / "jupyterlab.html"
    page.write_text(body, encoding="utf-8")
    probe = out / "verification.html"
    probe.write_text(body.replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
    profile = out / "profil"
    dom = run_chromium(binary, profile, "--virtual-time-budget=15000", "--dump-dom", probe.as_uri())
    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / "rapport-jupyterlab-enjeux.png"
    shot.unlink(missing_ok=True)
    screen = run_chromium(binary, profile, "--window-size=1280,2600", f"--screenshot={shot}", page.as_uri())
    return {"body": body, "dom": dom, "screen": screen, "shot": shot}


def test_findings_are_styled_in_jupyterlab(lab_page):
    match = re.search(r'<pre id="dg-verification">(.*?)</pre>', lab_page["dom"].stdout, re.S)
    assert match, lab_page["dom"].stderr[-2000:]
    badges = json.loads(html.unescape(match.group(1)))
    assert badges, "aucune étiquette « Enjeu » / « Atout » dans la synthèse"
    for badge in badges:
        assert badge["texte"] in set(STATUS_FR.values())
        assert badge["fond"] not in ("rgba(0, 0, 0, 0)", "transparent"), badge  # coloured label
        assert badge["affichage"] != "inline" or badge["marge"] is None or badge["marge"] > 2, badge
    assert {"Enjeu", "Atout"} & {b["texte"] for b in badges}


def test_screenshot_shows_the_findings(lab_page):
    from PIL import Image

    assert lab_page["screen"].returncode == 0, lab_page["screen"].stderr[-2000:]
    with Image.open(lab_page["shot"]) as img:
        colours = img.convert("RGB").resize((128, 260)).getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 100
