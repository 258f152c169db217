"""The escalation ladder: how the service keeps trying to reach someone, step by step, on its own.

The steps and their timings are configuration (settings.LOCALTRACE_LADDER). An item's
`ladder_step` is the step it is waiting on and `next_step_at` when that step is due.
Call and doorstep steps wait for a person to act; link and unreachable steps the service
takes itself when they fall due (the `advance_ladders` task).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

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
    for given in steps:
        if not isinstance(given, Step) or not isinstance(given.after, dt.timedelta):
            raise ValueError(f"LOCALTRACE_LADDER must be a list of Step(kind, timedelta) steps, not {given!r}.")
    if not steps or steps[-1].kind != UNREACHABLE or any(s.kind not in KINDS for s in steps):
        raise ValueError(
            "LOCALTRACE_LADDER must use call, link, doorstep and unreachable steps and end with unreachable."
        )
    return steps


def step(index: int) -> Step:
    steps = ladder()
    return steps[min(index, len(steps) - 1)]


@dataclass(frozen=True)
class Means:
    """The ways someone can be reached, from their person's details: a call needs a phone number, the link a
    mobile (for a text) or an email address, a doorstep visit an address."""

    phone: bool
    email: bool
    address: bool
    mobile: bool = False

    @classmethod
    def of(cls, person: Any) -> Means:
        from localtrace.results.validation import takes_texts

        return cls(
            phone=bool(person.phone), email=bool(person.email), address=bool(person.address_line_1 or person.postcode),
            mobile=bool(person.phone) and takes_texts(person.phone),
        )  # fmt: skip

    def allow(self, kind: str) -> bool:
        return {CALL: self.phone, LINK: self.mobile or self.email, DOORSTEP: self.address}.get(kind, True)


def first_step(means: Means | None = None) -> int:
    """Where a new (or reopened) item starts: the first step that can be taken. Someone with no phone number
    starts at the link (by email) or the doorstep visit, not at a call nobody can make. With no way to reach them
    at all, it is the first step all the same: a tracer has to find a number (the case who named them may know),
    and the ladder must not close them as unreachable before anyone has tried."""
    steps = ladder()
    if means is not None:
        for index, each in enumerate(steps[:-1]):
            if means.allow(each.kind):
                return index
    return 0


def after_failure(index: int, at: dt.datetime, means: Means | None = None) -> tuple[int, dt.datetime]:
    """The next step after step `index` failed at `at`, and when it falls due; steps their details do not allow
    are passed over (a call without a phone number), and the step landed on is due after its own wait."""
    last = len(ladder()) - 1
    following = min(index + 1, last)
    while means is not None and following < last and not means.allow(step(following).kind):
        following += 1
    return following, at + step(following).after


def after_new_details(index: int, old: Means, new: Means) -> int | None:
    """The step to wait on once someone's details changed; None to stay on step `index`.

    - A way to reach them that was missing (a phone number added): back to the earliest step before this one
      that was passed over for want of it. It was never tried, so no one has yet called (or texted) them.
    - A way that went (a phone number removed): a step that needs it moves on to the next step that can be
      taken. With nothing left to try it stays, as `first_step` does, rather than fall to "unreachable".
    """
    steps = ladder()
    last = len(steps) - 1
    if index >= last:
        return None
    for earlier in range(index):
        if not old.allow(steps[earlier].kind) and new.allow(steps[earlier].kind):
            return earlier
    if new.allow(steps[index].kind):
        return None
    for following in range(index + 1, last):
        if new.allow(steps[following].kind):
            return following
    return None
