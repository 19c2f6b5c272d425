"""The command line as a user runs it: French output, exit codes, no traceback."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT


def run(*args, env=None):
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "diagnostic.cli", *args], capture_output=True,
                          text=True, env=full_env, cwd=ROOT)
    assert "Traceback" not in proc.stderr
    return proc


def test_help_is_french():
    proc = run("--help")
    assert proc.returncode == 0 and "utilisation" in proc.stdout and "affiche cette aide" in proc.stdout


def test_territoire_prints_communes():
    proc = run("territoire", "morlaix communaute")
    assert proc.returncode == 0
    assert "CA Morlaix Communauté" in proc.stdout and "29151 Morlaix" in proc.stdout


def test_unknown_code_exits_non_zero_with_suggestions():
    proc = run("territoire", "61999")
    assert proc.returncode != 0 and proc.stderr.startswith("Erreur : ") and "proches" in proc.stderr


def test_missing_mirror_file_is_explained(tmp_path):
    proc = run("--miroir", str(tmp_path), "--cache", str(tmp_path / "c"), "territoire", "61001")
    assert proc.returncode == 3
    assert "v_commune_2023.csv" in proc.stderr and str(tmp_path) in proc.stderr


def test_indicateurs_json_interface(tmp_path):
    out = tmp_path / "ind.json"
    proc = run("indicateurs", "61214", "--format", "json", "--sortie", str(out))
    assert proc.returncode == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    keys = {"id", "theme", "label", "unit", "level", "code", "value", "source", "vintage", "note"}
    assert keys <= set(rows[0])
    pop = [r for r in rows if r["id"] == "population" and r["level"] == "territoire"][0]
    assert pop["value"] == 8019 and pop["code"] == "61214"
    assert {r["level"] for r in rows} == {"territoire", "departement", "region", "france"}
    assert any(r["value"] is None and r["note"] for r in rows)


def test_indicateurs_xlsx_has_one_sheet_per_theme(tmp_path):
    out = tmp_path / "ind.xlsx"
    assert run("indicateurs", "246100663", "--format", "xlsx", "--sortie", str(out)).returncode == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"Démographie", "Logement", "Sources et notes"} <= set(sheets)
    logement = sheets["Logement"].set_index("Identifiant")
    assert logement.loc["part_logements_vacants", "CU d'Alençon"] == pytest.approx(9.4245, abs=1e-3)
    assert "Indicateur" in logement.columns and "Source" in logement.columns


def test_enjeux_csv_and_bad_threshold_file(tmp_path):
    proc = run("enjeux", "246100663", "--format", "csv")
    assert proc.returncode == 0 and "part_logements_vacants" in proc.stdout
    bad = tmp_path / "seuils.yaml"
    bad.write_text("defaut: {ecart_points: -2, ecart_relatif: 0.1}\n")
    proc = run("enjeux", "246100663", "--seuils", str(bad))
    assert proc.returncode != 0 and "nombre positif" in proc.stderr


def test_unknown_indicator_and_subcommand():
    proc = run("indicateurs", "61214", "--indicateurs", "populaton")
    assert proc.returncode != 0 and "« populaton »" in proc.stderr
    proc = run("inconnue")
    assert proc.returncode == 2 and "choix invalide" in proc.stderr


def test_donnees_lists_products():
    proc = run("donnees")
    assert proc.returncode == 0
    assert "Comparateur de territoires" in proc.stdout and "2018" in proc.stdout
