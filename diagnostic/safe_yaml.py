"""Bounded YAML loading for files a user gives (perimeters, lots, thresholds).

``yaml.safe_load`` builds no objects, but a 500-byte file of nested aliases
(« billion laughs ») still expands into gigabytes, and deep nesting exhausts the
stack. :func:`load_yaml` limits the size of the file, the number of aliases, the
nesting and the number of nodes once aliases are expanded — checked on the
composed graph, before anything is built — and turns every failure (binary
file, syntax error, limits) into the French error class the caller chooses.
"""
from __future__ import annotations

from pathlib import Path

import yaml

MAX_BYTES = 1_000_000
MAX_ALIASES = 100
MAX_DEPTH = 50
MAX_NODES = 200_000


class _Limit(Exception):
    """A file beyond the limits of :class:`_BoundedLoader`."""


class _BoundedLoader(yaml.SafeLoader):
    """Safe loader that counts aliases and nesting while it composes the document."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Limit(f"plus de {MAX_ALIASES} alias (*nom)")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Limit(f"plus de {MAX_DEPTH} niveaux d'imbrication")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded_nodes(node, memo: dict) -> int:
    """Nodes of ``node`` once every alias is expanded (on the shared graph, memoised)."""
    key = id(node)
    if key not in memo:
        memo[key] = 0  # a recursive alias counts once instead of looping
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(_expanded_nodes(k, memo) + _expanded_nodes(v, memo) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(_expanded_nodes(v, memo) for v in node.value)
        else:
            total = 1
        memo[key] = total
    return memo[key]


def _thin(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def load_yaml(path, error: type[Exception], what: str, hint: str):
    """The content of the YAML file ``path``, or ``error(message, hint)`` in French.

    ``what`` names the kind of file in messages (« fichier de périmètre », « fichier de seuils »).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise _Limit("ce n'est pas un fichier ordinaire")
        if size > MAX_BYTES:
            raise _Limit(f"{_thin(size)} octets, {_thin(MAX_BYTES)} au plus")
        raw = path.read_bytes()
        if b"\x00" in raw:
            raise UnicodeDecodeError("utf-8", raw, raw.index(b"\x00"), raw.index(b"\x00") + 1, "octet nul")
        loader = _BoundedLoader(raw.decode("utf-8-sig"))
        try:
            node = loader.get_single_node()
            if node is not None and _expanded_nodes(node, {}) > MAX_NODES:
                raise _Limit(f"plus de {_thin(MAX_NODES)} éléments une fois les alias développés")
            return loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _Limit as exc:
        raise error(f"Le {what} {path} dépasse les limites admises ({exc}).", hint) from None
    except UnicodeDecodeError:
        raise error(f"Le {what} {path} n'est pas un fichier texte (YAML en UTF-8).", hint) from None
    except FileNotFoundError:
        raise error(f"Le {what} {path} est introuvable.", hint) from None
    except (OSError, yaml.YAMLError, RecursionError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise error(f"Le {what} {path} n'est pas un YAML valide ({detail}).", hint) from None
