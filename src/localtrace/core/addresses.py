"""Page addresses worked out once per process: reversing a URL pattern costs more than most of a page's lookups.

`address("cases:queue")` and `address("cases:case-detail", 42)` give what `reverse` gives (the mount point
included); the pattern is reversed once, with a stand-in key, and the key put in its place afterwards.
Templates use `{% address 'cases:case-detail' case.pk %}` (from the `localtrace` tag library) where a
page prints many links.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.urls import get_script_prefix, reverse

_STAND_IN = "987654321"


def address(name: str, pk: int | None = None) -> str:
    if pk is None:
        return _reversed(name, get_script_prefix())
    return _reversed_with_key(name, get_script_prefix()).replace(_STAND_IN, str(int(pk)))


def addresses_of(name: str) -> Callable[[int], str]:
    """`address(name, pk)` for many keys of one page (a list's rows): the mount point is looked up once."""
    pattern = _reversed_with_key(name, get_script_prefix())
    return lambda pk: pattern.replace(_STAND_IN, str(int(pk)))


@functools.cache
def _reversed(name: str, _prefix: str) -> str:
    return reverse(name)


@functools.cache
def _reversed_with_key(name: str, _prefix: str) -> str:
    pattern = reverse(name, args=[int(_STAND_IN)])
    if pattern.count(_STAND_IN) != 1:
        raise ValueError(f"{name} does not take one key in one place")
    return pattern
