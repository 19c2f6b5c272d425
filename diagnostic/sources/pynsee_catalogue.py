"""Official download links from pynsee's catalogue of INSEE files.

pynsee ships, inside the package, the catalogue its ``download_file`` uses
(``liste_donnees.json``: dataset id, official insee.fr link, file inside the
archive, MD5). The kit reads it to find where INSEE publishes a product, then
downloads the original archive itself so that the mirror keeps the file exactly
as published (pynsee would return a DataFrame, not the file).
"""
from __future__ import annotations

import functools
import importlib.resources
import json
import re
import zipfile
from pathlib import PurePosixPath


@functools.lru_cache(maxsize=1)
def entries() -> list[dict]:
    """The catalogue's entries, or an empty list when pynsee (or its catalogue) is absent."""
    try:
        path = importlib.resources.files("pynsee.download") / "data" / "liste_donnees.zip"
        with zipfile.ZipFile(str(path)) as zf:
            return json.loads(zf.read("liste_donnees.json"))
    except (ModuleNotFoundError, FileNotFoundError, KeyError, ValueError, zipfile.BadZipFile):
        return []


def links(pattern: str) -> list[str]:
    """Official links of the catalogue whose file name matches a product's name pattern."""
    regex = re.compile(pattern, re.IGNORECASE)
    found = []
    for entry in entries():
        link = str(entry.get("lien") or "")
        names = [PurePosixPath(link).name, str(entry.get("fichier_donnees") or "")]
        if link and any(regex.fullmatch(n) for n in names if n):
            found.append(link)
    # Newest publication first (insee.fr file ids grow with time).
    return sorted(dict.fromkeys(found), key=lambda u: [int(x) for x in re.findall(r"/(\d+)/", u)] or [0],
                  reverse=True)
