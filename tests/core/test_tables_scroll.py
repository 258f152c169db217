"""Every table in a template sits in its own scrolling region, so a wide one never pushes a phone's page sideways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import localtrace

TEMPLATES = sorted(
    path for path in Path(localtrace.__file__).parent.rglob("templates/**/*.html") if "<table" in path.read_text()
)
REGION = re.compile(r'<div class="lt-table-scroll" role="region" aria-label="[^"]+" tabindex="0">\s*$')


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: "/".join(path.parts[-2:]))
def test_each_table_is_in_a_labelled_scrolling_region(template: Path) -> None:
    lines = template.read_text().splitlines()
    for number, line in enumerate(lines):
        if "<table" in line:
            before = next((earlier for earlier in reversed(lines[:number]) if earlier.strip()), "")
            assert REGION.search(before), f"{template.name}, line {number + 1}: a table outside a region"


def test_the_templates_were_found() -> None:
    assert len(TEMPLATES) >= 30
