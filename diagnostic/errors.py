"""Exceptions of the kit and the exit codes of the ``diagnostic`` command.

Every error a user can trigger is a :class:`DiagnosticError` whose message is
French and says what to do; the CLI prints it without a traceback and exits
with the exception's ``exit_code`` (the table is in the README).
"""
from __future__ import annotations

#: Exit codes of the command line (README, « Codes de sortie »).
EXIT_OK = 0
EXIT_UNEXPECTED = 1  # a bug: « Erreur inattendue », to report
EXIT_USAGE = 2  # bad option, argument or input file (perimeter, lot, seuils)
EXIT_DATA = 3  # an official file missing, unreadable or damaged
EXIT_REPORT = 4  # a report could not be produced
EXIT_TERRITORY = 5  # unknown or ambiguous territory
EXIT_BATCH = 6  # a lot where at least one territory failed (the others are produced)
EXIT_WRITE = 7  # an output cannot be written (read-only folder, full disk, special file)
EXIT_INTERRUPTED = 130


class DiagnosticError(Exception):
    """Base class: ``str(exc)`` is the French message shown to the user."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n{hint}")


class UsageError(DiagnosticError):
    """An option or argument of the command line is invalid."""


class TerritoryNotFound(DiagnosticError):
    """Unknown code or name; the message lists the closest matches."""

    exit_code = EXIT_TERRITORY


class AmbiguousTerritory(DiagnosticError):
    """Several territories match a name."""

    exit_code = EXIT_TERRITORY


class PerimeterError(DiagnosticError):
    """A perimeter or territory-set file is invalid."""


class MissingData(DiagnosticError):
    """An official file is missing from the mirror and cannot be downloaded."""

    exit_code = EXIT_DATA


class UnreadableData(DiagnosticError):
    """An official file is present but cannot be read in its published layout."""

    exit_code = EXIT_DATA


class DamagedData(UnreadableData):
    """An official file reads fine but its content is incomplete (truncated, rows missing)."""


class UnknownIndicator(DiagnosticError):
    """An indicator id is not in the catalogue."""


class ConfigurationError(DiagnosticError):
    """A configuration file (thresholds, catalogue) is invalid."""


class ReportError(DiagnosticError):
    """A report could not be produced; the executed notebook is kept."""

    exit_code = EXIT_REPORT


class OutputError(DiagnosticError):
    """An output file or folder cannot be written (read-only, full disk, not a regular file)."""

    exit_code = EXIT_WRITE
