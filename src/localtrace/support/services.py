"""Isolation support actions: needs become requests, officers reach people, refer them and decide payment claims.

Each action owns its transaction and its audit record. Actions take `request` (a staff member's page) or
`actor` (a command, the demo, or None for a member of the public through their portal link).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from localtrace.areas.models import Area
from localtrace.audit.services import Action, record
from localtrace.cases.events import note
from localtrace.cases.models import SUPPORT_NEEDS, Case
from localtrace.config import policy
from localtrace.contacts.models import Contact
from localtrace.core.fingerprints import STALE_ANSWERS, fingerprint
from localtrace.support.models import (
    OPEN_REQUEST_STATUSES,
    OUTCOMES,
    Organisation,
    PaymentClaim,
    Referral,
    RequestStatus,
    SupportAttempt,
    SupportRequest,
)


class SupportError(ValueError):
    """A support action refused, with a message fit to show the person who tried.

    The message speaks to staff. `code` (with `params`) names the refusal, so the portal can say the same thing
    to the person themselves, in their own language, without reading the English text.
    """

    def __init__(self, message: str, *, code: str = "", params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.params = params or {}


class StaleNeeds(SupportError):
    """The answers about help to isolate changed since the form was opened: saving would undo that change."""


STALE_ORGANISATION = (
    "Someone else changed this organisation since you opened this page. It is shown as it is now: "
    "make your change again."
)


class StaleOrganisation(SupportError):
    """The organisation changed since the form was opened: saving it would quietly undo that change."""


def _actor(request: HttpRequest | None, actor: Any) -> Any:
    if actor is None and request is not None and request.user.is_authenticated:
        return request.user
    return actor


def _name(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else "the person online"


# --- needs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedsAnswers:
    """What the "Help to isolate" page shows as answered: a case's own answers, or a contact's open requests."""

    needs: list[str]
    urgent: bool
    consent: bool | None  # None when nothing is needed: consent is asked only with needs


def needs_answers(item: Case | Contact) -> NeedsAnswers:
    if isinstance(item, Case):
        asked = list(item.support_needs or [])
        return NeedsAnswers(asked, bool(item.support_urgent), bool(item.support_consent) if asked else None)
    open_now = list(requests_for(item).filter(status__in=OPEN_REQUEST_STATUSES))
    return NeedsAnswers(
        [r.need for r in open_now],
        any(r.urgent for r in open_now),
        all(r.consent for r in open_now) if open_now else None,
    )


def needs_fingerprint(item: Case | Contact) -> str:
    """A digest of the answers as a form showed them, to tell whether they changed since."""
    return fingerprint(needs_answers(item), ("needs", "urgent", "consent"))


@transaction.atomic
def record_needs(
    item: Case | Contact,
    needs: list[str],
    *,
    urgent: bool,
    consent: bool,
    request: HttpRequest | None = None,
    actor: Any = None,
    online: bool = False,
    at: dt.datetime | None = None,
    seen: str | None = None,
) -> list[SupportRequest]:
    """What the person needs to isolate, asked by a tracer or online: one open SupportRequest per need.

    A need already open for the person is updated (urgency, consent), not duplicated; if it is open on another
    of their records, perhaps in another area, it is handed over to this record and its area first. Needs not
    named again stay open: an officer may already be helping, and closing them is the officer's outcome to record.
    Without consent the need is still recorded; officers are told not to share the details outside the council,
    and a "no" holds for every need the person has open. Consent is only asked with needs, so an answer of
    no needs at all (where `consent` is False because nobody asked) withdraws nothing.

    `seen` is the tracer's form's `needs_fingerprint`: answers changed since it was opened (by another tracer, or by
    the person online) are not overwritten (StaleNeeds), so a stale page cannot give back a consent taken away.
    """
    unknown = [n for n in needs if n not in SUPPORT_NEEDS]
    if unknown:
        raise SupportError(f"Unknown support needs: {', '.join(unknown)}")
    if not isinstance(item, (Case, Contact)):
        raise SupportError("Support needs belong to a case or a contact.")
    actor = _actor(request, actor)
    at = at or timezone.now()
    urgent = urgent and bool(needs)
    due_at = at + policy.support_first_contact_within(timezone.localdate(at), urgent=urgent)
    # The person's row first: with no open request yet there is no row to lock, and two answers sent at
    # once (a double click on the portal's form) would both create one; this makes the second wait and update.
    _lock_person(item.person_id)
    if seen is not None:
        if isinstance(item, Case):
            # The case's answers as stored now (every change to them waits for the person's lock, held now).
            current = Case.objects.only("support_needs", "support_urgent", "support_consent").get(pk=item.pk)
            item.support_needs, item.support_urgent = current.support_needs, current.support_urgent
            item.support_consent = current.support_consent
        if needs_fingerprint(item) != seen:
            raise StaleNeeds(STALE_ANSWERS)
    open_now = {
        r.need: r
        for r in SupportRequest.objects.select_for_update().filter(
            person_id=item.person_id, status__in=OPEN_REQUEST_STATUSES
        )
    }
    changed: list[SupportRequest] = []
    if needs and not consent:
        _withdraw_consent([r for r in open_now.values() if r.consent and r.need not in needs], request, actor)
    for need in dict.fromkeys(needs):
        existing = open_now.get(need)
        if existing is not None and _record_of(existing) != _record_of(item):
            # Open on another of their records, perhaps in another area: the need now belongs where it was
            # asked, or that area's support officers would never see it.
            _hand_over_request(existing, item, request=request, actor=actor, at=at)
        if existing is None:
            created = SupportRequest.objects.create(
                area_id=item.area_id,
                person_id=item.person_id,
                **({"case": item} if isinstance(item, Case) else {"contact": item}),
                need=need,
                urgent=urgent,
                consent=consent,
                source=SupportRequest.Source.ONLINE if online else SupportRequest.Source.TRACER,
                requested_at=at,
                requested_by=actor,
                due_at=due_at,
            )
            record(Action.CREATE, request=request, actor=actor, obj=created, area=item.area, detail={"need": need})
            changed.append(created)
        else:
            existing.urgent = existing.urgent or urgent
            existing.consent = consent
            # Asked again as urgent: the earlier deadline wins.
            existing.due_at = min(existing.due_at, due_at) if urgent else existing.due_at
            existing.save(update_fields=["urgent", "consent", "due_at"])
            record(
                Action.CHANGE, request=request, actor=actor, obj=existing, area=item.area, detail={"asked_again": need}
            )
            changed.append(existing)
    if isinstance(item, Case):
        item.support_needs, item.support_urgent, item.support_consent = list(needs), urgent, consent
        item.save(update_fields=["support_needs", "support_urgent", "support_consent"])
    if needs:
        summary = "Needs help with: " + ", ".join(SUPPORT_NEEDS[n].lower() for n in needs)
        summary += " (today)" if urgent else ""
        summary += "" if consent else "; did not agree to share their details"
    else:
        summary = "Needs no help to isolate"
    note(item, "support_needs", summary, request=request, actor=actor, at=at, needs=list(needs), online=online)
    return changed


def _lock_person(person_id: int) -> None:
    from localtrace.people.models import Person

    Person.objects.select_for_update().only("pk").get(pk=person_id)


def _record_of(item: Any) -> tuple[str, int]:
    """Which case or contact record a request, claim or record itself stands for."""
    if isinstance(item, Case):
        return ("case", item.pk)
    if isinstance(item, Contact):
        return ("contact", item.pk)
    return ("case", item.case_id) if item.case_id else ("contact", item.contact_id)


def _hand_over_request(
    support_request: SupportRequest, item: Case | Contact, *, request: HttpRequest | None, actor: Any, at: dt.datetime
) -> None:
    """Move an open request to the record the need was asked on again, and to that record's area.

    As when a record is transferred (cases.investigation._hand_over_support): the live work goes with it, and a
    hold by an officer of the old area ends, since they can no longer open it.
    """
    previous, from_area = support_request.item, support_request.area
    support_request.case, support_request.contact = (item, None) if isinstance(item, Case) else (None, item)
    fields = ["case", "contact"]
    if support_request.area_id != item.area_id:
        support_request.area = item.area
        support_request.claimed_by, support_request.claimed_at = None, None
        fields += ["area", "claimed_by", "claimed_at"]
    support_request.save(update_fields=fields)
    need = support_request.get_need_display().lower()
    where = item.area.name if from_area.pk != item.area_id else f"their record {item.reference}"
    note(previous, "support_handed_over", f"Support with {need} handed over to {where}, where they asked again",
         request=request, actor=actor, at=at, support_request=support_request.pk)  # fmt: skip
    record(Action.CHANGE, request=request, actor=actor, obj=support_request, area=item.area,
           detail={"handed_over_from": {"area": from_area.code, "record": previous.reference},  # type: ignore[attr-defined]
                   "handed_over_to": {"area": item.area.code, "record": item.reference}})  # fmt: skip


def _withdraw_consent(requests: list[SupportRequest], request: HttpRequest | None, actor: Any) -> None:
    """They said no to sharing: that answer is about them, so it holds for every need they have open, wherever.

    Otherwise a need asked earlier, with a yes, could still be referred to an outside organisation.
    """
    if not requests:
        return
    SupportRequest.objects.filter(pk__in=[r.pk for r in requests]).update(consent=False)
    for withdrawn in requests:
        withdrawn.consent = False
        record(Action.CHANGE, request=request, actor=actor, obj=withdrawn, area=withdrawn.area,
               detail={"consent_withdrawn": True})  # fmt: skip


def requests_for(item: Case | Contact) -> QuerySet[SupportRequest]:
    """The support requests of the person behind a case or contact record, in that record's area (the tracer's page).

    Only the record's area: a tracer here may not learn what the person asked another area for (a mental
    health need, say). Another area's open need asked again here is handed over by `record_needs`.
    """
    return SupportRequest.objects.filter(person_id=item.person_id, area_id=item.area_id).order_by("-requested_at", "pk")


def section_for(item: Case | Contact) -> QuerySet[SupportRequest]:
    """What the tracer's support section (support/includes/support_section.html) prints, and only those columns."""
    return requests_for(item).only("id", "person", "need", "urgent", "status", "consent")


