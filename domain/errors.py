"""One error hierarchy. Each error carries the Vietnamese message a user sees; the CLI, the
worker and the web service translate them at their boundary, nowhere else."""

from __future__ import annotations


class KiemdiemError(Exception):
    """Base of every error the product reports to a user."""

    exit_code = 2

    def __init__(self, user_message: str, *, detail: str = "") -> None:
        super().__init__(detail or user_message)
        self.user_message = user_message


class FileRejected(KiemdiemError):
    """A file cannot be read at all (corrupt, encrypted, unsupported, too large, hostile)."""


class UnknownForm(FileRejected):
    """A readable file that holds none of the forms the product knows."""


class RosterError(KiemdiemError):
    """The roster file as a whole cannot be used (row-level problems are RosterIssues instead)."""


class ConfigError(KiemdiemError):
    """A rule set, form definition or local setting is missing or invalid."""


class CorrectionError(KiemdiemError):
    """A file of corrections by a person cannot be used: unreadable, or an entry that names no value
    of the dossier or gives a value the field cannot hold. Nothing is applied then, so a report never
    mixes corrections with silently dropped ones."""
