"""``rapport.pdf``: the HTML report printed by headless Chromium with its print stylesheet.

Chromium rather than WeasyPrint: it renders the page exactly as the browser test sees
it (the same flexbox charts, tables and table of contents script), it is already
installed for that test (``.ci/run``), and it adds no Python dependency. Without
Chromium, or if it fails, the report's other files are still written and
:func:`write_pdf` returns a French explanation instead of raising.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

PDF_NAME = "rapport.pdf"
#: Environment variable naming the Chromium (or Chrome) executable to use.
CHROMIUM_ENV = "DIAGNOSTIC_CHROMIUM"
#: Seconds Chromium may take to print one report.
TIMEOUT = 180
#: Offline and quiet: nothing is fetched, no profile is kept, no header or footer is printed.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
         "--host-resolver-rules=MAP * ~NOTFOUND",
         "--no-pdf-header-footer", "--print-to-pdf-no-header"]  # the second for Chromium before 120


def chromium() -> str | None:
    """The Chromium executable: ``$DIAGNOSTIC_CHROMIUM``, else the first found on the PATH."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        return chosen if shutil.which(chosen) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(html: Path, pdf: Path) -> str | None:
    """Print ``html`` to ``pdf``; None when done, else why not (in French)."""
    binary = chromium()
    if binary is None:
        return ("PDF non produit : Chromium est introuvable (installez le paquet « chromium », ou "
                f"indiquez son exécutable dans la variable {CHROMIUM_ENV}) ; le rapport HTML et les "
                "fichiers annexes sont écrits.")
    with tempfile.TemporaryDirectory(prefix="diagnostic-chromium-") as profile:
        try:
            done = subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
                                   Path(html).resolve().as_uri()],
                                  capture_output=True, text=True, timeout=TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"PDF non produit : Chromium a échoué ({type(exc).__name__}) ; le rapport HTML est écrit."
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        detail = (done.stderr or "").strip().splitlines()[-1:] or [f"code {done.returncode}"]
        return f"PDF non produit : Chromium a échoué ({detail[0][:200]}) ; le rapport HTML est écrit."
    return None
