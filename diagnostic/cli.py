"""Command line: ``diagnostic <sous-commande>`` (all messages in French).

Errors the user can fix are printed as « Erreur : … » with what to do, and the
process exits with the code of their kind (``errors.EXIT_*``, table in the
README); a traceback is only shown with ``DIAGNOSTIC_DEBUG=1``. Global options
(``--miroir``, ``--cache``) are accepted before or after the sub-command, and
checked before anything runs.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import traceback
from pathlib import Path

from . import __version__, config
from .atomic import is_lot_folder, is_write_error, output_error
from .errors import (EXIT_BATCH, EXIT_INTERRUPTED, EXIT_UNEXPECTED, EXIT_USAGE,
                     DiagnosticError, OutputError, PerimeterError, UsageError)

DEFAULT_TERRITORY = "246100663"  # CU d'Alençon

_ARGPARSE_FR = {
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (possibles : %(choices)s)",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "expected one argument": "une valeur est attendue",
    "invalid %(type)s value: %(value)r": "valeur invalide : %(value)r",
    "usage: ": "utilisation : ",
    "show this help message and exit": "affiche cette aide et quitte",
    "positional arguments": "arguments",
    "options": "options",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
}



#: Help of the --axes option of enjeux, rapport and lot.
AXES_HELP = "axes de la convention (YAML, voir territories/axes-*.yaml ; défaut : axes candidats)"

def _translate_argparse() -> None:
    """argparse's own strings (usage, errors) in French."""
    import gettext

    def fr(message: str) -> str:
        return _ARGPARSE_FR.get(message, message)

    argparse._ = fr  # type: ignore[attr-defined]
    argparse.ngettext = lambda s, p, n: fr(s if n == 1 else p)  # type: ignore[attr-defined]
    gettext.gettext  # keep the import used


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # French, exit code 2, no traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"Erreur : {message}\nAide : {self.prog} --help\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas un nombre entier positif (1, 2, 4…)")
    return value


def _add_global(p: argparse.ArgumentParser, top: bool) -> None:
    """``--miroir`` and ``--cache``: on the main parser, and on each sub-command without default
    (so that a value given before the sub-command is kept)."""
    default = None if top else argparse.SUPPRESS
    p.add_argument("--miroir", metavar="DOSSIER", default=default,
                   help="dossier miroir des fichiers officiels (défaut : $DIAGNOSTIC_MIROIR, "
                        "puis ../shared/data)")
    p.add_argument("--cache", metavar="DOSSIER", default=default,
                   help="dossier du stock local (défaut : ~/.cache/diagnostic)")


def _add_output(p: argparse.ArgumentParser, formats) -> None:
    p.add_argument("--format", choices=formats, default="table",
                   help="format de sortie (défaut : table)")
    p.add_argument("--sortie", metavar="FICHIER", help="écrit le résultat dans FICHIER (écriture atomique)")


