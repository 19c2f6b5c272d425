"""What every official product has in common.

A :class:`Product` knows the names INSEE (or the Cnaf) give its files, how to
read them as published, their vintage and geography year, and where to
download them. Files found in the mirror become :class:`Dataset` objects, one
per file (and per zip member when an archive holds several levels).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd

from .. import config
from ..errors import ConfigurationError, MissingData
from .pynsee_catalogue import links

#: All products, by key. Filled by :func:`register`.
REGISTRY: dict[str, "Product"] = {}


def register(cls: type["Product"]) -> type["Product"]:
    """Class decorator: the product becomes known to the kit under ``cls.key``."""
    known = REGISTRY.get(cls.key)
    if known is not None and type(known).__qualname__ != cls.__qualname__:
        raise ConfigurationError(f"Produit « {cls.key} » enregistré deux fois "
                                 f"({type(known).__module__} et {cls.__module__}).")
    REGISTRY[cls.key] = cls()
    return cls


@dataclass(frozen=True)
class Dataset:
    """One published file of a product, found in the mirror."""

    product_key: str
    path: Path
    vintage: int
    geo_year: int
    level: str = "COM"
    part: str = ""  # e.g. the département of a per-département extract
    member: str | None = None

    @property
    def product(self) -> "Product":
        return REGISTRY[self.product_key]

    @property
    def id(self) -> str:
        parts = [self.product_key, str(self.vintage), self.level]
        if self.part:
            parts.append(self.part)
        return "-".join(parts)

    @property
    def source_label(self) -> str:
        """French citation, e.g. « Insee, RP 2018 (comparateur de territoires) »."""
        return self.product.citation(self)

    def read(self) -> pd.DataFrame:
        return self.product.read(self)


@dataclass
class Product:
    """An official product. Subclasses set the class attributes and ``read``."""

    key: ClassVar[str]
    label: ClassVar[str]  # French
    producer: ClassVar[str] = "Insee"
    #: Regular expression on the file name (or zip member); named groups
    #: ``year``, ``level``, ``part`` feed the Dataset.
    pattern: ClassVar[str]
    #: Example file name, shown when the product is missing.
    example_name: ClassVar[str]
    #: Sub-folder of the mirror where the file is expected (and downloaded).
    folder: ClassVar[str] = ""
    #: Official page or file, for the methodology section and the error messages.
    url: ClassVar[str | None] = None
    #: Key columns: the commune (or IRIS) code of each row.
    code_column: ClassVar[str] = "CODGEO"
    #: French note on which communes the product covers, shown when a territory is not covered.
    coverage_hint: ClassVar[str] = ""

    # --- discovery ----------------------------------------------------------
    def datasets(self, mirror: Path | None = None) -> list[Dataset]:
        mirror = mirror or config.mirror_dir()
        regex = re.compile(self.pattern, re.IGNORECASE)
        found = []
        for path in mirror_files(mirror):
            match = regex.fullmatch(path.name)
            if match:
                found.extend(self.datasets_for(path, match))
        return found

    def datasets_for(self, path: Path, match: re.Match) -> list[Dataset]:
        """The datasets one matching file holds (several for a multi-level zip)."""
        groups = match.groupdict()
        year = int(groups.get("year") or self.default_vintage(path))
        return [Dataset(
            self.key, path, vintage=year, geo_year=self.geo_year(year, path),
            level=(groups.get("level") or "COM").upper(), part=groups.get("part") or "",
        )]

    def default_vintage(self, path: Path) -> int:
        raise NotImplementedError

    def geo_year(self, vintage: int, path: Path) -> int:
        """COG year of the file's geography (published in INSEE's documentation)."""
        return vintage + 2

    def citation(self, ds: Dataset) -> str:
        return f"{self.producer}, {self.label} {ds.vintage}"

    def level_file_name(self, level: str, vintage: int | None) -> str | None:
        """Name of the file published for ``level`` (EPCI, DEP, REG, FRANCE), if any."""
        return None

    # --- reading ------------------------------------------------------------
    def read(self, ds: Dataset) -> pd.DataFrame:  # pragma: no cover - abstract
        """The file as published: identifiers as strings, figures as floats (NaN = secret)."""
        raise NotImplementedError

    def to_communes(self, df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
        """Commune-level counts from the stored table: a ``CODGEO`` column (commune
        code in the file's geography) and numeric columns. Products published at a
        finer level (IRIS) override this to sum their rows by commune, keeping NaN
        when a part is secret (``sum(min_count=1)`` and a mask), never 0.
        """
        out = df.rename(columns={self.code_column: "CODGEO"}) if self.code_column != "CODGEO" else df
        return out

    # --- download -----------------------------------------------------------
    def download_urls(self) -> list[str]:
        """Official URLs of the file(s), tried in order when the mirror lacks them: the
        product's own link, then those pynsee's catalogue of INSEE files gives for its names."""
        own = [self.url] if self.url and self.url.endswith((".zip", ".csv", ".xlsx", ".xls")) else []
        return list(dict.fromkeys(own + links(self.pattern)))

    def missing_error(self, detail: str = "") -> MissingData:
        target = config.mirror_dir() / self.folder
        msg = f"Données manquantes : {self.label} ({self.producer})."
        if detail:
            msg += f" {detail}"
        hint = (f"Placez le fichier original « {self.example_name} » dans {target}"
                + (f" (source : {self.url})" if self.url else "") + ", puis relancez.")
        return MissingData(msg, hint)

    def fetch(self) -> list[Dataset]:
        """Download the product into the mirror; raise :class:`MissingData` when impossible."""
        if config.offline():
            raise self.missing_error("Mode hors ligne : aucun téléchargement tenté.")
        urls = self.download_urls()
        if not urls:
            raise self.missing_error()
        target = config.mirror_dir() / self.folder
        errors = []
        for url in urls:
            try:
                path = download(url, target / Path(url).name)
            except OSError as exc:
                errors.append(f"{url} : {_reason_fr(exc)}")
                continue
            refresh()
            if not self.datasets():
                self._extract_members(path)
            if self.datasets():
                return self.datasets()
            errors.append(f"{url} : l'archive ne contient pas le fichier attendu")
        raise self.missing_error("Téléchargement impossible (" + " ; ".join(errors) + ").")

    def _extract_members(self, archive: Path) -> None:
        """Some INSEE archives bundle several files (``cog_ensemble_2022_csv.zip``):
        extract, unchanged, the members this product reads."""
        if not zipfile.is_zipfile(archive):
            return
        regex = re.compile(self.pattern, re.IGNORECASE)
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if regex.fullmatch(Path(name).name):
                    dest = archive.parent / Path(name).name
                    with zf.open(name) as src, tempfile.NamedTemporaryFile(
                            dir=archive.parent, delete=False, suffix=".part") as tmp:
                        shutil.copyfileobj(src, tmp)
                    Path(tmp.name).replace(dest)
        refresh()


def _reason_fr(exc: OSError) -> str:
    """Why a download failed, in French (urllib's messages are English)."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"réponse HTTP {exc.code}"
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return "délai dépassé"
    if isinstance(exc, urllib.error.URLError):
        return "serveur injoignable (réseau indisponible ?)"
    return f"erreur d'écriture ou de réseau ({exc.strerror or exc})"


_listings: dict[Path, list[Path]] = {}


def mirror_files(mirror: Path) -> list[Path]:
    """Files of the mirror (listed once per process; :func:`refresh` after a download)."""
    if mirror not in _listings:
        files = []
        if mirror.is_dir():  # os.walk follows symlinked folders, which users set up often
            for root, _dirs, names in os.walk(mirror, followlinks=True):
                files.extend(Path(root) / n for n in names if not n.startswith("."))
        _listings[mirror] = sorted(p for p in files if p.is_file())
    return _listings[mirror]


def refresh() -> None:
    _listings.clear()
    _found.clear()


#: Datasets of each product in each mirror, as :func:`find` found them (with the listing).
_found: dict[tuple[str, Path], list] = {}


def _datasets_of(product) -> list:
    """``product.datasets()``, matched against the listing once per process (a report asks
    for the same products hundreds of times); an empty answer is not kept (a download may
    follow)."""
    key = (product.key, config.mirror_dir())
    if key not in _found:
        found = product.datasets(key[1])
        if not found:
            return found
        _found[key] = found
    return _found[key]


def download(url: str, dest: Path, timeout: float = 20) -> Path:
    """Download ``url`` to ``dest`` atomically (a partial file never lands)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=dest.parent, delete=False, suffix=".part") as tmp:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - official URL
                shutil.copyfileobj(resp, tmp)
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise
    Path(tmp.name).replace(dest)
    return dest


def find(key: str, *, vintage: int | None = None, level: str | None = None,
         part: str | None = None, required: bool = True) -> list[Dataset]:
    """Datasets of a product in the mirror, newest vintage first; download if missing."""
    product = REGISTRY[key]
    datasets = _datasets_of(product)
    if not datasets and required:
        datasets = product.fetch()

    def ok(d: Dataset) -> bool:
        return ((vintage is None or d.vintage == vintage)
                and (level is None or d.level == level.upper())
                and (part is None or d.part == part))

    selected = sorted((d for d in datasets if ok(d)), key=lambda d: (-d.vintage, d.level, d.part))
    if not selected and required:
        wanted = " ".join(x for x in (str(vintage or ""), level or "", part or "") if x)
        raise product.missing_error(f"Aucun fichier {wanted} dans le miroir.".replace("  ", " "))
    return selected