# --- the officer's queue -------------------------------------------------------------------


def claim_lapses_after() -> dt.timedelta:
    from localtrace.cases.queue import claim_lapses_after as tracing_lapse

    return tracing_lapse()


def _unclaimed(now: dt.datetime) -> Q:
    return Q(claimed_by__isnull=True) | Q(claimed_at__lt=now - claim_lapses_after())


def current_claim(items: QuerySet[SupportRequest], user: Any, now: dt.datetime | None = None) -> SupportRequest | None:
    now = now or timezone.now()
    return (
        items.filter(claimed_by=user, claimed_at__gte=now - claim_lapses_after(), status__in=OPEN_REQUEST_STATUSES)
        .order_by("claimed_at")
        .first()
    )


def _their_other_open_requests(support_request: SupportRequest) -> QuerySet[SupportRequest]:
    """The same person's other open needs in the same area: one officer, one call, for all of them."""
    return SupportRequest.objects.filter(
        person_id=support_request.person_id, area_id=support_request.area_id, status__in=OPEN_REQUEST_STATUSES
    ).exclude(pk=support_request.pk)


@transaction.atomic
def take(support_request: SupportRequest, user: Any, *, request: HttpRequest | None = None) -> bool:
    """Hold the request (a conditional UPDATE, so two officers never both hold it). False if someone else has it.

    The person's other open needs that nobody holds are held with it, so a second officer does not ring the
    same person about their medicine while the first is arranging their food.
    """
    now = timezone.now()
    won = SupportRequest.objects.filter(
        _unclaimed(now) | Q(claimed_by=user), pk=support_request.pk, status__in=OPEN_REQUEST_STATUSES
    ).update(claimed_by=user, claimed_at=now)
    if won:
        theirs = _their_other_open_requests(support_request)
        # One UPDATE whose WHERE is the condition: a need another officer holds, or took a moment ago, stays theirs.
        theirs.filter(_unclaimed(now) | Q(claimed_by=user)).update(claimed_by=user, claimed_at=now)
        others = list(theirs.filter(claimed_by=user, claimed_at=now).values_list("pk", flat=True))
        record(Action.CHANGE, request=request, actor=user, obj=support_request, area=support_request.area,
               detail={"taken_by": user.username, **({"with_their_other_needs": others} if others else {})})  # fmt: skip
    return bool(won)


