"""Outputs: results are rendered (neutral tables, CLI reports, report folders)."""