def build_parser() -> argparse.ArgumentParser:
    _translate_argparse()
    parser = _Parser(prog="diagnostic",
                     description="Diagnostic territorial reproductible (CTG, pacte de solidarité, "
                                 "projet social de territoire) à partir des données officielles.")
    parser.add_argument("--version", action="version", version=f"diagnostic {__version__}",
                        help="affiche la version")
    _add_global(parser, top=True)
    sub = parser.add_subparsers(dest="commande", metavar="SOUS-COMMANDE", parser_class=_Parser)

    p = sub.add_parser("territoire", help="résout et décrit un territoire",
                       description="Résout un code INSEE, un SIREN d'EPCI, un nom ou un fichier de "
                                   "périmètre, et affiche ses communes et ses références.")
    p.add_argument("requete", metavar="TERRITOIRE", help="code, nom ou fichier territories/*.yaml")

    p = sub.add_parser("donnees", help="liste les données du miroir et du stock",
                       description="Liste les produits officiels trouvés dans le miroir : millésime, "
                                   "géographie, lignes, fichier source.")
    p.add_argument("--ingerer", action="store_true", help="intègre au stock les fichiers pas encore lus")

    p = sub.add_parser("indicateurs", help="calcule les indicateurs et leurs références",
                       description="Indicateurs du territoire, du département, de la région et de la France.")
    p.add_argument("territoire", metavar="TERRITOIRE", nargs="?",
                   help="code, nom ou fichier de périmètre")
    p.add_argument("--pairs", metavar="CODE,CODE", help="territoires de comparaison")
    p.add_argument("--indicateurs", metavar="ID,ID", help="limite aux identifiants donnés")
    p.add_argument("--liste", action="store_true", help="liste les indicateurs du catalogue")
    _add_output(p, ("table", "csv", "json", "xlsx"))

    p = sub.add_parser("enjeux", help="repère les enjeux et les rattache aux axes de la CTG",
                       description="Écarts aux références au-delà des seuils, rédigés en phrases, "
                                   "regroupés par axe candidat de la convention.")
    p.add_argument("territoire", metavar="TERRITOIRE")
    p.add_argument("--pairs", metavar="CODE,CODE", help="territoires de comparaison")
    p.add_argument("--seuils", metavar="FICHIER", help="fichier de seuils YAML (défaut : seuils du kit)")
    p.add_argument("--axes", metavar="FICHIER", help=AXES_HELP)
    _add_output(p, ("table", "csv", "json", "xlsx"))

    p = sub.add_parser("rapport", help="produit le rapport HTML d'un territoire",
                       description="Exécute le notebook de diagnostic (papermill) et le convertit en "
                                   "HTML autonome (nbconvert) sous reports/<territoire>/.")
    p.add_argument("territoire", metavar="TERRITOIRE")
    p.add_argument("--sortie", metavar="DOSSIER", help="dossier de sortie (défaut : reports/)")
    p.add_argument("--pairs", metavar="CODE,CODE", help="territoires de comparaison")
    p.add_argument("--axes", metavar="FICHIER", help=AXES_HELP)

    p = sub.add_parser("lot", help="produit les rapports de plusieurs territoires",
                       description="Rapports de plusieurs territoires en parallèle, page d'index et "
                                   "classeur de comparaison.")
    p.add_argument("territoires", metavar="FICHIER.yaml|CODE", nargs="+")
    p.add_argument("--jobs", type=_positive_int, default=None, metavar="N",
                   help="nombre de rapports produits en parallèle, un noyau Jupyter chacun (défaut : nombre de cœurs)")
    p.add_argument("--force", action="store_true", help="refait aussi les rapports à jour")
    p.add_argument("--sortie", metavar="DOSSIER", help="dossier de sortie (défaut : reports/)")
    p.add_argument("--nom", metavar="NOM", help="nom du lot (défaut : nom du fichier)")
    p.add_argument("--axes", metavar="FICHIER", help=AXES_HELP)
    p.add_argument("--communes", action="store_true",
                   help="un rapport par commune des territoires donnés (ex. : les communes d'un EPCI)")
    p.add_argument("--moteur", choices=("local", "dask"), default="local",
                   help="exécution locale (défaut) ou sur un cluster Dask")
    p.add_argument("--planificateur", metavar="ADRESSE", help="adresse du planificateur Dask")

    sub.add_parser("demo", help="démonstration sur la CU d'Alençon",
                   description="Résout la CU d'Alençon, calcule ses indicateurs et produit son rapport.")
    for subparser in sub.choices.values():
        _add_global(subparser, top=False)
    return parser


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------
def cmd_territoire(args) -> int:
    from .territory import load_set, perimeter_path, read_yaml, resolve

    path = perimeter_path(args.requete)
    if path is not None and ("territoires" in read_yaml(path) or "communes_de" in read_yaml(path)):
        name, specs = load_set(path)
        print(f"Lot « {name} » : {len(specs)} territoires")
        for spec in specs[:50]:
            print(f"  {spec}")
        if len(specs) > 50:
            print(f"  … et {len(specs) - 50} autres")
        return 0
    print(resolve(args.requete).describe())
    return 0


def cmd_donnees(args) -> int:
    from . import store
    from .sources import REGISTRY

    mirror = config.mirror_dir()
    print(f"Miroir : {mirror}{'' if mirror.is_dir() else ' (absent)'}")
    print(f"Stock  : {config.store_dir()}")
    print()
    header = f"{'Fichier':<48} {'Millésime':>9} {'Géo':>5} {'Lignes':>9}  Produit"
    print(header)
    print("-" * (len(header) + 40))
    missing = []
    for key, product in REGISTRY.items():
        datasets = product.datasets()
        if not datasets:
            missing.append(product)
            continue
        for ds in sorted(datasets, key=lambda d: (d.vintage, d.level, d.part)):
            prov = store.read_provenance(ds)
            if args.ingerer and prov is None:
                store.load(ds)
                prov = store.read_provenance(ds)
            rows = f"{prov.rows:>9}" if prov else f"{'—':>9}"
            level = f" [{ds.level}{' ' + ds.part if ds.part else ''}]" if ds.level != "COM" or ds.part else ""
            name = ds.path.name + (f" ({ds.member})" if ds.member else "")
            print(f"{name:<48} {ds.vintage:>9} {ds.geo_year:>5} {rows}  {product.label}{level}")
    if missing:
        print()
        print("Absents du miroir (les indicateurs qui en dépendent sont signalés « non disponible ») :")
        for product in missing:
            print(f"  - {product.label} : « {product.example_name} »")
    if not args.ingerer:
        print()
        print("« — » : pas encore intégré au stock (diagnostic donnees --ingerer).")
    return 0


