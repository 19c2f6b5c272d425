"""Territory resolution on the real COG files of the mirror."""
import pytest

from diagnostic.errors import AmbiguousTerritory, PerimeterError, TerritoryNotFound
from diagnostic.territory import france, load_set, resolve

from rawdata import epci_composition_2021


def test_commune_by_code_and_corsica():
    assert resolve("61001").name == "Alençon"
    t = resolve("2A004")
    assert (t.kind, t.name, t.departement, t.region) == ("commune", "Ajaccio", "2A", "94")


def test_commune_knows_its_epci_and_references():
    t = resolve("61214")
    assert t.epci == "200068468"
    assert [r.label for r in t.references()] == ["Orne (département 61)", "Normandie (région 28)", "France"]


def test_morlaix_communaute_matches_the_2021_composition():
    t = resolve("242900835")
    assert t.kind == "epci" and len(t.communes) == 26
    assert set(t.communes) == set(epci_composition_2021()["242900835"])
    assert "29151" in t.communes


def test_epci_over_two_departements_picks_the_seat_departement():
    t = resolve("246100663")
    assert len(t.communes) == 31
    assert t.departements == ("61", "72")
    assert t.departement == "61" and t.region == "28"
    assert any("plusieurs départements" in n and "Orne (61)" in n for n in t.notices)


@pytest.mark.parametrize("query, code", [
    ("alencon", "61001"), ("ALENÇON", "61001"), ("Pays de L'Aigle", "200068468"),
    ("pays de l'aigle", "200068468"), ("morlaix communaute", "242900835"),
    ("Alès Agglomération", "200066918"), ("Orne", "61"), ("normandie", "28"), ("France", "FR"),
])
def test_names_are_accent_and_case_insensitive(query, code):
    assert resolve(query).code == code


def test_departement_and_region_codes():
    assert resolve("61").kind == "departement"
    assert len(resolve("61").communes) == 385
    assert resolve("reg:28").kind == "region"


def test_merged_commune_resolves_to_its_successor_with_a_notice():
    t = resolve("01039")  # Béon, merged into Culoz-Béon on 1 January 2023
    assert t.code == "01138"
    assert "Béon (01039)" in t.notices[0] and "Culoz-Béon (01138)" in t.notices[0]


def test_unknown_code_lists_closest_matches():
    with pytest.raises(TerritoryNotFound) as err:
        resolve("61999")
    assert "Codes les plus proches" in str(err.value)


def test_unknown_name_suggests_closest_territories():
    with pytest.raises(TerritoryNotFound) as err:
        resolve("Alenconn")
    assert "Alençon (Orne, 61001)" in str(err.value)


def test_ambiguous_name_lists_candidates():
    with pytest.raises(AmbiguousTerritory) as err:
        resolve("Saint-Denis")
    assert "93066" in str(err.value) and "97411" in str(err.value)


def test_code_reused_by_a_later_cog_is_explained():
    # 60694 was Villotran (merged into Les Hauts-Talican in 2019); the code was given to a
    # new commune on 1 January 2024, which Filosofi 2021 (geography 2024) already uses.
    t = resolve("60694")
    assert t.code == "60054"
    assert "géographie plus récente" in t.notices[0] and "Filosofi 2021" in t.notices[0]


def test_paris_lyon_marseille_are_not_double_counted():
    fr = france()
    assert "75056" in fr.communes and "75101" not in fr.communes
    assert "13055" in fr.communes and "69123" in fr.communes
    assert resolve("75112").kind == "arrondissement"


def test_perimeter_files():
    t = resolve("cu-alencon-sans-sarthe.yaml")
    assert len(t.communes) == 26 and t.departements == ("61",)
    t = resolve("pays-de-laigle-signataires.yaml")
    assert t.communes == ("61008", "61214", "61342")


def test_set_file_lists_territories():
    name, specs = load_set("orne-communes.yaml")
    assert name == "Communes de l'Orne" and len(specs) == 385
    with pytest.raises(PerimeterError):
        resolve("orne-communes.yaml")


def test_invalid_perimeter_file(tmp_path):
    bad = tmp_path / "vide.yaml"
    bad.write_text("nom: rien\n")
    with pytest.raises(PerimeterError, match="aucune commune"):
        resolve(str(bad))
    with pytest.raises(PerimeterError, match="introuvable"):
        resolve("absent.yaml")
