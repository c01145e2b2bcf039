"""Command-line training entry point (Lightning + MLflow)."""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run a training job."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--ptycho_dir")
    parser.add_argument("--config")
    parser.parse_args(argv)
    return 0