def cmd_indicateurs(args) -> int:
    from . import export, indicators
    from .catalogue import catalogue

    if args.liste:
        for ind in catalogue().values():
            print(f"{ind.id:<40} {ind.theme_label:<38} {ind.label}")
        return 0
    if not args.territoire:
        raise DiagnosticError("Indiquez un territoire.", "Exemple : diagnostic indicateurs 61001")
    df = indicators.compute(args.territoire, peers=_split(args.pairs),
                            ids=_split(args.indicateurs) or None)
    return _emit(df, args, "indicateurs")


def cmd_enjeux(args) -> int:
    from . import findings, indicators
    from .atomic import write_text
    from .territory import resolve

    thresholds = findings.load_thresholds(args.seuils) if args.seuils else None
    axis_set = findings.load_axes(args.axes) if args.axes else None
    territory = resolve(args.territoire)
    table = indicators.compute(territory, peers=_split(args.pairs))
    df = findings.compute(table, thresholds, axes=axis_set, territory=territory)
    if args.format == "xlsx":
        return _emit(df, args, "enjeux")
    # The findings' own forms: each finding once, the public keys in JSON, French headers in CSV.
    if args.format == "json":
        text = json.dumps(findings.to_records(df), ensure_ascii=False, indent=1) + "\n"
    else:
        text = findings.to_csv_text(df) if args.format == "csv" else findings.to_text(df)
    if args.sortie is None:
        sys.stdout.write(text)
        return 0
    write_text(args.sortie, ("\ufeff" if args.format == "csv" else "") + text)
    print(f"Écrit : {args.sortie}")
    return 0


def _emit(df, args, kind: str) -> int:
    from . import export

    territory = getattr(args, "territoire", None) if kind == "indicateurs" else None
    text = export.write(df, args.format, args.sortie, kind=kind, territory=territory)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(f"Écrit : {args.sortie}")
    return 0


def _output_folder(value: str | None) -> None:
    """``--sortie`` of rapport and lot: a folder (created if needed), not an existing file."""
    if value and Path(value).exists() and not Path(value).is_dir():
        raise UsageError(f"--sortie {value} désigne un fichier existant, pas un dossier.",
                         "Indiquez un dossier (il est créé s'il n'existe pas).")


def cmd_rapport(args) -> int:
    from . import findings, report
    from .territory import resolve

    _output_folder(args.sortie)
    territory = resolve(args.territoire)
    dest = Path(args.sortie or config.reports_dir()) / territory.slug
    if is_lot_folder(dest):  # atomic_dir refuses too; here before a kernel is started
        raise UsageError(f"Le dossier {dest} contient l'index d'un lot : le rapport ne le remplace pas.",
                         "Renommez ou déplacez ce dossier, ou choisissez un autre dossier avec --sortie.")
    if args.axes:  # checked before the kernel starts: a bad file is a French error at once
        findings.load_axes(args.axes)
    result = report.build(territory, output_dir=args.sortie, peers=_split(args.pairs), axes=args.axes)
    print(f"Rapport : {result.html}")
    if result.pdf:
        print(f"PDF : {result.pdf}")
    for note in result.notes:  # e.g. why the PDF could not be printed
        print(note, file=sys.stderr)
    return 0


def cmd_lot(args) -> int:
    from . import batch, findings

    _output_folder(args.sortie)
    if not any(spec.strip() for spec in args.territoires):
        raise UsageError("Aucun territoire indiqué au lot.",
                         "Exemple : diagnostic lot territories/orne-communes.yaml 61001")
    if args.planificateur:
        batch.check_scheduler_address(args.planificateur)
    if args.axes:
        findings.load_axes(args.axes)
    outcome = batch.run(args.territoires, jobs=args.jobs, force=args.force, output_dir=args.sortie,
                        name=args.nom, engine=args.moteur, scheduler=args.planificateur,
                        communes_of=args.communes, axes=args.axes)
    return 0 if not outcome.failures else EXIT_BATCH


