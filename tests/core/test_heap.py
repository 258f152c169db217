"""fewer_collections(): fewer collector passes during an import, and everything put back after it."""

from __future__ import annotations

import gc
import weakref

from localtrace.core.heap import BULK_THRESHOLD, fewer_collections


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_the_threshold_and_the_frozen_objects_are_put_back_afterwards() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == BULK_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_inside_are_still_collected() -> None:
    with fewer_collections():
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None


def test_an_error_inside_still_puts_everything_back() -> None:
    before = gc.get_threshold()
    try:
        with fewer_collections():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
