"""Pluggable network generators, looked up by name."""