@transaction.atomic
def release(support_request: SupportRequest, user: Any, *, request: HttpRequest | None = None) -> bool:
    """Put the request, and the person's other needs this officer holds with it, back in the queue.

    False, and nothing changed or audited, if this officer did not hold it (someone else took it after their
    hold lapsed, or it was already back): the audit trail records only what happened.
    """
    released = SupportRequest.objects.filter(pk=support_request.pk, claimed_by=user).update(
        claimed_by=None, claimed_at=None
    )
    if not released:
        return False
    others = list(_their_other_open_requests(support_request).filter(claimed_by=user).values_list("pk", flat=True))
    SupportRequest.objects.filter(pk__in=others, claimed_by=user).update(claimed_by=None, claimed_at=None)
    record(Action.CHANGE, request=request, actor=user, obj=support_request, area=support_request.area,
           detail={"released": True, **({"with_their_other_needs": others} if others else {})})  # fmt: skip
    return True


def officers_for(area_id: int) -> list[Any]:
    """Staff who may work the area's support requests: its support officers and area leads."""
    from localtrace.accounts.models import User
    from localtrace.areas.models import Role

    return list(
        User.objects.filter(
            is_active=True,
            memberships__team__area_id=area_id,
            memberships__role__in=[Role.SUPPORT_OFFICER, Role.AREA_LEAD],
        )
        .distinct()
        .order_by("full_name", "username")
    )


