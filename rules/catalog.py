"""Imports every rule module so that each registers its rules; the order is the report's order."""

from rules import criteria, facts, points, reading, tallies, unit

MODULES = (reading, criteria, points, facts, tallies, unit)
