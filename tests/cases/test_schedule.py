"""localtrace schedule: queues the periodic tasks each round; a bad --every is refused with a clear error."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from localtrace.cases.management.commands import schedule


class Counting:
    """Stands in for a task: counts what is queued, and stops a command that would queue without end."""

    def __init__(self) -> None:
        self.queued = 0

    def enqueue(self) -> None:
        self.queued += 1
        if self.queued > 3:
            raise RuntimeError("queued round after round with no pause")


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Counting:
    task = Counting()
    monkeypatch.setattr(schedule, "PERIODIC", [task])
    # The command's Ctrl-C handlers must not replace the test runner's own.
    monkeypatch.setattr(schedule.signal, "signal", lambda *_: None)
    return task


def test_once_queues_each_periodic_task_one_time(counting: Counting) -> None:
    call_command("schedule", "--once")
    assert counting.queued == 1


@pytest.mark.parametrize("every", ["0", "-5"])
def test_an_interval_of_no_seconds_is_refused_before_anything_is_queued(counting: Counting, every: Any) -> None:
    with pytest.raises(CommandError, match="--every"):
        call_command("schedule", "--every", every)
    assert counting.queued == 0
