"""One full HTML report, as ``diagnostic rapport CODE`` makes it: a new process and a new kernel.

Figures, for a commune (L'Aigle) and an EPCI (CU d'Alençon), medians of
``REPEAT`` runs:

* ``rapport_<type>_total``: wall time of the whole command (interpreter, imports,
  kernel, notebook, conversion, kernel shutdown);
* the phases of :func:`diagnostic.report.build` (``result.timings``):
  ``demarrage_noyau`` (start of the kernel until it is ready, the kit imported and
  its tables loaded by the warm-up), ``preparation`` (this process, meanwhile:
  territory, fingerprint, nbconvert), ``attente_noyau``, ``execution`` (the
  notebook), ``conversion`` (HTML and files);
* ``rapport_<type>_noyau_chaud``: the same report in a kernel that has already
  made one (a batch worker);
* the naive way, side by side: papermill's defaults (``pm.execute_notebook``
  with a fresh kernel) and nbconvert's ``HTMLExporter``, in a new process, and
  the ratio.
"""
from __future__ import annotations

import json
import tempfile

from .common import median, note, report, run_python

TERRITORIES = {"commune": "61214", "epci": "246100663"}
REPEAT = 3

KIT = """
import json, sys, time
t0 = time.perf_counter()
from diagnostic import report
result = report.build({code!r}, output_dir={out!r}, pdf={pdf!r})
timings = dict(result.timings)
timings["pdf_fait"] = result.pdf is not None
print(json.dumps(timings), flush=True)
import gc
gc.freeze()  # the end of the process, as the command (diagnostic.cli.run)
"""

WARM = """
import json, time
from diagnostic import report
with report.KernelSession(start=True) as session:
    report.build({code!r}, output_dir={out!r}, kernel=session, pdf=False)
    t0 = time.perf_counter()
    report.build({code!r}, output_dir={out!r}, kernel=session, pdf=False)
    print(json.dumps(time.perf_counter() - t0))
"""

NAIVE = """
import papermill as pm
from nbconvert import HTMLExporter
from pathlib import Path
from diagnostic.report import notebook_path
out = Path({out!r})
out.mkdir(parents=True, exist_ok=True)
nb = pm.execute_notebook(str(notebook_path()), str(out / "rapport.ipynb"), progress_bar=False,
                         parameters={{"territoire": {code!r}, "pairs": [], "sortie": str(out)}})
page, _ = HTMLExporter(template_name="lab", exclude_input=True).from_notebook_node(nb)
(out / "rapport.html").write_text(page, encoding="utf-8")
"""


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-rapport-") as tmp:
        for kind, code in TERRITORIES.items():
            totals, phases = [], []
            for _ in range(REPEAT):  # the HTML report and its files, as measured before the PDF existed
                seconds, out = run_python(KIT.format(code=code, out=f"{tmp}/kit", pdf=False))
                totals.append(seconds)
                phases.append(json.loads(out.strip().splitlines()[-1]))
            with_pdf, out = run_python(KIT.format(code=code, out=f"{tmp}/pdf", pdf=True))
            printed = json.loads(out.strip().splitlines()[-1])
            naive = [run_python(NAIVE.format(code=code, out=f"{tmp}/naif"))[0] for _ in range(REPEAT)]
            warm = json.loads(run_python(WARM.format(code=code, out=f"{tmp}/chaud"))[1].strip().splitlines()[-1])
            report(f"rapport_{kind}_total", median(totals), "s", "≤ 4,5 s")
            if printed.get("pdf_fait"):
                report(f"rapport_{kind}_total_avec_pdf", with_pdf, "s")
                report(f"rapport_{kind}_impression_pdf", printed.get("pdf", 0.0), "s")
            else:
                note(f"{kind} : PDF non imprimé (Chromium absent de cette machine ; .ci/run l'installe)")
            for name, key in (("demarrage_noyau", "noyau"), ("preparation", "preparation"),
                              ("attente_noyau", "attente_noyau"), ("execution", "execution"),
                              ("conversion", "conversion")):
                report(f"rapport_{kind}_{name}", median([p.get(key, 0.0) for p in phases]), "s")
            report(f"rapport_{kind}_noyau_chaud", warm, "s")
            report(f"rapport_{kind}_papermill_simple", median(naive), "s")
            report(f"rapport_{kind}_ratio_papermill", median(naive) / median(totals), "x")
    note("total : commande complète (interpréteur, noyau neuf, notebook, conversion, fichiers annexes) "
         "sans le PDF ; total_avec_pdf : la même avec rapport.pdf (impression_pdf : Chromium) ; la "
         "préparation se fait pendant le démarrage du noyau ; papermill_simple : papermill et nbconvert "
         "par défaut")
