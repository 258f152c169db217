"""Actions of a case interview and of reaching people: each writes the item, its timeline and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from localtrace.accounts.access import acting_user
from localtrace.cases import ladder
from localtrace.cases.events import note, owner
from localtrace.cases.models import Attempt, Case, Status, Transfer, WorkItem
from localtrace.cases.queue import release, touch
from localtrace.config import policy
from localtrace.core.fingerprints import STALE_ANSWERS, fingerprint

# How long before the specimen date symptoms may have started and still be this illness.
ONSET_BEFORE_SPECIMEN_DAYS = 21


# A second identical submit this soon after the first is the same one (a double click or a resent form).
SAME_SUBMISSION_WITHIN = dt.timedelta(minutes=1)


class InvestigationError(ValueError):
    """A change that cannot be made; the message says why, in plain English."""


class StaleAnswers(InvestigationError):
    """The answers changed since the form was opened (another tracer, or the case online): saving would undo that."""


# What the symptoms page shows and saves; its fingerprint tells whether they changed since it was opened.
SYMPTOM_ANSWERS = ("symptomatic", "onset_date")


def symptoms_fingerprint(case: Case) -> str:
    return fingerprint(case, SYMPTOM_ANSWERS)


def _actor(request: HttpRequest | None, actor: Any) -> Any:
    if actor is None and request is not None and request.user.is_authenticated:
        return request.user
    return actor


@transaction.atomic
def confirm_identity(
    request: HttpRequest | None, case: Case, *, actor: Any = None, at: dt.datetime | None = None
) -> Case:
    """They are who the case is about. Once confirmed it stays so: a second submit (a double click, or a page
    opened before someone else confirmed it) writes nothing, as the stored value is read under a row lock."""
    actor = _actor(request, actor)
    case.identity_confirmed_at = _locked_case(case, "identity_confirmed_at").identity_confirmed_at
    if case.identity_confirmed_at is None:
        case.identity_confirmed_at = at or timezone.now()
        case.save(update_fields=["identity_confirmed_at"])
        note(case, "identity_confirmed", "Identity confirmed", request=request, actor=actor, at=at)
    if actor is not None:
        touch(case, actor)
    return case


@transaction.atomic
def record_symptoms(
    case: Case,
    *,
    symptomatic: bool,
    onset_date: dt.date | None,
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
    seen: str | None = None,
) -> Case:
    """Whether they had symptoms and from when, which date the isolation and the infectious period.

    `seen` is the form's `symptoms_fingerprint`: answers changed since the form was opened (by another tracer, or
    by the case online) are not overwritten; StaleAnswers is raised, and `case` then holds the answers as they are.
    """
    if seen is not None:
        current = Case.objects.select_for_update().only(*SYMPTOM_ANSWERS).get(pk=case.pk)
        case.symptomatic, case.onset_date = current.symptomatic, current.onset_date
        if symptoms_fingerprint(current) != seen:
            raise StaleAnswers(STALE_ANSWERS)
    today = timezone.localdate(at) if at else timezone.localdate()
    if symptomatic:
        if onset_date is None:
            raise InvestigationError("Enter the day symptoms started")
        if onset_date > today:
            raise InvestigationError("The day symptoms started must be today or in the past")
        if onset_date < case.specimen_date - dt.timedelta(days=ONSET_BEFORE_SPECIMEN_DAYS):
            raise InvestigationError(
                f"Symptoms that started more than {ONSET_BEFORE_SPECIMEN_DAYS} days before the test "
                f"({case.specimen_date:%-d %B %Y}) are unlikely to be this illness: check the date"
            )
    else:
        onset_date = None
    case.symptomatic, case.onset_date = symptomatic, onset_date
    case.save(update_fields=["symptomatic", "onset_date"])
    ends = policy.case_isolation_ends_on(case.anchor_date)
    summary = (
        f"Symptoms started {onset_date:%-d %B %Y}" if symptomatic and onset_date else "No symptoms"
    ) + f"; isolation until the end of {ends:%A %-d %B}"
    note(case, "symptoms", summary, request=request, actor=_actor(request, actor), at=at, onset=str(onset_date or ""))
    # A source named before the onset was known (at intake, on the test date alone) may now be one they met after
    # their symptoms began: it is kept only if they can have caught it there.
    from localtrace.cases.services import recheck_source
    from localtrace.places.services import relabel_visits

    recheck_source(case, request=request, actor=_actor(request, actor), at=at)
    # The same for the places they visited: where they caught it and where they may have passed it on move.
    relabel_visits(case, request=request, actor=_actor(request, actor), at=at)
    if request is not None:
        touch(case, request.user)
    return case


# The parts of an interview that may rightly end with nobody in them: the field recording that they were asked,
# and what the timeline says when a tracer records that there is nobody (more) to add.
ASKED = {
    "household": ("household_asked_at", "No more household members to add"),
    "close": ("contacts_asked_at", "No more close contacts to add"),
    "places": ("places_asked_at", "No more places to add"),
}


@transaction.atomic
def nothing_more_to_add(
    case: Case,
    part: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
) -> Case:
    """They were asked, and there is nobody (more) to add: "lives alone" is an answer, so the task is done.

    The same answer by the same user moments ago, with nothing on the timeline since (a double click on the
    button), is one submission: nothing changes and no second line is written.
    """
    if part not in ASKED:
        raise InvestigationError("Choose household members, close contacts or places")
    field, summary = ASKED[part]
    actor = _actor(request, actor)
    now = at or timezone.now()
    # Read under the case's row lock, so a second submit waits for the first to commit and then finds its line.
    setattr(case, field, getattr(_locked_case(case, field), field))
    latest = case.events.filter(occurred_at__lte=now).order_by("-occurred_at", "-pk").first()
    if (
        actor is not None
        and latest is not None
        and (latest.kind, latest.detail.get("part"), latest.actor_id) == ("nothing_more", part, actor.pk)
        and latest.occurred_at >= now - SAME_SUBMISSION_WITHIN
    ):
        return case
    if getattr(case, field) is None:
        setattr(case, field, now)
        case.save(update_fields=[field])
    note(case, "nothing_more", summary, request=request, actor=actor, at=at, part=part)
    if actor is not None and case.is_open:
        touch(case, actor)
    return case


def mark_asked(case: Case, parts: list[str], *, at: dt.datetime | None = None) -> None:
    """Record that these parts were asked, without a timeline line of their own (online answers say it all)."""
    fields = [ASKED[part][0] for part in parts if getattr(case, ASKED[part][0]) is None]
    for field in fields:
        setattr(case, field, at or timezone.now())
    if fields:
        case.save(update_fields=fields)


def _move_on(item: WorkItem, at: dt.datetime) -> None:
    """After a failed try: the next ladder step and when it is due."""
    step, due = ladder.after_failure(item.ladder_step, at, ladder.Means.of(item.person))
    item.ladder_step, item.next_step_at = step, due


@transaction.atomic
def record_attempt(
    item: WorkItem,
    *,
    channel: str,
    outcome: str,
    note_text: str = "",
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
) -> Attempt:
    """Record a try to reach someone; the ladder moves on by itself when it failed.

    The same attempt by the same user moments ago (a double click on "Record the attempt") is one submission:
    the attempt already recorded is returned and nothing changes, so a failed call moves the ladder one step.
    `at` is when it was made, for replays (the demo's working day); the ladder counts from it.
    """
    if problem := Attempt.mismatch(channel, outcome):
        raise InvestigationError(problem + ".")
    # The item as stored now, under a row lock: a completion a moment ago must not be undone by this save.
    if not _locked(item).is_open:
        raise InvestigationError(f"This {'case' if isinstance(item, Case) else 'contact'} is closed.")
    actor = _actor(request, actor)
    now = at or timezone.now()
    # The item's latest attempt, read under the lock, so a second submit waits for the first to commit and then
    # finds it. Half a minute: longer than a double click or a resent form, shorter than two real calls.
    latest = Attempt.objects.filter(**owner(item), made_at__lte=now).order_by("-made_at", "-pk").first()
    if (
        actor is not None
        and latest is not None
        and (latest.channel, latest.outcome, latest.made_by_id) == (channel, outcome, actor.pk)
        and latest.made_at >= now - dt.timedelta(seconds=30)
    ):
        return latest
    item.refresh_from_db(fields=["status", "ladder_step", "next_step_at", "reached_at"])
    attempt = Attempt.objects.create(
        **owner(item),
        channel=channel,
        outcome=outcome,
        note=note_text[:500],
        made_by=actor,
        made_at=now,
    )
    fields = ["status", "ladder_step", "next_step_at", "reached_at"]
    if outcome in Attempt.REACHED:
        item.status = Status.REACHED
        item.reached_at = item.reached_at or now
        item.next_step_at = None
    else:
        if item.status == Status.NEW:
            item.status = Status.IN_PROGRESS
        current = ladder.step(item.ladder_step)
        # A failed call or doorstep visit moves the ladder to its next step; so does a failed text or email
        # while the ladder waits on its link step. A text or email that fails while the ladder waits on a
        # call or a visit (a link that bounced after the ladder moved on) does not skip that step: it makes
        # it due now, since nobody should wait hours for a link that never arrived.
        if channel in (Attempt.Channel.PHONE, Attempt.Channel.DOORSTEP) or current.kind == ladder.LINK:
            _move_on(item, now)
        elif item.next_step_at is None or item.next_step_at > now:
            item.next_step_at = now
    item.save(update_fields=fields)
    note(
        item,
        "attempt",
        f"{attempt.get_channel_display()}: {attempt.get_outcome_display().lower()}"
        + (f" — {note_text}" if note_text else ""),
        request=request,
        actor=actor,
        at=at,
        channel=channel,
        outcome=outcome,
    )
    if actor is not None:
        touch(item, actor)
    return attempt


def _locked_case(case: Case, field: str) -> Case:
    """The case's field as stored now, locked until the transaction ends (the page's copy may be stale)."""
    return Case.objects.select_for_update().only(field).get(pk=case.pk)


def _locked(item: WorkItem) -> WorkItem:
    """The item's status and area as stored now, locked until the transaction ends.

    Two tracers closing or transferring one item at once (or one double click) must do it once: the
    page's copy may be stale, so what the change depends on is read again under a row lock.
    """
    return type(item)._default_manager.select_for_update().only("status", "area_id").get(pk=item.pk)


def _lock_open(item: WorkItem) -> None:
    if not _locked(item).is_open:
        raise InvestigationError("This is already closed.")


@transaction.atomic
def complete(
    item: WorkItem,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    summary: str = "",
    at: dt.datetime | None = None,
) -> WorkItem:
    _lock_open(item)
    now = at or timezone.now()
    item.status = Status.COMPLETED
    item.reached_at = item.reached_at or now
    item.closed_at = now
    item.next_step_at = None
    item.save(update_fields=["status", "reached_at", "closed_at", "next_step_at"])
    note(item, "completed", summary or "Completed", request=request, actor=_actor(request, actor), at=at)
    release(item)
    return item


@transaction.atomic
def close_unreachable(
    item: WorkItem,
    reason: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
) -> WorkItem:
    _lock_open(item)
    item.status = Status.UNREACHABLE
    item.closed_at = at or timezone.now()
    item.next_step_at = None
    item.outcome_note = reason[:500]
    item.save(update_fields=["status", "closed_at", "next_step_at", "outcome_note"])
    note(item, "unreachable", f"Could not be reached: {reason}", request=request, actor=_actor(request, actor), at=at)
    release(item)
    return item


@transaction.atomic
def transfer(item: WorkItem, to_area: Any, reason: str, *, request: HttpRequest) -> Transfer:
    """Hand the item to the area where the person lives; the sending area keeps no access."""
    if to_area.pk == item.area_id:
        raise InvestigationError("Choose a different area: this one already owns it.")
    if to_area.level != "upper_tier":
        raise InvestigationError("Transfer to an upper-tier council, which owns public health.")
    current = _locked(item)
    if current.area_id != item.area_id:
        raise InvestigationError("Someone else transferred it while you were on this page.")
    # A closed record stays with the area that worked it, as its own record and in its figures; only open work
    # moves (a page opened before someone else completed it must not send the finished record away).
    if not current.is_open:
        what = "case" if isinstance(item, Case) else "contact"
        raise InvestigationError(f"This {what} is already closed: it stays with the area that worked it.")
    from_area = item.area
    record = Transfer.objects.create(
        **owner(item),
        from_area=from_area,
        to_area=to_area,
        reason=reason[:500],
        transferred_by=acting_user(request),
    )
    note(item, "transferred", f"Transferred from {from_area.name} to {to_area.name}: {reason}", request=request,
         from_area=from_area.code, to_area=to_area.code)  # fmt: skip
    type(item)._default_manager.filter(pk=item.pk).update(area=to_area, claimed_by=None, claimed_at=None)
    _hand_over_support(item, to_area)
    return record


def _hand_over_support(item: WorkItem, to_area: Any) -> None:
    """The person's live support work goes with the record: open requests and claims waiting for a decision.

    Finished work (closed requests, decided claims) stays the record of the area that did it and paid.
    """
    from localtrace.support.models import OPEN_REQUEST_STATUSES, PaymentClaim, SupportRequest

    SupportRequest.objects.filter(**owner(item), status__in=OPEN_REQUEST_STATUSES).update(
        area=to_area, claimed_by=None, claimed_at=None
    )
    PaymentClaim.objects.filter(**owner(item), status=PaymentClaim.Status.SUBMITTED).update(area=to_area)
