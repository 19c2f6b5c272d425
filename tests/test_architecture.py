"""The shape of the engine: no import cycle, small modules, sources found by the
registry, one vocabulary, one options object, one switch for the caches."""
import ast
import pkgutil
import sys
from pathlib import Path

import pytest

import diagnostic
from diagnostic import config, data, sources, territory, vocabulary

PACKAGE = Path(diagnostic.__file__).parent

#: Modules of the engine (the report, batch, CLI, exports and findings have their own owners).
ENGINE = ["caches.py", "catalogue.py", "config.py", "data.py", "geography.py", "kinds.py", "store.py",
          "text.py", "vocabulary.py", "indicators", "sources"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _engine_files() -> list[Path]:
    out = []
    for name in ENGINE:
        path = PACKAGE / name
        out.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return out


def _module_imports(path: Path) -> set[str]:
    """Kit modules imported at module level (``if TYPE_CHECKING:`` blocks excluded)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("diagnostic"))
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
            if not target or not target.startswith("diagnostic"):
                continue
            for alias in node.names:  # `from . import data` imports the module data
                sub = f"{target}.{alias.name}"
                out.add(sub if (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists()
                        or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else target)
    out.discard(module)
    return out


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_engine_modules():
    graph = {}
    for path in _engine_files():
        name = _module_name(path)
        # A package's __init__ runs before its modules: importing a submodule imports the package.
        deps = _module_imports(path)
        graph[name] = {d for d in deps if d != name}
    engine = set(graph)
    graph = {k: {d for d in v if d in engine and not k.startswith(d + ".")} for k, v in graph.items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_function_level_imports_in_the_engine_say_why():
    for path in _engine_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        assert "#" in lines[inner.lineno - 1], f"{path.name}:{inner.lineno}"


def test_engine_modules_are_small():
    sizes = {path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
             for path in _engine_files()}
    assert max(sizes.values()) <= 500, max(sizes, key=sizes.get)


def test_sources_never_import_territories():
    for path in (PACKAGE / "sources").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(n.split(".")[-1] == "territory" for n in names), path.name


def test_every_source_module_is_imported_by_the_package():
    for info in pkgutil.iter_modules(sources.__path__):
        if info.name not in sources.NOT_PRODUCTS:
            assert f"diagnostic.sources.{info.name}" in sys.modules, info.name
    assert "diagnostic.sources.geometries" not in {type(p).__module__ for p in sources.REGISTRY.values()}
    assert "communes_nouvelles" not in sources.REGISTRY  # registered but never read: removed


def test_a_key_registered_twice_is_refused():
    from diagnostic.errors import ConfigurationError
    from diagnostic.sources.base import Product, register

    with pytest.raises(ConfigurationError, match="« comparateur » enregistré deux fois"):
        register(type("Copie", (Product,), {"key": "comparateur"}))
    assert type(sources.REGISTRY["comparateur"]).__name__ != "Copie"


def test_vocabulary_is_defined_once():
    for path in _engine_files() + [PACKAGE / "charts.py", PACKAGE / "maps.py", PACKAGE / "territory.py"]:
        if path.name == "vocabulary.py":
            continue
        text = path.read_text(encoding="utf-8")
        for copy in ('"75056": tuple', "LEVEL_FR = {", "LEVELS_FR", "MONTHS_FR = [", 'PALETTE = ["',
                     'return "n.d."'):
            assert copy not in text, f"{path.name}: {copy}"
    assert vocabulary.format_value(float("nan"), 1, "%") == "n.d."
    assert vocabulary.format_value(12.345, 1, "%") == "12,3\u00a0%"
    assert vocabulary.date_fr(__import__("datetime").date(2024, 1, 1)) == "1er janvier 2024"
    assert vocabulary.ARRONDISSEMENT_PARENT["75112"] == "75056" and len(vocabulary.PLM["13055"]) == 16


def test_options_are_set_once_and_do_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    # configure() exports the mirror to the environment: monkeypatch restores it afterwards.
    monkeypatch.setenv("DIAGNOSTIC_MIROIR", str(config.mirror_dir()))
    mirror = tmp_path / "miroir"
    mirror.mkdir()
    try:
        config.configure(mirror=mirror, offline=True, jobs=3)
        assert config.mirror_dir() == mirror.resolve() and config.offline() and config.jobs() == 3
        monkeypatch.chdir(tmp_path)
        assert config.options().mirror == mirror.resolve()
    finally:
        config.configure(mirror=None, offline=None, jobs=None)
    with pytest.raises(TypeError):
        config.configure(miroir=mirror)


def test_clear_caches_empties_every_cache():
    territory.resolve("61214")
    data.commune_table("comparateur")
    assert territory.geography.cache_info().currsize == 1 and data._requests
    diagnostic.clear_caches()
    assert territory.geography.cache_info().currsize == 0 and not data._requests

    from diagnostic import indicators

    indicators.compute("61214", ids=["population"], references=False)
    plans = sys.modules["diagnostic.indicators.plan"]._plans
    assert plans
    diagnostic.clear_caches()
    assert not plans
