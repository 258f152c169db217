"""Helpers for reading the simulator's output in tests."""

from __future__ import annotations

import csv
from pathlib import Path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and data rows, as the file stores them (BOM removed)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)
