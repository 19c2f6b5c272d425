"""French text helpers: name normalisation for search, slugs, number formatting."""
from __future__ import annotations

import re
import unicodedata

# Number formatting lives in the shared vocabulary; re-exported for the modules that import it here.
from .vocabulary import format_number, format_points, is_missing  # noqa: F401

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

#: Legal-form prefixes of EPCI names, removed to build search aliases.
_EPCI_PREFIX = re.compile(
    r"^(cc|ca|cu|ct|metropole|communaute (de communes|d agglomeration|urbaine)|"
    r"communaute d agglo)( (de la|de l|des|du|de|d))? ")


def normalise(name: str) -> str:
    """``"Pays de L'Aigle"`` -> ``"pays de l aigle"`` (accents, case, punctuation)."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("œ", "oe").replace("æ", "ae")
    text = _NON_ALNUM.sub(" ", text).strip()
    text = re.sub(r"\bst\b", "saint", text)
    text = re.sub(r"\bste\b", "sainte", text)
    return text


def epci_alias(name: str) -> str:
    """Name of an EPCI without its legal form (``CC des Pays de L'Aigle`` -> ``pays de l aigle``)."""
    return _EPCI_PREFIX.sub("", normalise(name))


def slugify(name: str) -> str:
    return normalise(name).replace(" ", "-")[:80] or "territoire"


# ---------------------------------------------------------------------------
# French grammar for generated sentences (findings, synthèse)
# ---------------------------------------------------------------------------
_VOWEL_START = re.compile(r"^[aeiouyhàâéèêëîïôöûùAEIOUYHÀÂÉÈÊËÎÏÔÖÛÙ]")
_PARENTHESES = re.compile(r"\s+\([^)]*\)|,\s*au sens [^,]*$")
_FEMININE_NOUNS = {"part", "densité", "évolution", "taille", "population", "proportion", "médiane"}
_MASCULINE_NOUNS = {"taux", "revenu", "indice", "indicateur", "solde", "nombre", "niveau", "rapport"}


def elide(word: str, following: str) -> str:
    """« de » + « écoles » -> « d'écoles »; « le » + « Orne » -> « l'Orne » (h muet assumed)."""
    if word in ("de", "le", "la", "que") and _VOWEL_START.match(following):
        return word[0] + "'" + following
    return f"{word} {following}"


def plural(count: float, singular: str, plural_form: str | None = None) -> str:
    """« 1 commune », « 3 communes », « 1,5 point » (French: below 2 is singular)."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return word


def count_phrase(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{format_number(count)} {plural(count, singular, plural_form)}"


def join_fr(items: list[str], last: str = "et") -> str:
    """« a », « a et b », « a, b et c »."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def short_label(label: str) -> str:
    """An indicator label without its precisions (parentheses, « , au sens du… »), for sentences."""
    return _PARENTHESES.sub("", label).strip()


def subject(label: str) -> tuple[str, bool]:
    """The grammatical subject made from an indicator label, and whether it is feminine.

    « Part des ménages… » -> (« La part des ménages… », True); « Médecins généralistes pour
    1 000 habitants » -> (« Le nombre de médecins généralistes pour 1 000 habitants », False).
    """
    text = short_label(label)
    text = text[0].lower() + text[1:]
    first = text.split(" ")[0]
    if first in _FEMININE_NOUNS or first in _MASCULINE_NOUNS:
        feminine = first in _FEMININE_NOUNS
        phrase = elide("la" if feminine else "le", text)
    else:  # a plural noun (« Pharmacies pour 1 000 habitants »): counted
        feminine = False
        phrase = "le nombre " + elide("de", text)
    return phrase[0].upper() + phrase[1:], feminine


def with_preposition(phrase: str, preposition: str) -> str:
    """« à » / « de » before a noun phrase, contracted: « au Finistère », « des Landes », « de l'Orne »."""
    for article, contracted in (("le ", {"à": "au ", "de": "du "}), ("les ", {"à": "aux ", "de": "des "})):
        if phrase.startswith(article):
            return contracted[preposition] + phrase[len(article):]
    return f"{preposition} {phrase}"


def agree(adjective: str, feminine: bool) -> str:
    """« supérieur » -> « supérieure » for a feminine subject."""
    return adjective + "e" if feminine and not adjective.endswith("e") else adjective


def format_signed(value, decimals: int = 1, unit: str = "") -> str:
    """« +11,5 % », « −0,25 % par an » (true minus sign), « 0,0 % »."""
    text = format_number(abs(value), decimals, unit)
    rounded = round(value, decimals)
    if rounded > 0:
        return "+" + text
    if rounded < 0:
        return "\u2212" + text
    return text


def clean_vintage(vintage) -> str:
    """« 2019 / 2019 » -> « 2019 »; « 2019 / 2017 » kept; NaN -> ""."""
    if is_missing(vintage):
        return ""
    parts = list(dict.fromkeys(p.strip() for p in str(vintage).split("/") if p.strip()))
    return " / ".join(parts)
