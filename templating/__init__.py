"""Prefilled, machine-readable forms: docxtpl templates built from the form definitions, rendered per person, exported to PDF."""
