"""The escalation ladder: how the service keeps trying to reach someone, step by step, on its own.

The steps and their timings are configuration (settings.LOCALTRACE_LADDER). An item's
`ladder_step` is the step it is waiting on and `next_step_at` when that step is due.
Call and doorstep steps wait for a person to act; link and unreachable steps the service
takes itself when they fall due (the `advance_ladders` task).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

CALL = "call"
LINK = "link"
DOORSTEP = "doorstep"
UNREACHABLE = "unreachable"
KINDS = (CALL, LINK, DOORSTEP, UNREACHABLE)


@dataclass(frozen=True)
class Step:
    kind: str
    # How long after the previous step failed this one falls due.
    after: dt.timedelta

    @property
    def automatic(self) -> bool:
        return self.kind in (LINK, UNREACHABLE)


DEFAULT_LADDER = (
    Step(CALL, dt.timedelta(0)),
    Step(LINK, dt.timedelta(0)),
    Step(CALL, dt.timedelta(hours=4)),
    Step(CALL, dt.timedelta(hours=20)),
    Step(DOORSTEP, dt.timedelta(hours=24)),
    Step(UNREACHABLE, dt.timedelta(hours=48)),
)

DESCRIPTIONS = {
    CALL: "Call",
    LINK: "Send the self-service link",
    DOORSTEP: "Doorstep visit",
    UNREACHABLE: "Close as unreachable",
}


def ladder() -> tuple[Step, ...]:
    steps = tuple(getattr(settings, "LOCALTRACE_LADDER", DEFAULT_LADDER))
    if not steps or steps[-1].kind != UNREACHABLE or any(s.kind not in KINDS for s in steps):
        raise ValueError(
            "LOCALTRACE_LADDER must use call, link, doorstep and unreachable steps and end with unreachable."
        )
    return steps


def step(index: int) -> Step:
    steps = ladder()
    return steps[min(index, len(steps) - 1)]


def after_failure(index: int, at: dt.datetime) -> tuple[int, dt.datetime]:
    """The next step after step `index` failed at `at`, and when it falls due."""
    following = min(index + 1, len(ladder()) - 1)
    return following, at + step(following).after
