"""The report in a real browser (headless Chromium), offline: every image shows, no error.

Chromium comes from the Debian package ``chromium`` (installed by ``.ci/run``).
Screenshots are kept in ``tests/artefacts/`` (ignored by git) for a look.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

MIRROR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not MIRROR.is_dir(), reason=f"miroir absent : {MIRROR} (../shared/data)")]


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    pytest.skip("chromium absent : installez le paquet Debian chromium (fait par .ci/run)")


def run_chromium(binary: str, profile: Path, *args: str, timeout: int = 90) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={profile}",
             # offline: any request to the network fails instead of reaching it
             "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
             "--host-resolver-rules=MAP * ~NOTFOUND"]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=timeout)


PROBE_HEAD = """<script>
window.__dgErreurs = [];
window.addEventListener("error", function (e) {
  window.__dgErreurs.push(String(e.message || (e.target && (e.target.src || e.target.href)) || "erreur"));
}, true);
</script>"""

PROBE_BODY = """<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                   .map(function (i) { return (i.alt || i.src.slice(0, 40)); });
  var remote = performance.getEntriesByType("resource").map(function (r) { return r.name; })
                   .filter(function (n) { return /^https?:/.test(n); });
  var out = {images: imgs.length, cassees: broken, distantes: remote, erreurs: window.__dgErreurs,
             sommaire: document.querySelectorAll("nav.dg-toc a").length,
             titres: Array.prototype.map.call(document.querySelectorAll("main h2"),
                                                function (h) { return h.textContent.trim(); }),
             hauteur: document.documentElement.scrollHeight};
  var pre = document.createElement("pre");
  pre.id = "dg-verification";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


#: One territory of each kind: commune, EPCI, custom perimeter, département.
KINDS = {"commune": "61214", "epci": "246100663", "perimetre": "pays-de-laigle-signataires.yaml",
         "departement": "61"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    binary = chromium()
    from diagnostic import report

    out = tmp_path_factory.mktemp("navigateur")
    ARTEFACTS.mkdir(exist_ok=True)
    pages = {}
    with report.KernelSession() as session:
        for kind, spec in KINDS.items():
            result = report.build(spec, output_dir=out, kernel=session)
            page = result.html.read_text(encoding="utf-8")
            probe = result.html.with_name("verification.html")
            page = page.replace("<head>", "<head>" + PROBE_HEAD, 1)
            page = page.replace("</body>", PROBE_BODY + "</body>", 1)
            probe.write_text(page, encoding="utf-8")
            profile = out / f"profil-{kind}"
            dom = run_chromium(binary, profile, "--virtual-time-budget=15000", "--dump-dom", probe.as_uri())
            shot = ARTEFACTS / f"rapport-{kind}.png"
            shot.unlink(missing_ok=True)
            screen = run_chromium(binary, profile, "--window-size=1280,6000", f"--screenshot={shot}",
                                  result.html.as_uri())
            pages[kind] = {"dom": dom, "screen": screen, "shot": shot, "result": result}
    return pages


def _verification(dom: subprocess.CompletedProcess) -> dict:
    match = re.search(r'<pre id="dg-verification">(.*?)</pre>', dom.stdout, re.S)
    assert match, f"page non chargée par chromium : {dom.stderr[-2000:]}"
    import html

    return json.loads(html.unescape(match.group(1)))


@pytest.mark.parametrize("kind", list(KINDS))
def test_report_loads_offline_with_every_image(rendered, kind):
    rendered = rendered[kind]
    check = _verification(rendered["dom"])
    assert check["images"] >= 5
    assert check["cassees"] == []
    assert check["distantes"] == []
    assert check["erreurs"] == []
    assert check["sommaire"] >= 4  # the inline script built the table of contents
    assert "1. Synthèse" in check["titres"][0]
    assert check["hauteur"] > 3000
    # no network error reported by the browser
    assert "ERR_" not in rendered["dom"].stderr and "Uncaught" not in rendered["dom"].stderr


@pytest.mark.parametrize("kind", list(KINDS))
def test_screenshot_is_not_blank(rendered, kind):
    from PIL import Image

    rendered = rendered[kind]
    assert rendered["screen"].returncode == 0, rendered["screen"].stderr[-2000:]
    shot = rendered["shot"]
    assert shot.is_file()
    with Image.open(shot) as img:
        assert img.size == (1280, 6000)
        small = img.convert("RGB").resize((128, 600))
        colours = small.getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 200  # text, tables, charts
        # the top of the page has the title block (dark text on white)
        top = img.convert("L").crop((0, 0, 1280, 400))
        assert top.getextrema()[0] < 80
