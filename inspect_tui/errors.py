"""Errors a person can cause. Each carries a message for that person; the CLI prints it
on stderr and exits 2, the TUI shows it as a notification or next to the field."""

from __future__ import annotations


class InspectError(Exception):
    """Base of every error users can cause."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class InvalidInput(InspectError):
    """A value typed or passed that breaks a rule (a date, a score, an empty field)."""


class DataFileError(InspectError):
    """A YAML/JSON file that cannot be read or does not validate."""


class NotFound(InspectError):
    """A unit, inspection, problem ... that does not exist."""


class IllegalTransition(InspectError):
    """A state change the workflow does not allow."""


class ReadOnlyRecord(InspectError):
    """A write to a signed-off inspection or a published month."""


class DatabaseError(InspectError):
    """The database file is missing, corrupt, not SQLite, read-only or too new."""


class NewerSchemaError(DatabaseError):
    """The file was written by a newer inspect_tui."""


class NeedsMigration(DatabaseError):
    """An older file opened read-only: it must be migrated (in a copy) first."""
