"""Package A."""
