"""Axes of a convention: the candidate axes, the shipped CTG files, French errors."""
import json
import subprocess
import sys

import pytest

from diagnostic import axes, catalogue, findings, indicators
from diagnostic.errors import ConfigurationError
from conftest import ROOT

LAIGLE_AXES = ROOT / "territories" / "axes-ctg-pays-de-laigle.yaml"
FOUR_AXES = ROOT / "territories" / "axes-ctg-4-axes.yaml"


def test_candidate_axes_cover_the_catalogue():
    used = {a for ind in catalogue.catalogue().values() for a in ind.axes}
    assert used <= set(axes.CANDIDATE_AXES)
    assert findings.AXES == axes.CANDIDATE_AXES
    assert axes.default().ids[-1] == axes.OTHER_ID


def test_shipped_files_load_with_their_titles():
    laigle = findings.load_axes(LAIGLE_AXES)
    assert [a.titre for a in laigle.axes] == [
        "Renforcer l'attractivité des services à la population et la cohérence des interventions",
        "Poursuivre le développement d'une politique de soutien à la parentalité",
        "Assurer l'accès aux services de proximité pour tous et soutenir les initiatives locales"]
    four = findings.load_axes(FOUR_AXES)
    assert len(four.axes) == 4 and four.axes[2].titre == "Accompagner le vieillissement"


def test_primary_axis_is_the_most_specific_match():
    four = findings.load_axes(FOUR_AXES)
    # indicator named by axis 2 beats the theme « mobilite » of the same axis and « familles » of axis 1
    assert four.assign("part_menages_sans_voiture", "mobilite", "ecart_reference") == \
        ("acces_services_vulnerables", ())
    # a theme taken by one axis, an indicator named by another: the indicator wins, the theme is a tag
    assert four.assign("taux_mortalite", "demographie", "ecart_reference") == \
        ("vieillissement", ("lien_social_animation",))
    assert four.assign("part_0_14_ans", "enfance_jeunesse", "tendance")[0] == "familles_enfance_jeunesse"
    assert four.assign("x", "inconnu", "ecart_reference") == (axes.OTHER_ID, ())
    # candidate axes: the catalogue's first axis is primary, the others are tags
    assert axes.default().assign("taux_pauvrete", "revenus", "ecart_reference",
                                 ("acces_droits_services", "insertion")) == \
        ("acces_droits_services", ("insertion",))


def test_every_finding_under_one_laigle_axis_or_other():
    table = indicators.compute("200068468")
    df = findings.compute(table, axes=LAIGLE_AXES)
    allowed = {"attractivite_services", "soutien_parentalite", "acces_services_proximite", axes.OTHER_ID}
    assert not df.empty and set(df["axis"]) <= allowed
    assert df["key"].is_unique
    assert list(dict.fromkeys(df["axis"])) == sorted(set(df["axis"]), key=list(findings.load_axes(
        LAIGLE_AXES).ids).index)


@pytest.mark.parametrize("text, message", [
    ("- id: a\n  titre: [\n", "n'est pas un YAML valide"),
    ("[]\n", "une liste d'axes est attendue"),
    ("axes: 1\n", "une liste d'axes est attendue"),
    ("- id: a\n  titre: A\n  themes: [inconnu]\n", "axe « a » : thème inconnu(s) dans « themes » : inconnu"),
    ("- id: a\n  titre: A\n  indicateurs: [taux_pauvrete, absent]\n", "indicateur inconnu(s) dans « indicateurs » : absent"),
    ("- id: a\n  titre: A\n  kinds: [rumeur]\n", "type de constat inconnu(s) dans « kinds » : rumeur"),
    ("- id: a\n  titre: A\n", "ne retient aucun thème"),
    ("- titre: A\n  themes: [revenus]\n", "axe n° 1 : « id » manquant"),
    ("- id: a\n  themes: [revenus]\n", "« titre » manquant"),
    ("- id: a\n  titre: A\n  themes: [revenus]\n- id: a\n  titre: B\n  themes: [caf]\n", "en double"),
    ("- id: a\n  titre: A\n  theme: [revenus]\n", "clé(s) inconnue(s) : theme"),
])
def test_invalid_axes_files(tmp_path, text, message):
    path = tmp_path / "axes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError) as exc:
        findings.load_axes(path)
    assert message in str(exc.value) and str(path) in str(exc.value)


def test_binary_axes_file(tmp_path):
    path = tmp_path / "axes.yaml"
    path.write_bytes(b"\x00\xff\xfe\x89PNG")
    with pytest.raises(ConfigurationError, match="pas un fichier texte"):
        findings.load_axes(path)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "diagnostic.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_cli_enjeux_json_with_the_convention_axes():
    run = _cli("enjeux", "200068468", "--axes", str(LAIGLE_AXES), "--format", "json")
    assert run.returncode == 0, run.stderr
    records = json.loads(run.stdout)
    assert records and {"id", "kind", "axis", "secondary_axes", "status", "sentence", "value",
                        "reference_level", "reference_value", "gap", "unit", "source", "vintage"} <= set(records[0])
    assert {r["axis"] for r in records} <= {"attractivite_services", "soutien_parentalite",
                                           "acces_services_proximite", axes.OTHER_ID}
    assert len({r["key"] for r in records}) == len(records)


def test_cli_bad_axes_file_is_a_french_error(tmp_path):
    path = tmp_path / "axes.yaml"
    path.write_text("- id: a\n  titre: A\n  themes: [inconnu]\n", encoding="utf-8")
    run = _cli("enjeux", "61214", "--axes", str(path))
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert "thème inconnu" in run.stderr and str(path) in run.stderr
