"""Package B."""
