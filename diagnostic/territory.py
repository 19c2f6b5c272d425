"""Territories: resolution of a code, a name or a perimeter file.

A :class:`Territory` lists its communes in the kit's reference geography (the
latest COG in the mirror), knows its département(s) and région(s), picks its
reference département and région, and translates its communes into the
geography of any data file (:meth:`Territory.communes_in`).
"""
from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from . import store
from .errors import AmbiguousTerritory, PerimeterError, TerritoryNotFound
from .geography import geography, history
from .paths import input_file, is_perimeter_spec
from .safe_yaml import load_yaml
from .sources import find
from .sources.readers import departement_of
from .text import normalise, slugify
from .vocabulary import ARRONDISSEMENT_PARENT

KINDS_FR = {
    "commune": "commune",
    "arrondissement": "arrondissement municipal",
    "epci": "intercommunalité (EPCI)",
    "departement": "département",
    "region": "région",
    "france": "France",
    "perimetre": "périmètre",
}


#: Longest territory name accepted (the longest commune name has 45 characters).
MAX_NAME_LENGTH = 200
#: Characters of a name compared by the fuzzy search (bounds its time whatever the input).
FUZZY_KEY_LENGTH = 80


@dataclass(frozen=True)
class Territory:
    kind: str
    code: str
    name: str
    communes: tuple[str, ...]
    departements: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    departement: str | None = None  # reference département
    region: str | None = None  # reference région
    epci: str | None = None  # EPCI of a commune
    geo_year: int = 0
    notices: tuple[str, ...] = field(default=(), compare=False)
    spec: str = field(default="", compare=False)

    # --- naming ---------------------------------------------------------------
    @property
    def kind_label(self) -> str:
        return KINDS_FR[self.kind]

    @property
    def label(self) -> str:
        if self.kind == "france":
            return "France"
        if self.kind == "perimetre":
            return self.name
        return f"{self.name} ({self.kind_label} {self.code})"

    @property
    def slug(self) -> str:
        return slugify(f"{self.name}-{self.code}" if self.kind not in ("france", "perimetre")
                       else self.name)

    def __str__(self) -> str:
        return self.label

    # --- geography ------------------------------------------------------------
    def communes_in(self, geo_year: int) -> tuple[str, ...]:
        """The territory's communes as coded in the geography of ``geo_year``.

        For an older geography, the former communes that merged into the
        territory's communes are listed too, so their counts can be summed.
        """
        trans = history().translation(geo_year)
        if not trans.mapping:
            return self.communes
        mine = set(self.communes)
        former = [old for old, new in trans.mapping.items() if set(new) <= mine]
        return tuple(sorted(mine | set(former)))

    def references(self) -> list["Territory"]:
        """Département, région and France to compare with (the territory itself excluded)."""
        refs = []
        if self.departement and not (self.kind == "departement" and self.code == self.departement):
            refs.append(resolve_departement(self.departement))
        if self.region and not (self.kind == "region" and self.code == self.region):
            refs.append(resolve_region(self.region))
        if self.kind != "france":
            refs.append(france())
        return refs

    def describe(self) -> str:
        """French description, as printed by ``diagnostic territoire``."""
        geo = geography()
        lines = [self.label, f"  Type : {self.kind_label}",
                 f"  Communes (COG {self.geo_year}) : {len(self.communes)}"]
        if len(self.communes) <= 40 and self.kind not in ("commune", "arrondissement"):
            for code in self.communes:
                lines.append(f"    {code} {geo.commune_name(code)}")
        deps = ", ".join(f"{geo.departement_name(d)} ({d})" for d in self.departements)
        if self.departements:
            lines.append(f"  Département(s) : {deps}")
        if self.departement:
            lines.append(f"  Département de référence : {geo.departement_name(self.departement)} "
                         f"({self.departement})")
        if self.region:
            lines.append(f"  Région de référence : {geo.region_name(self.region)} ({self.region})")
        if self.epci:
            lines.append(f"  Intercommunalité : {geo.epci_name(self.epci)} ({self.epci})")
        for notice in self.notices:
            lines.append(f"  Remarque : {notice}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Rich display in JupyterLab: name, kind, communes, départements, references."""
        from .territory_html import territory_html  # that module imports this one

        return territory_html(self)

    def _repr_pretty_(self, p, cycle) -> None:  # its plain-text twin, without 35 000 commune codes
        p.text(f"<Territoire {self.label} : {len(self.communes)} communes>")


# ---------------------------------------------------------------------------
# Builders for each kind
# ---------------------------------------------------------------------------
def _dep_of(code: str) -> str:
    geo = geography()
    if code in geo.communes.index:
        return str(geo.communes.at[code, "DEP"])
    if code in geo.arrondissements.index:
        return str(geo.arrondissements.at[code, "DEP"])
    return departement_of(code)


def _from_communes(kind: str, code: str, name: str, communes, notices=(), reference_dep=None,
                   spec: str = "") -> Territory:
    geo = geography()
    communes = tuple(sorted(set(communes)))
    known = geo.communes["DEP"].reindex(list(communes))  # vectorised: France has 35 000 communes
    deps = set(known.dropna().astype(str))
    deps |= {_dep_of(c) for c, d in zip(communes, known.tolist()) if pd.isna(d)}
    deps = tuple(sorted(deps))
    regs = tuple(sorted({str(geo.departements.at[d, "REG"]) for d in deps if d in geo.departements.index}))
    notices = list(notices)
    if reference_dep is None and kind not in ("france", "region"):  # those set theirs
        if len(deps) == 1:
            reference_dep = deps[0]
        elif deps:
            pops = geo.populations()
            centre = max(communes, key=lambda c: pops.get(c, 0) or 0)
            reference_dep = _dep_of(centre)
            others = ", ".join(f"{geo.departement_name(d)} ({d})" for d in deps if d != reference_dep)
            notices.append(
                f"Le territoire s'étend sur plusieurs départements ({', '.join(deps)}). "
                f"Département de référence : {geo.departement_name(reference_dep)} ({reference_dep}), "
                f"celui de la ville-centre {geo.commune_name(centre)} ; autre(s) : {others}.")
    region = (str(geo.departements.at[reference_dep, "REG"])
              if reference_dep in geo.departements.index else (regs[0] if regs else None))
    return Territory(kind=kind, code=code, name=name, communes=communes, departements=deps,
                     regions=regs, departement=reference_dep, region=region, geo_year=geo.year,
                     notices=tuple(dict.fromkeys(notices)), spec=spec or code)


def resolve_commune(code: str, notices=()) -> Territory:
    geo = geography()
    if code in geo.arrondissements.index:
        parent = ARRONDISSEMENT_PARENT.get(code)
        t = _from_communes("arrondissement", code, geo.commune_name(code), [code], notices)
        return replace(t, epci=geo.commune_epci.get(parent))
    t = _from_communes("commune", code, geo.commune_name(code), [code], notices)
    return replace(t, epci=geo.commune_epci.get(code))


@functools.lru_cache(maxsize=512)  # every commune of a batch compares itself with its EPCI
def resolve_epci(code: str) -> Territory:
    geo = geography()
    return _from_communes("epci", code, geo.epci_name(code), geo.epci_members[code])


@functools.lru_cache(maxsize=256)
def resolve_departement(code: str) -> Territory:
    geo = geography()
    communes = geo.communes.index[geo.communes["DEP"] == code]
    return _from_communes("departement", code, geo.departement_name(code), communes,
                          reference_dep=code)


@functools.lru_cache(maxsize=32)
def resolve_region(code: str) -> Territory:
    geo = geography()
    communes = geo.communes.index[geo.communes["REG"] == code]
    t = _from_communes("region", code, geo.region_name(code), communes, reference_dep=None)
    return replace(t, departement=None, region=code, notices=())


@functools.lru_cache(maxsize=1)
def france() -> Territory:
    geo = geography()
    t = _from_communes("france", "FR", "France", geo.communes.index, reference_dep=None)
    return replace(t, departement=None, region=None, notices=())


# ---------------------------------------------------------------------------
# resolve()
# ---------------------------------------------------------------------------
_COMMUNE_CODE = re.compile(r"(\d{5}|2[AB]\d{3})")
_DEP_CODE = re.compile(r"(\d{2}|2[AB]|97\d)")
_PREFIXED = re.compile(r"(?P<kind>com|commune|epci|dep|departement|reg|region)\s*[:=]\s*(?P<code>\S+)", re.I)


def resolve(query: str | Path | Territory) -> Territory:
    """Resolve a territory from a code, a name or a perimeter file.

    >>> resolve("61001").name
    'Alençon'
    >>> resolve("246100663").communes[:2]
    ('61001', '61002')
    """
    if isinstance(query, Territory):
        return query
    text = str(query).strip()
    if not text:
        raise TerritoryNotFound("Aucun territoire indiqué.",
                                "Donnez un code INSEE, un SIREN d'EPCI, un nom ou un fichier de périmètre.")
    if len(text) > MAX_NAME_LENGTH:
        raise TerritoryNotFound(
            f"Le territoire demandé est trop long ({len(text)} caractères, {MAX_NAME_LENGTH} au plus) : "
            f"« {text[:40]}… ».",
            "Donnez un code INSEE, un SIREN d'EPCI, un nom de territoire ou un fichier de périmètre.")
    path = perimeter_path(text)
    if path is not None:
        return load_perimeter(path)
    geo = geography()
    upper = text.upper()
    if upper in ("FR", "FRANCE", "FRA"):
        return france()
    prefixed = _PREFIXED.fullmatch(text)
    if prefixed:
        kind, code = prefixed["kind"].lower()[:3], prefixed["code"].upper()
        if kind == "reg":
            return _checked(code, "region", "La région", resolve_region)
        if kind == "dep":
            return _checked(code, "departement", "Le département", resolve_departement)
        return resolve(code)
    if re.fullmatch(r"\d{9}", text):
        if text in geo.epci_members:
            return resolve_epci(text)
        raise TerritoryNotFound(
            f"Aucune intercommunalité n'a le SIREN {text} (EPCI au 1er janvier {geo.epci_year}).",
            _closest_codes(text, list(geo.epci_members), "epci"))
    if _COMMUNE_CODE.fullmatch(upper):
        return _commune_by_code(upper)
    if _DEP_CODE.fullmatch(upper):
        return _checked(upper, "departement", "Le département", resolve_departement)
    return _by_name(text)


def _checked(code: str, kind: str, what: str, build) -> Territory:
    geo = geography()
    table = geo.departements if kind == "departement" else geo.regions
    if code in table.index:
        return build(code)
    raise TerritoryNotFound(f"{what} « {code} » n'existe pas dans le COG {geo.year}.",
                            _closest_codes(code, list(table.index), kind))


def _commune_by_code(code: str) -> Territory:
    geo = geography()
    if code in geo.communes.index or code in geo.arrondissements.index:
        return resolve_commune(code)
    hist = history()
    delegated = geo.delegated[geo.delegated["COM"] == code]
    successors = [c for c in hist.successors(code) if c in geo.communes.index]
    if not successors and not delegated.empty:
        successors = [str(delegated["COMPARENT"].iloc[0])]
    if len(successors) == 1:
        new = successors[0]
        old_name = hist.former_name(code) or (delegated["LIBELLE"].iloc[0] if not delegated.empty else code)
        notice = (f"La commune {old_name} ({code}) n'existe plus dans le COG {geo.year} : elle a été "
                  f"intégrée à {geo.commune_name(new)} ({new}). Le diagnostic porte sur {geo.commune_name(new)}.")
        later = _known_in_later_geography(code)
        if later:
            notice += (f" Attention : ce code a été réattribué à une autre commune dans une géographie "
                       f"plus récente ({later}) ; si c'est elle que vous visez, ajoutez au miroir le COG "
                       f"correspondant.")
        return resolve_commune(new, notices=(notice,))
    if len(successors) > 1:
        names = ", ".join(f"{geo.commune_name(c)} ({c})" for c in successors)
        raise AmbiguousTerritory(
            f"La commune {code} a été scindée : elle correspond aujourd'hui à {names}.",
            "Indiquez l'un de ces codes, ou un fichier de périmètre qui les réunit.")
    later = _known_in_later_geography(code)
    if later:
        raise TerritoryNotFound(
            f"Le code commune {code} n'existe pas dans le COG {geo.year} utilisé par le kit ; "
            f"il apparaît dans un fichier en géographie plus récente ({later}).",
            f"Ajoutez au miroir le COG correspondant (v_commune_AAAA.csv et v_mvtcommune_AAAA.csv) "
            f"ou utilisez l'ancien code de la commune.")
    raise TerritoryNotFound(f"Aucune commune n'a le code {code} (COG {geo.year}).",
                            _closest_codes(code, list(geo.communes.index), "commune"))


def _known_in_later_geography(code: str) -> str | None:
    """Citation of a file in a later geography than the COG that knows ``code``."""
    geo = geography()
    for ds in find("filosofi", level="COM", required=False):
        if ds.geo_year > geo.year and code in set(store.load(ds)["CODGEO"]):
            return ds.source_label
    return None


def _closest_codes(code: str, codes: list[str], kind: str) -> str:
    geo = geography()
    best = process.extract(code, codes, scorer=fuzz.ratio, limit=5)
    label = {"commune": geo.commune_name, "epci": geo.epci_name,
             "departement": geo.departement_name, "region": geo.region_name}[kind]
    items = [f"{c} ({label(c)})" for c, score, _ in best if score >= 50]
    return ("Codes les plus proches : " + ", ".join(items) + ".") if items else \
        "Vérifiez le code (code INSEE à 5 caractères, SIREN d'EPCI à 9 chiffres)."


def _by_name(text: str) -> Territory:
    geo = geography()
    index = geo.name_index
    key = normalise(text)
    for alias in (False, True):
        hits = index[(index["key"] == key) & (index["alias"] == alias)].drop_duplicates(["kind", "code"])
        if len(hits) == 1:
            return _from_hit(hits.iloc[0])
        if len(hits) > 1:
            listing = "\n".join(f"  - {d}" for d in hits["display"].head(15))
            raise AmbiguousTerritory(f"Plusieurs territoires s'appellent « {text} » :\n{listing}",
                                     "Précisez le code INSEE ou le SIREN du territoire voulu.")
    choices = index["key"].tolist()
    best = process.extract(key[:FUZZY_KEY_LENGTH], choices, scorer=fuzz.WRatio, limit=8)
    seen, suggestions = set(), []
    for _, score, pos in best:
        row = index.iloc[pos]
        if (row["kind"], row["code"]) not in seen and score >= 60:
            seen.add((row["kind"], row["code"]))
            suggestions.append(f"  - {row['display']}")
    hint = ("Territoires les plus proches :\n" + "\n".join(suggestions[:6])) if suggestions else \
        "Donnez un code INSEE, un SIREN d'EPCI ou vérifiez l'orthographe."
    raise TerritoryNotFound(f"Aucun territoire ne s'appelle « {text} ».", hint)


def _from_hit(row) -> Territory:
    kind, code = row["kind"], row["code"]
    return {"commune": resolve_commune, "arrondissement": resolve_commune, "epci": resolve_epci,
            "departement": resolve_departement, "region": resolve_region,
            "france": lambda _c: france()}[kind](code)


# ---------------------------------------------------------------------------
# Perimeter and territory-set files
# ---------------------------------------------------------------------------
def perimeter_path(text: str) -> Path | None:
    """The ``*.yaml`` file ``text`` names (None for a code or a name), found as the API finds it."""
    return input_file(text) if is_perimeter_spec(text) else None


def read_yaml(path: Path) -> dict:
    """A perimeter or lot file as a dict; a French :class:`PerimeterError` for anything else.

    Bounded (:mod:`diagnostic.safe_yaml`): a small hostile file fails at once.
    """
    data = load_yaml(path, PerimeterError, "fichier de périmètre",
                     "Un périmètre ou un lot est un petit fichier YAML : une liste de codes (voir "
                     "territories/*.yaml).")
    if not isinstance(data, dict):
        raise PerimeterError(f"Le fichier {path} doit décrire un objet (clés « nom », « communes »...).")
    return data


def is_set_file(path: Path) -> bool:
    data = read_yaml(path)
    return "territoires" in data or "communes_de" in data


def _kind_fr(value) -> str:
    """What a YAML value is, in French, for error messages."""
    if isinstance(value, str):
        return f"un texte (« {value[:40]} »)"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, (int, float)):
        return "un nombre"
    if isinstance(value, dict):
        return "un objet (clé : valeur)"
    if isinstance(value, list):
        return "une liste"
    return "une valeur vide" if value is None else "une valeur d'un autre type"