@transaction.atomic
def assign(support_request: SupportRequest, officer: Any, *, by: Any, request: HttpRequest | None = None) -> None:
    """An area lead gives a request to a support officer of the area, who then holds it as if they had taken it."""
    _lock_current(support_request)  # as it is now: it may have been closed since the page was read
    if not support_request.is_open:
        raise SupportError("This request is closed.")
    if officer not in officers_for(support_request.area_id):
        raise SupportError("Choose a support officer of this area.")
    SupportRequest.objects.filter(pk=support_request.pk).update(claimed_by=officer, claimed_at=timezone.now())
    record(Action.CHANGE, request=request, actor=by, obj=support_request, area=support_request.area,
           detail={"assigned_to": officer.username})  # fmt: skip


def queue_order(items: QuerySet[SupportRequest]) -> QuerySet[SupportRequest]:
    """People nobody has spoken to yet first (urgent first, then the earliest deadline), then requests already
    under way (urgent first, then the longest since they were first spoken to): a request whose first contact
    was made days ago does not go before someone past their deadline who is still waiting."""
    contacted = ExpressionWrapper(Q(first_contact_at__isnull=False), output_field=BooleanField())
    since = Coalesce("first_contact_at", "due_at")
    return items.annotate(contacted=contacted, since=since).order_by("contacted", "-urgent", "since", "pk")


def claim_next(
    items: QuerySet[SupportRequest], user: Any, *, request: HttpRequest | None = None
) -> SupportRequest | None:
    """The officer's current request, or the most urgent free open one, claimed atomically."""
    now = timezone.now()
    mine = current_claim(items, user, now)
    if mine is not None:
        return mine
    waiting = queue_order(items.filter(status__in=OPEN_REQUEST_STATUSES).filter(_unclaimed(now)))
    for pk in list(waiting.values_list("pk", flat=True)[:20]):
        candidate = SupportRequest.objects.get(pk=pk)
        if take(candidate, user, request=request):
            candidate.refresh_from_db()
            return candidate
    return None


@transaction.atomic
def record_attempt(
    support_request: SupportRequest,
    *,
    channel: str,
    outcome: str,
    note_text: str = "",
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
) -> SupportAttempt:
    """A try to reach the person; speaking to them is the first contact and starts the work.

    Read again under a lock: another officer may have closed the request since this page read it, and saving
    the page's copy would put a closed request back in progress.
    """
    actor = _actor(request, actor)
    _lock_current(support_request)
    if not support_request.is_open:
        raise SupportError(
            "This request is closed. Record a new need on their case or contact page if they need more help."
        )
    if channel not in SupportAttempt.Channel.values or outcome not in SupportAttempt.Outcome.values:
        raise SupportError("Choose how you tried to reach them and what happened.")
    at = at or timezone.now()
    attempt = SupportAttempt.objects.create(
        request=support_request, channel=channel, outcome=outcome, note=note_text, made_at=at, made_by=actor
    )
    fields = []
    also_contacted: list[int] = []
    if outcome in SupportAttempt.REACHED:
        if support_request.first_contact_at is None:
            support_request.first_contact_at = at
            fields.append("first_contact_at")
        # Speaking to them is the first contact for every need they have open here, not only this one.
        waiting = _their_other_open_requests(support_request).filter(first_contact_at__isnull=True)
        also_contacted = list(waiting.values_list("pk", flat=True))
        SupportRequest.objects.filter(pk__in=also_contacted).update(first_contact_at=at)
        SupportRequest.objects.filter(pk__in=also_contacted, status=RequestStatus.NEW).update(
            status=RequestStatus.IN_PROGRESS
        )
    if support_request.status == RequestStatus.NEW:
        support_request.status = RequestStatus.IN_PROGRESS
        fields.append("status")
    if support_request.claimed_by_id == getattr(actor, "pk", None):
        support_request.claimed_at = timezone.now()
        fields.append("claimed_at")
        # Working on one of their needs keeps the hold on the others this officer took with it.
        _their_other_open_requests(support_request).filter(claimed_by=actor).update(
            claimed_at=support_request.claimed_at
        )
    if fields:
        support_request.save(update_fields=fields)
    detail: dict[str, Any] = {"request": support_request.pk, "channel": channel, "outcome": outcome}
    if also_contacted:
        detail["first_contact_for"] = also_contacted
    record(Action.CREATE, request=request, actor=actor, obj=attempt, area=support_request.area, detail=detail)
    return attempt


