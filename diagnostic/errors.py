"""Exceptions of the kit.

Every error a user can trigger is a :class:`DiagnosticError` whose message is
French and says what to do; the CLI prints it without a traceback.
"""
from __future__ import annotations


class DiagnosticError(Exception):
    """Base class: ``str(exc)`` is the French message shown to the user."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n{hint}")


class TerritoryNotFound(DiagnosticError):
    """Unknown code or name; the message lists the closest matches."""


class AmbiguousTerritory(DiagnosticError):
    """Several territories match a name."""


class PerimeterError(DiagnosticError):
    """A perimeter or territory-set file is invalid."""


class MissingData(DiagnosticError):
    """An official file is missing from the mirror and cannot be downloaded."""

    exit_code = 3


class UnreadableData(DiagnosticError):
    """An official file is present but cannot be read in its published layout."""

    exit_code = 3


class UnknownIndicator(DiagnosticError):
    """An indicator id is not in the catalogue."""


class ConfigurationError(DiagnosticError):
    """A configuration file (thresholds, catalogue) is invalid."""


class ReportError(DiagnosticError):
    """A report could not be produced; the executed notebook is kept."""

    exit_code = 4