def _code_list(value, path: Path, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or any(not isinstance(v, (str, int)) or isinstance(v, bool) for v in value):
        raise PerimeterError(f"Dans {path}, « {key} » doit être une liste de codes.")
    return [str(v).strip().zfill(5) if str(v).strip().isdigit() else str(v).strip() for v in value]


_loading = threading.local()


def load_perimeter(path: Path) -> Territory:
    """A custom perimeter: a base territory, plus or minus communes, or a list of communes.

    A perimeter whose ``base`` (or a commune entry) leads back to itself is refused.
    """
    key = str(Path(path).resolve())
    stack = _loading.__dict__.setdefault("stack", [])
    if key in stack:
        raise PerimeterError(f"Le périmètre {Path(path).name} se désigne lui-même (« base » ou « communes »), "
                             "directement ou par un autre fichier.",
                             "Indiquez comme base un EPCI, un département ou un autre périmètre.")
    stack.append(key)
    try:
        return _load_perimeter(Path(path))
    finally:
        stack.pop()


def _load_perimeter(path: Path) -> Territory:
    data = read_yaml(path)
    if "territoires" in data or "communes_de" in data:
        raise PerimeterError(
            f"{path.name} décrit un lot de territoires, pas un périmètre.",
            f"Lancez « diagnostic lot {path} » pour produire un rapport par territoire.")
    name = str(data.get("nom") or path.stem)
    notices: list[str] = []
    communes: set[str] = set()
    if data.get("base") is not None:
        base = resolve(str(data["base"]))
        communes |= set(base.communes)
        # Notices about the base's own extent do not describe the perimeter.
        notices.extend(n for n in base.notices if "plusieurs départements" not in n)
    for code in _code_list(data.get("communes"), path, "communes"):
        communes |= set(resolve(code).communes)
    for code in _code_list(data.get("ajouter"), path, "ajouter"):
        communes |= set(resolve(code).communes)
    for code in _code_list(data.get("retirer"), path, "retirer"):
        removed = set(resolve(code).communes)
        if not removed & communes:
            notices.append(f"La commune {code} à retirer n'appartenait pas au périmètre.")
        communes -= removed
    if not communes:
        raise PerimeterError(f"Le périmètre {path.name} ne contient aucune commune.",
                             "Indiquez « base » (un EPCI...) et/ou une liste « communes ».")
    ref = str(data["reference"]).zfill(2) if data.get("reference") else None
    code = str(data.get("code") or path.stem)
    return _from_communes("perimetre", code, name, communes, notices, reference_dep=ref,
                          spec=str(path))


def load_set(path: str | Path) -> tuple[str, list[str]]:
    """A territory set for batch runs: its name and the list of territory specs."""
    path = perimeter_path(str(path)) if not isinstance(path, Path) else path
    data = read_yaml(path)
    name = str(data.get("nom") or path.stem)
    listed = data.get("territoires")
    if listed is not None and not isinstance(listed, list):
        raise PerimeterError(f"Dans {path.name}, « territoires » doit être une liste (un territoire par ligne "
                             f"« - code »), pas {_kind_fr(listed)}.",
                             'Exemple : territoires: ["61214", "246100663"]')
    bad = [v for v in listed or [] if not isinstance(v, (str, int)) or isinstance(v, bool)]
    if bad:
        raise PerimeterError(f"Dans {path.name}, chaque élément de « territoires » doit être un code, un nom "
                             f"ou un fichier, pas {_kind_fr(bad[0])}.")
    specs = [str(s) for s in (listed or [])]
    if data.get("communes_de") is not None:
        if not isinstance(data["communes_de"], (str, int)) or isinstance(data["communes_de"], bool):
            raise PerimeterError(f"Dans {path.name}, « communes_de » doit être un seul territoire (un code), "
                                 f"pas {_kind_fr(data['communes_de'])}.")
        parent = resolve(str(data["communes_de"]))
        specs.extend(parent.communes)
    if not specs:
        raise PerimeterError(f"Le lot {path.name} ne contient aucun territoire.",
                             "Renseignez « territoires » (liste de codes) ou « communes_de ».")
    return name, specs