# A second referral of one request to one organisation by the same officer within this time is the same form
# sent twice; a referral made again later (the organisation could not help then) is a new one.
SAME_REFERRAL = dt.timedelta(minutes=2)


@transaction.atomic
def refer(
    support_request: SupportRequest,
    organisation: Organisation,
    *,
    note_text: str = "",
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
) -> Referral:
    """Pass the request to a local organisation: only with the person's consent, only to an active one in the area.

    Consent and status are read again under a lock: the page may have been opened before the person withdrew
    their consent or another officer closed the request.
    """
    actor = _actor(request, actor)
    _lock_current(support_request)
    if not support_request.consent:
        raise SupportError(
            "They did not agree to share their details with other organisations. Help them within the council, "
            "or ask again and record their answer on their case or contact page."
        )
    if not support_request.is_open:
        raise SupportError("This request is closed.")
    if organisation.area_id != support_request.area_id or not organisation.active:
        raise SupportError("Choose an active organisation in this area's directory.")
    if support_request.need not in organisation.services:
        raise SupportError(
            f"{organisation.name} does not offer help with {support_request.get_need_display().lower()}."
        )
    now = at or timezone.now()
    repeated = Referral.objects.filter(
        request=support_request, organisation=organisation, referred_by=actor, referred_at__gte=now - SAME_REFERRAL
    ).first()
    if repeated is not None:
        return repeated  # the same form sent twice (a double click, without JavaScript to stop it): one referral
    referral = Referral.objects.create(
        request=support_request, organisation=organisation, note=note_text, referred_at=now, referred_by=actor,
    )  # fmt: skip
    if support_request.status == RequestStatus.NEW:
        support_request.status = RequestStatus.IN_PROGRESS
        support_request.save(update_fields=["status"])
    record(Action.CREATE, request=request, actor=actor, obj=referral, area=support_request.area,
           detail={"request": support_request.pk, "organisation": organisation.pk})  # fmt: skip
    return referral


@transaction.atomic
def close_request(
    support_request: SupportRequest,
    *,
    outcome: str,
    note_text: str = "",
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
) -> SupportRequest:
    """The outcome: resolved, declined, unable to contact, no longer needed. Shown on the person's timeline.

    Read again under a lock, so of two officers closing it at once the second is told it is closed, rather
    than overwriting the first one's outcome.
    """
    actor = _actor(request, actor)
    if outcome not in dict(OUTCOMES):
        raise SupportError("Choose the outcome.")
    _lock_current(support_request)
    if not support_request.is_open:
        raise SupportError(
            f"This request is already closed: {support_request.get_status_display().lower()}. Nothing was changed."
        )
    if outcome == RequestStatus.UNABLE_TO_CONTACT and not support_request.attempts.exists():
        raise SupportError("Record your attempts to reach them before closing it as unable to contact.")
    at = at or timezone.now()
    support_request.status, support_request.closed_at, support_request.outcome_note = outcome, at, note_text
    support_request.claimed_by, support_request.claimed_at = None, None
    support_request.save(update_fields=["status", "closed_at", "outcome_note", "claimed_by", "claimed_at"])
    label = dict(OUTCOMES)[outcome].lower()
    note(support_request.item, "support_outcome", f"Support with {support_request.get_need_display().lower()}: {label}",
         request=request, actor=actor, at=at, support_request=support_request.pk, outcome=outcome)  # fmt: skip
    record(Action.CHANGE, request=request, actor=actor, obj=support_request, area=support_request.area,
           detail={"outcome": outcome})  # fmt: skip
    return support_request


