"""Bad input fails fast with a French error and the documented exit code (issue 11)."""
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import MIRROR, ROOT
from diagnostic import batch, errors
from diagnostic.errors import PerimeterError, TerritoryNotFound, UsageError
from diagnostic.territory import MAX_NAME_LENGTH, load_set, read_yaml, resolve


def run(*args, cwd=ROOT, stdin=None):
    proc = subprocess.run([sys.executable, "-m", "diagnostic.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=300, stdin=stdin)
    assert "Traceback" not in proc.stderr and "Erreur inattendue" not in proc.stderr, proc.stderr
    return proc


def write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- YAML files -------------------------------------------------------------------------------
BOMB = "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9) if p else ', '.join(['lol'] * 9)}]\n"
               for p, c in zip([None, *"abcdefgh"], "abcdefghi"))


def test_alias_bomb_fails_fast(tmp_path):
    bomb = tmp_path / "bombe.yaml"
    bomb.write_text(BOMB)
    assert len(BOMB) < 500
    with pytest.raises(PerimeterError, match="limites"):
        read_yaml(bomb)


def test_deep_nesting_and_size_are_limited(tmp_path):
    deep = tmp_path / "profond.yaml"
    deep.write_text("a: " + "[" * 200 + "]" * 200)
    with pytest.raises(PerimeterError, match="imbrication"):
        read_yaml(deep)
    big = tmp_path / "gros.yaml"
    big.write_text("nom: x\ncommunes: [" + ", ".join(['"61214"'] * 200_000) + "]\n")
    with pytest.raises(PerimeterError, match="octets"):
        read_yaml(big)


def test_binary_yaml_is_a_french_error(tmp_path):
    binary = tmp_path / "binaire.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    proc = run("territoire", binary)
    assert proc.returncode == errors.EXIT_USAGE and "n'est pas un fichier texte" in proc.stderr


def test_binary_or_bomb_thresholds_file(tmp_path):
    binary = tmp_path / "seuils.yaml"
    binary.write_bytes(bytes(range(256)))
    proc = run("enjeux", "61214", "--seuils", binary)
    assert proc.returncode == errors.EXIT_USAGE and "fichier de seuils" in proc.stderr
    binary.write_text(BOMB)
    proc = run("enjeux", "61214", "--seuils", binary)
    assert proc.returncode == errors.EXIT_USAGE and "limites" in proc.stderr


def test_territoires_as_a_string_is_refused(tmp_path):
    lot = write(tmp_path / "lot.yaml", 'nom: essai\nterritoires: "61214"\n')
    with pytest.raises(PerimeterError, match="doit être une liste"):
        load_set(lot)
    assert batch.expand([str(lot)])[1] == []  # in a lot: one failure, never five territories
    proc = run("territoire", lot)
    assert proc.returncode == errors.EXIT_USAGE and "« territoires » doit être une liste" in proc.stderr


def test_perimeter_based_on_itself(tmp_path):
    me = write(tmp_path / "moi.yaml", f"nom: boucle\nbase: {tmp_path / 'moi.yaml'}\n")
    proc = run("territoire", me)
    assert proc.returncode == errors.EXIT_USAGE and "se désigne lui-même" in proc.stderr
    a = write(tmp_path / "a.yaml", f"nom: a\nbase: {tmp_path / 'b.yaml'}\n")
    write(tmp_path / "b.yaml", f"nom: b\nbase: {a}\n")
    with pytest.raises(PerimeterError, match="se désigne lui-même"):
        resolve(str(a))


# --- names ------------------------------------------------------------------------------------
def test_long_names_are_refused_at_once():
    with pytest.raises(TerritoryNotFound, match="trop long"):
        resolve("x" * 100_000)
    with pytest.raises(TerritoryNotFound, match="Aucun territoire"):  # the limit itself is searched
        resolve("saint denix " + "y" * (MAX_NAME_LENGTH - 12))


# --- command line -----------------------------------------------------------------------------
def test_global_options_after_the_subcommand(tmp_path):
    proc = run("territoire", "61214", "--miroir", MIRROR, "--cache", tmp_path / "stock")
    assert proc.returncode == 0 and "L'Aigle" in proc.stdout


@pytest.mark.parametrize("option", ["--miroir", "--cache"])
def test_missing_or_file_folders_are_refused(tmp_path, option):
    a_file = tmp_path / "fichier"
    a_file.write_text("x")
    proc = run(option, a_file, "territoire", "61214")
    assert proc.returncode == errors.EXIT_USAGE and "est un fichier, pas un dossier" in proc.stderr
    if option == "--miroir":
        proc = run("territoire", "61214", option, tmp_path / "absent")
        assert proc.returncode == errors.EXIT_USAGE and "n'existe pas" in proc.stderr


@pytest.mark.parametrize("jobs", ["0", "-1", "deux"])
def test_jobs_must_be_positive(jobs):
    proc = run("lot", "61214", "--jobs", jobs)
    assert proc.returncode == errors.EXIT_USAGE and "nombre entier positif" in proc.stderr


def test_empty_lot_is_refused():
    proc = run("lot", "")
    assert proc.returncode == errors.EXIT_USAGE and "Aucun territoire indiqué" in proc.stderr


def test_scheduler_address_checked_before_connecting():
    with pytest.raises(UsageError):
        batch.check_scheduler_address("not an address")
    assert batch.check_scheduler_address("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert batch.check_scheduler_address("localhost:8786") == "localhost:8786"
    proc = run("lot", "61214", "--moteur", "dask", "--planificateur", "not an address")
    assert proc.returncode == errors.EXIT_USAGE and "n'est pas une adresse" in proc.stderr


def test_unknown_territory_has_its_exit_code():
    proc = run("territoire", "61999")
    assert proc.returncode == errors.EXIT_TERRITORY


def test_rapport_output_naming_a_file(tmp_path):
    a_file = tmp_path / "f.txt"
    a_file.write_text("x")
    proc = run("rapport", "61214", "--sortie", a_file)
    assert proc.returncode == errors.EXIT_USAGE and "fichier existant, pas un dossier" in proc.stderr


@pytest.mark.parametrize("target", ["dossier", "/dev/full", "tube"])
def test_sortie_on_special_files(tmp_path, target):
    if target == "dossier":
        target = tmp_path
    elif target == "tube":
        target = tmp_path / "tube"
        os.mkfifo(target)
    proc = run("indicateurs", "61214", "--format", "csv", "--sortie", target)
    assert proc.returncode == errors.EXIT_WRITE and proc.stderr.startswith("Erreur : ")
    assert not os.path.isfile(target)


def test_broken_pipe_is_quiet():
    command = f'{sys.executable} -m diagnostic.cli donnees | head -n 1; echo "code=${{PIPESTATUS[0]}}" >&2'
    proc = subprocess.run(command, shell=True,
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          executable="/bin/bash")
    assert proc.stdout.startswith("Miroir") and "code=141" in proc.stderr
    assert "Traceback" not in proc.stderr and "Erreur" not in proc.stderr and "Exception" not in proc.stderr


def test_one_bad_file_among_the_lot_is_one_failure(tmp_path):
    bad = tmp_path / "invalide.yaml"
    bad.write_bytes(b"\x00\x01")
    name, specs, failures = batch.expand(["61214", str(bad), str(tmp_path / "absent.yaml"), ""])
    assert specs == ["61214"]
    assert [spec for spec, _ in failures] == [str(bad), str(tmp_path / "absent.yaml"), "(vide)"]
    assert "n'est pas un fichier texte" in failures[0][1]
