"""The rules engine: a dossier in, findings out. Pure: no files, no database."""