def _lock_current(support_request: SupportRequest) -> None:
    """Lock the request's row and bring the caller's copy up to date with it (the page read it before)."""
    support_request.refresh_from_db(from_queryset=SupportRequest.objects.select_for_update())


# --- the directory of local organisations --------------------------------------------------


# What the directory's edit page shows and saves; its fingerprint tells whether someone changed them since.
ORGANISATION_FIELDS = ("name", "services", "phone", "email", "website", "notes", "active")


def organisation_fingerprint(organisation: Organisation) -> str:
    return fingerprint(organisation, ORGANISATION_FIELDS)


@transaction.atomic
def save_organisation(
    area: Area,
    *,
    name: str,
    services: list[str],
    phone: str = "",
    email: str = "",
    website: str = "",
    notes: str = "",
    active: bool = True,
    organisation: Organisation | None = None,
    request: HttpRequest | None = None,
    actor: Any = None,
    seen: str | None = None,
) -> Organisation:
    """Add an organisation to the area's directory, or change one. `seen` is the edit form's
    `organisation_fingerprint`: a change made since the form was opened is not undone (StaleOrganisation), and
    `organisation` then holds the details as they are now."""
    actor = _actor(request, actor)
    if organisation is not None and seen is not None:
        organisation.refresh_from_db(from_queryset=Organisation.objects.select_for_update())
        if organisation_fingerprint(organisation) != seen:
            raise StaleOrganisation(STALE_ORGANISATION)
    name = name.strip()
    if not name:
        raise SupportError("Enter the organisation's name.")
    if not services or any(s not in SUPPORT_NEEDS for s in services):
        raise SupportError("Choose what the organisation helps with.")
    clash = Organisation.objects.filter(area=area, name__iexact=name)
    if organisation is not None:
        clash = clash.exclude(pk=organisation.pk)
    if clash.exists():
        raise SupportError(f"{name} is already in the directory.")
    created = organisation is None
    organisation = organisation or Organisation(area=area)
    organisation.name, organisation.services = name, list(services)
    organisation.phone, organisation.email, organisation.website = phone, email, website
    organisation.notes, organisation.active = notes, active
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        # The same form sent twice at once (a double click): the check above saw neither, the database refuses one.
        raise SupportError(f"{name} is already in the directory.") from None
    record(Action.CREATE if created else Action.CHANGE, request=request, actor=actor, obj=organisation, area=area)
    return organisation


# --- payment claims ------------------------------------------------------------------------


@dataclass(frozen=True)
class IsolationPeriod:
    first: dt.date
    last: dt.date
    record: str


def isolation_period(item: Case | Contact) -> IsolationPeriod:
    """The period the record told them to isolate for, in terms a support officer may see (no clinical dates).

    A case is counted from the day the result was given to the end of its isolation; a contact from
    their last exposure to the end of theirs.
    """
    if isinstance(item, Case):
        last = policy.case_isolation_ends_on(item.anchor_date)
        return IsolationPeriod(min(item.result_date, last), last, item.reference)
    return IsolationPeriod(item.last_exposure, item.isolation_ends_on, item.reference)


def unmet_rules(claim: PaymentClaim) -> list[str]:
    """Why the claim does not meet the rules in force for its isolation period; empty if it does."""
    rules = policy.support_payment_rules(claim.isolation_starts_on)
    unmet = []
    if not claim.told_to_isolate:
        unmet.append("They say they were not told to isolate.")
    if rules.get("needs_low_income", True) and not claim.low_income:
        unmet.append("They are not on a qualifying benefit or a low income.")
    if rules.get("needs_cannot_work_from_home", True) and not claim.cannot_work_from_home:
        unmet.append("They can work from home.")
    return unmet


