"""Generator architectures selectable by name."""
