"""Checks: references and code are judged (resolution, citations, spec hits, API diffs, fixes)."""