def check_claimable(item: Case | Contact, *, for_area: Any = None, at: dt.datetime | None = None) -> IsolationPeriod:
    """The isolation a claim on this record would be for, or SupportError if no claim can be made on it now.

    The checks that need none of the answers, shared by `make_claim` and the pages that offer a claim, so
    nobody is refused only after answering every question. `for_area` is the area an officer claims for.
    """
    if not isinstance(item, (Case, Contact)):
        raise SupportError("A claim is checked against a case or a contact record.")
    if for_area is not None and item.area_id != for_area.pk:
        raise SupportError(
            "This record has been transferred to another area; that area handles the claim.", code="transferred"
        )
    period = isolation_period(item)
    today = timezone.localdate(at or timezone.now())
    if period.first > today:
        raise SupportError("Their isolation has not started yet.", code="not_started")
    window = policy.support_payment_rules(period.first).get("claim_within_days", 42)
    if today > period.last + dt.timedelta(days=window):
        raise SupportError(
            f"Their isolation ended on {period.last:%-d %B %Y}, more than {window} days ago: too late to claim.",
            code="too_late",
            params={"ended_on": period.last, "days": window},
        )
    return period


def claim_refusal(item: Case | Contact, *, for_area: Any = None) -> str:
    """Why a claim on this record would be refused before any question is asked; empty if it would not."""
    try:
        check_claimable(item, for_area=for_area)
    except SupportError as refused:
        return str(refused)
    return ""


def duplicate_message(existing: PaymentClaim) -> str:
    return (
        f"There is already a claim ({existing.reference}, {existing.get_status_display().lower()}) for "
        f"isolation from {existing.isolation_starts_on:%-d %B} to {existing.isolation_ends_on:%-d %B %Y}. "
        "Only one claim can be made for each period of isolation."
    )


def claim_for_period(item: Case | Contact, period: Any = None, *, lock: bool = False) -> PaymentClaim | None:
    """The person's claim whose isolation overlaps this record's, if one was made: only one is allowed."""
    period = period or isolation_period(item)
    claims = PaymentClaim.objects.select_for_update() if lock else PaymentClaim.objects.all()
    return claims.filter(
        person_id=item.person_id, isolation_starts_on__lte=period.last, isolation_ends_on__gte=period.first
    ).first()


def make_claim(
    item: Case | Contact,
    *,
    told_to_isolate: bool,
    low_income: bool,
    cannot_work_from_home: bool,
    evidence_notes: str = "",
    online: bool = False,
    for_area: Any = None,
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
) -> PaymentClaim:
    """A claim for a support payment, checked against the person's case or contact record.

    `for_area` is the area an officer claims for (their support request's): a record transferred away
    since is the other area's to claim for. Its isolation must be current or
    recently ended (within the claim window of the rules in force). One claim per person per isolation
    period: a claim whose period overlaps one already made is refused, and the database refuses a second
    claim for the same period even when two arrive at once. `actor` may be None: the person online.
    """
    actor = _actor(request, actor)
    at = at or timezone.now()
    period = check_claimable(item, for_area=for_area, at=at)
    if len(evidence_notes) > 2000:
        raise SupportError("Keep the evidence notes to 2,000 characters.", code="notes_too_long")
    try:
        with transaction.atomic():
            # The person's row first: the overlap check below may find no claim to lock, and two overlapping
            # claims on different records (a contact's and their own case's, with different end dates) would
            # both pass it and both be inserted, since the database only refuses the same end date twice.
            _lock_person(item.person_id)
            overlapping = claim_for_period(item, period, lock=True)
            if overlapping is not None and online and _undecided_online(overlapping):
                # The person sends their claim again before anyone has decided it: their new answers replace
                # the old, so one misread question does not use up their only claim.
                return _replace_answers(overlapping, told_to_isolate=told_to_isolate, low_income=low_income,
                                        cannot_work_from_home=cannot_work_from_home,
                                        evidence_notes=evidence_notes, request=request, at=at)  # fmt: skip
            if overlapping is not None:
                raise SupportError(duplicate_message(overlapping), code="duplicate", params={"claim": overlapping})
            claim = PaymentClaim.objects.create(
                area_id=item.area_id,
                person_id=item.person_id,
                **({"case": item} if isinstance(item, Case) else {"contact": item}),
                isolation_starts_on=period.first,
                isolation_ends_on=period.last,
                told_to_isolate=told_to_isolate,
                low_income=low_income,
                cannot_work_from_home=cannot_work_from_home,
                evidence_notes=evidence_notes.strip(),
                amount=policy.support_payment_amount(period.first),
                channel=PaymentClaim.Channel.ONLINE if online else PaymentClaim.Channel.OFFICER,
                claimed_at=at,
                claimed_by=actor,
            )
            record(Action.CREATE, request=request, actor=actor, obj=claim, area=item.area,
                   detail={"record": period.record, "online": online})  # fmt: skip
    except IntegrityError:
        existing = PaymentClaim.objects.filter(person_id=item.person_id, isolation_ends_on=period.last).first()
        if existing is None:
            raise
        if online and _undecided_online(existing):
            # The same person's claim sent twice at once (a double click): the second replaces, as sent later.
            return _replace_answers(existing, told_to_isolate=told_to_isolate, low_income=low_income,
                                    cannot_work_from_home=cannot_work_from_home, evidence_notes=evidence_notes,
                                    request=request, at=at)  # fmt: skip
        raise SupportError(duplicate_message(existing), code="duplicate", params={"claim": existing}) from None
    return claim


