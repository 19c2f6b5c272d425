"""The catalogue: validation at load, id lists, extra entries with no code change."""
import json

import pytest

from diagnostic import catalogue, clear_caches, export, indicators, kinds
from diagnostic.errors import ConfigurationError
from diagnostic.sources import REGISTRY

from rawdata import comparateur, comparateur_sum, epci_composition_2021

MORLAIX = "242900835"

#: A new indicator written only in YAML: households per 1 000 inhabitants.
EXTRA = """
- id: essai_menages_pour_mille
  theme: familles
  label: Ménages pour 1 000 habitants (essai)
  unit: pour 1 000 hab.
  decimals: 1
  polarity: neutre
  axes: [parentalite]
  calcul:
    - {source: comparateur, kind: ratio, numerator: "P{aa}_MEN", denominator: "P{aa}_POP", scale: 1000}
"""


def _entry(**changes):
    raw = {"id": "essai", "theme": "logement", "label": "Essai", "unit": "%",
           "calcul": [{"source": "comparateur", "numerator": "P18_LOG", "denominator": "P18_RP"}]}
    raw.update(changes)
    return raw


@pytest.fixture
def extra_catalogue(tmp_path, monkeypatch):
    path = tmp_path / "local.yaml"
    path.write_text(EXTRA, encoding="utf-8")
    monkeypatch.setenv(catalogue.EXTRA_ENV, str(path))
    clear_caches()
    yield path
    monkeypatch.delenv(catalogue.EXTRA_ENV, raising=False)
    clear_caches()


def test_a_yaml_entry_reaches_the_table_the_exports_and_the_maps(extra_catalogue, tmp_path):
    ident = "essai_menages_pour_mille"
    assert ident in catalogue.catalogue()
    table = indicators.compute(MORLAIX)
    rows = table[table["id"] == ident].set_index("level")
    codes = epci_composition_2021()[MORLAIX]
    expected = 1000 * comparateur_sum(codes, "P18_MEN") / comparateur_sum(codes, "P18_POP")
    assert rows.loc["territoire", "value"] == pytest.approx(expected)
    assert set(rows.index) == {"territoire", "departement", "region", "france"}
    assert rows.loc["territoire", "unit"] == "pour 1 000 hab." and "comparateur" in rows.loc["territoire", "source"]

    export.write(table, "csv", tmp_path / "t.csv")
    export.write(table, "json", tmp_path / "t.json")
    assert "Ménages pour 1 000 habitants (essai)" in (tmp_path / "t.csv").read_text(
        encoding="utf-8-sig")
    records = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert any(r["id"] == ident for r in records)

    per_commune = indicators.commune_values(MORLAIX, ident).set_index("code")["value"]
    raw = comparateur()["29151"]
    assert per_commune["29151"] == pytest.approx(1000 * float(raw["P18_MEN"]) / float(raw["P18_POP"]))


def test_without_the_extra_file_the_entry_is_gone(extra_catalogue, monkeypatch):
    monkeypatch.delenv(catalogue.EXTRA_ENV)
    assert "essai_menages_pour_mille" not in catalogue.catalogue()


def test_load_takes_extra_files_as_a_parameter(extra_catalogue):
    assert "essai_menages_pour_mille" in catalogue.load((str(extra_catalogue),))


def test_an_extra_entry_cannot_reuse_a_shipped_id(tmp_path):
    path = tmp_path / "double.yaml"
    path.write_text(EXTRA.replace("essai_menages_pour_mille", "population"), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="double.yaml, indicateur « population » : identifiant en double"):
        catalogue.load((str(path),))


@pytest.mark.parametrize("changes, message", [
    ({"calcul": [{"source": "comparateur", "numerator": "A", "kind": "densite"}]},
     "indicateur « essai » : type de calcul inconnu « densite »"),
    ({"calcul": [{"source": "recensement_2030", "numerator": "A"}]},
     "indicateur « essai » : source « recensement_2030 » inconnue"),
    ({"calcul": [{"source": "comparateur", "numerator": "A", "denominator": "B",
                  "denominator_source": "caf"}]},
     "indicateur « essai » : source « caf » inconnue"),
    ({"unit": "pourcent"}, "indicateur « essai » : unité inconnue « pourcent »"),
    ({"theme": "meteo"}, "indicateur « essai » : thème inconnu « meteo »"),
    ({"axes": ["sport"]}, "indicateur « essai » : axe\\(s\\) CTG inconnu\\(s\\) : sport"),
    ({"calcul": [{"source": "caf_iris", "numerator": "A", "kind": "evolution"}]},
     "indicateur « essai » : un calcul « evolution » demande « base_vintage »"),
])
def test_invalid_entries_are_french_errors_naming_the_entry(changes, message):
    with pytest.raises(ConfigurationError, match=message):
        catalogue.parse([_entry(**changes)], "local.yaml")


def test_every_catalogue_source_is_a_registered_product():
    for ind in catalogue.catalogue().values():
        for method in ind.methods:
            assert method.source in REGISTRY, (ind.id, method.source)
            assert method.denominator_source in (None, *REGISTRY), (ind.id, method.denominator_source)
            assert method.kind in kinds.names()


@pytest.mark.parametrize("name", catalogue.ID_LISTS)
def test_every_id_list_names_catalogue_ids(name):
    ids = catalogue.id_list(name)
    assert ids and set(ids) <= set(catalogue.catalogue())


def test_index_columns_keep_their_titles():
    titles = catalogue.list_titles("index_lot")
    assert titles["taux_chomage"] == "Taux de chômage (15-64 ans)"
    assert list(titles) == list(catalogue.id_list("index_lot"))


def test_an_id_list_naming_an_unknown_id_is_refused(tmp_path, monkeypatch):
    text = catalogue.LISTS_PATH.read_text(encoding="utf-8").replace("  - densite\n", "  - densité\n", 1)
    path = tmp_path / "listes.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(catalogue, "LISTS_PATH", path)
    clear_caches()
    try:
        with pytest.raises(ConfigurationError, match="liste « chiffres_cles » : indicateur\\(s\\) absent\\(s\\) "
                                                     "du catalogue : densité"):
            catalogue.catalogue()
    finally:
        monkeypatch.undo()
        clear_caches()


def test_check_ids_names_where_and_the_unknown_id():
    assert catalogue.check_ids(["population"], "la section Démographie") == ("population",)
    with pytest.raises(ConfigurationError, match="dans la section Démographie : populaton"):
        catalogue.check_ids(["populaton"], "la section Démographie")
    with pytest.raises(ConfigurationError, match="Liste d'indicateurs inconnue : « carte »"):
        catalogue.id_list("carte")


def test_header_documents_only_existing_kinds_and_keys():
    header = "".join(line for line in catalogue.CATALOGUE_PATH.read_text(encoding="utf-8").splitlines(True)
                     if line.startswith("#"))
    assert "| density" not in header and "levels " not in header
    for name in kinds.names():
        assert name in header