def cmd_demo(args) -> int:
    from .territory import resolve

    territory = resolve(DEFAULT_TERRITORY)
    print(territory.describe())
    print()
    try:
        from . import batch, report  # noqa: F401
    except ImportError:
        from . import indicators, export

        sys.stdout.write(export.indicators_text(indicators.compute(territory)))
        return 0
    result = report.build(territory)
    print(f"Rapport de la CU d'Alençon : {result.html}")
    outcome = batch.run([territory.spec], communes_of=True, name="demo-cu-alencon")
    print(f"Lot des communes de la CU d'Alençon : {outcome.index}")
    return 0 if not outcome.failures else 1


COMMANDS = {
    "territoire": cmd_territoire, "donnees": cmd_donnees, "indicateurs": cmd_indicateurs,
    "enjeux": cmd_enjeux, "rapport": cmd_rapport, "lot": cmd_lot, "demo": cmd_demo,
}


def _check_folders(args) -> None:
    """``--miroir`` must be an existing folder; ``--cache`` a folder that can be created and written."""
    if args.miroir is not None:
        mirror = Path(args.miroir).expanduser()
        if not mirror.is_dir():
            what = "est un fichier, pas un dossier" if mirror.exists() else "n'existe pas"
            raise UsageError(f"Le miroir indiqué par --miroir ({args.miroir}) {what}.",
                             "Indiquez le dossier qui contient les fichiers officiels (par exemple "
                             "../shared/data), ou omettez --miroir.")
    if args.cache is not None:
        cache = Path(args.cache).expanduser()
        if cache.exists() and not cache.is_dir():
            raise UsageError(f"Le stock indiqué par --cache ({args.cache}) est un fichier, pas un dossier.",
                             "Indiquez un dossier (il est créé s'il n'existe pas), ou omettez --cache.")
        try:
            cache.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(exc, cache) from None
        if not os.access(cache, os.W_OK | os.X_OK):
            raise OutputError(f"Le stock indiqué par --cache ({args.cache}) n'est pas accessible en écriture.",
                              "Choisissez un dossier où vous pouvez écrire, ou omettez --cache.")


def _broken_pipe() -> int:
    """The reader of our output left (``diagnostic donnees | head``): stop quietly, like ``ls``."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout at exit
    except (OSError, ValueError):
        pass
    return 141  # 128 + SIGPIPE, what a shell reports for a command cut by a closed pipe


def _error(message: str, hint: str | None = None) -> None:
    print(f"Erreur : {message}", file=sys.stderr)
    if hint:
        print(hint, file=sys.stderr)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.commande:
        parser.print_help()
        return EXIT_USAGE
    try:
        _check_folders(args)
        config.set_mirror(args.miroir)
        config.set_cache(args.cache)
        return COMMANDS[args.commande](args)
    except DiagnosticError as exc:
        _error(exc.message, exc.hint)
        return exc.exit_code
    except BrokenPipeError:
        return _broken_pipe()
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except RecursionError:
        exc = PerimeterError("Un fichier de périmètre ou de lot se désigne lui-même, directement ou par "
                             "un autre fichier (« base », « territoires »).",
                             "Corrigez le fichier pour que ses références ne forment pas une boucle.")
        _error(exc.message, exc.hint)
        return exc.exit_code
    except OSError as exc:
        if not is_write_error(exc):
            return _unexpected(exc)
        err = output_error(exc, exc.filename or "la sortie")
        _error(err.message, err.hint)
        return err.exit_code
    except Exception as exc:  # never a traceback for the user
        return _unexpected(exc)


def _unexpected(exc: BaseException) -> int:
    if os.environ.get("DIAGNOSTIC_DEBUG"):
        traceback.print_exception(exc)
    print(f"Erreur inattendue : {type(exc).__name__} : {exc}", file=sys.stderr)
    print("Relancez avec DIAGNOSTIC_DEBUG=1 pour le détail, et signalez le problème.", file=sys.stderr)
    return EXIT_UNEXPECTED


def run() -> None:
    """The ``diagnostic`` command: :func:`main`, then the end of the process."""
    code = main()
    # The process ends: its tables and contours (hundreds of thousands of objects) need no last
    # garbage collection, which would take a quarter of a second at exit.
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