ANSWERS_CHANGED = "They sent new answers after you opened this claim. Read the claim again, then decide."


def _undecided_online(claim: PaymentClaim) -> bool:
    return claim.channel == PaymentClaim.Channel.ONLINE and claim.status == PaymentClaim.Status.SUBMITTED


def _replace_answers(
    claim: PaymentClaim, *, told_to_isolate: bool, low_income: bool, cannot_work_from_home: bool,
    evidence_notes: str, request: HttpRequest | None, at: dt.datetime,
) -> PaymentClaim:  # fmt: skip
    before = {"told_to_isolate": claim.told_to_isolate, "low_income": claim.low_income,
              "cannot_work_from_home": claim.cannot_work_from_home}  # fmt: skip
    claim.told_to_isolate, claim.low_income = told_to_isolate, low_income
    claim.cannot_work_from_home, claim.evidence_notes = cannot_work_from_home, evidence_notes.strip()
    claim.claimed_at = at
    claim.save(update_fields=["told_to_isolate", "low_income", "cannot_work_from_home", "evidence_notes", "claimed_at"])
    record(Action.CHANGE, request=request, obj=claim, area=claim.area,
           detail={"answers_sent_again": True, "before": before})  # fmt: skip
    return claim


# Public money: the officer who took a claim's answers does not also decide it.
SOMEONE_ELSE_DECIDES = "You recorded this claim, so someone else decides it: another support officer or the area lead."


def recorded_it(claim: PaymentClaim, actor: Any) -> bool:
    return actor is not None and claim.claimed_by_id is not None and claim.claimed_by_id == actor.pk


@transaction.atomic
def decide_claim(
    claim: PaymentClaim,
    *,
    approve: bool,
    reason: str,
    payment_reference: str = "",
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
    answers_as_of: dt.datetime | None = None,
) -> PaymentClaim:
    """Approve (with the payment reference) or decline, always with a reason; a claim is decided once.

    `answers_as_of` is when the answers the officer read were given: a person may send their online claim
    again before it is decided, and a decision is never taken on answers the officer has not seen.
    """
    actor = _actor(request, actor)
    claim = PaymentClaim.objects.select_for_update().get(pk=claim.pk)
    reason, payment_reference = reason.strip(), payment_reference.strip()
    if claim.status != PaymentClaim.Status.SUBMITTED:
        raise SupportError(f"This claim was already {claim.get_status_display().lower()}.")
    if answers_as_of is not None and claim.claimed_at != answers_as_of:
        raise SupportError(ANSWERS_CHANGED)
    if recorded_it(claim, actor):
        raise SupportError(SOMEONE_ELSE_DECIDES)
    if not reason:
        raise SupportError("Give the reason for the decision.")
    if approve:
        unmet = unmet_rules(claim)
        if unmet:
            raise SupportError("This claim does not meet the rules: " + " ".join(unmet))
        if not payment_reference:
            raise SupportError("Enter the payment reference.")
        if PaymentClaim.objects.filter(payment_reference=payment_reference).exists():
            raise SupportError(f"The payment reference {payment_reference} is already used by another claim.")
    elif payment_reference:
        raise SupportError("A declined claim has no payment reference.")
    claim.status = PaymentClaim.Status.APPROVED if approve else PaymentClaim.Status.DECLINED
    claim.decided_at, claim.decided_by = at or timezone.now(), actor
    claim.decision_reason, claim.payment_reference = reason, payment_reference
    try:
        with transaction.atomic():
            claim.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "payment_reference"])
    except IntegrityError:
        # Another claim approved at the same moment with the same reference: the check above saw neither.
        raise SupportError(f"The payment reference {payment_reference} is already used by another claim.") from None
    record(Action.CHANGE, request=request, actor=actor, obj=claim, area=claim.area,
           detail={"decision": claim.status})  # fmt: skip
    return claim
