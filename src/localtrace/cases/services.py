"""Opening cases from positive results: one case per person per episode, with a priority and a deadline.

Also where a case meets the contact records of its person: the contact that can be its source (a named link
of a transmission chain, docs/chains.md), and contacts closed because their person is a case now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from localtrace.cases import ladder
from localtrace.cases.models import OPEN_STATUSES, Case, Priority, Status
from localtrace.config import policy

if TYPE_CHECKING:
    from localtrace.contacts.models import Contact

# A positive result within this many days of a case's specimen date belongs to that case.
EPISODE_DAYS = 90
# A new case whose person was named as a contact this recently was probably infected by that case.
SOURCE_CONTACT_DAYS = 14
# The PostgreSQL advisory lock that lets one decision about a case's named source be made at a time.
SOURCE_LINKS_LOCK = 0x4C540001
SCHOOL_AGES = range(4, 19)
OLDER_AGE = 70


def priority_for(*, care_home: bool, occupation: str, date_of_birth: dt.date, on: dt.date) -> tuple[int, list[str]]:
    """The case's priority (lower is sooner) and every reason that applies, most urgent first."""
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    reasons: list[tuple[int, str]] = []
    if care_home:
        reasons.append((Priority.CARE_HOME, "Lives or works in a care home"))
    if occupation == "health_care":
        reasons.append((Priority.HEALTH_OR_SOCIAL_CARE, "Health care worker"))
    if occupation == "social_care":
        reasons.append((Priority.HEALTH_OR_SOCIAL_CARE, "Social care worker"))
    if occupation == "education":
        reasons.append((Priority.SCHOOL, "Works in education"))
    if age in SCHOOL_AGES:
        reasons.append((Priority.SCHOOL, f"School age ({age})"))
    if age >= OLDER_AGE:
        reasons.append((Priority.VULNERABLE, f"Aged {age}"))
    reasons.sort()
    return (reasons[0][0] if reasons else Priority.STANDARD), [text for _, text in reasons]


def plausible_source(last_exposure: dt.date, case: Case) -> bool:
    """Whether a contact who last met their case on `last_exposure` can have caught it then and become `case`.

    The illness must follow the meeting: the test within SOURCE_CONTACT_DAYS after it and, with symptoms,
    their onset too. Incubation takes at least a day, so symptoms or a test on or before the day they met
    mean they already had it (they may be the source, not the other way round). Without a known onset the
    test stands for it, as it does for the isolation dates (`Case.anchor_date`).
    """
    onset = case.onset_date if case.symptomatic and case.onset_date else None
    return last_exposure < case.specimen_date <= last_exposure + dt.timedelta(days=SOURCE_CONTACT_DAYS) and (
        onset is None or last_exposure < onset
    )


def _would_close_loop(source_case_id: int, case_id: int) -> bool:
    """Whether `case_id` is the case `source_case_id` or one of its named sources, up the chain: linking it as
    infected by `source_case_id` would make a loop of "who infected whom". One query per generation."""
    seen: set[int] = set()
    current: int | None = source_case_id
    while current is not None and current not in seen:
        if current == case_id:
            return True
        seen.add(current)
        current = Case.objects.filter(pk=current).values_list("source_contact__case_id", flat=True).first()
    return False


def _one_source_decision_at_a_time() -> None:
    """Held to the end of the caller's transaction. Deciding a source reads the chain, then writes one link: two
    decisions at once (case A names B's person as B's case names A's) could each see no loop and make one
    together. PostgreSQL serialises them with an advisory lock; SQLite's transactions here begin IMMEDIATE
    (settings), so the first write lock already did."""
    assert connection.in_atomic_block, "a source decision needs a transaction to hold its lock"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SOURCE_LINKS_LOCK])


def one_case_decision_per_person(person_ids: set[int]) -> None:
    """Held to the end of the caller's transaction: whether a person has a case is decided for them by one
    transaction at a time.

    Two intake batches with a positive result each for one person (a laboratory's file and another's FHIR call)
    would otherwise each see no case and open two; a tracer naming someone while their positive result is being
    written would each see nothing of the other, leaving the contact open with a contact's advice and the case
    unlinked from the case that named them. The people's rows are locked in one order, so two batches cannot
    deadlock; FOR NO KEY UPDATE, so rows that merely point at them are not held up. On SQLite one writer runs at
    a time (transactions begin IMMEDIATE), so nothing more is needed.
    """
    from localtrace.people.models import Person

    if connection.vendor != "postgresql" or not person_ids:
        return
    assert connection.in_atomic_block, "a case decision needs a transaction to hold its lock"
    locked = Person._base_manager.select_for_update(no_key=True).filter(pk__in=person_ids).order_by("pk")
    list(locked.values_list("pk", flat=True))


def _not_before(at: dt.datetime | None, arrived: dt.datetime) -> dt.datetime:
    """When a change about a case happens: now (or `at`), never before the case's first result arrived.

    Replays (the demo's working day) name people at past moments, after intake opened every case.
    """
    return max(at or timezone.now(), arrived)


def is_case_for(case: Case, contact: Any) -> bool:
    """Whether the contact's person, as this case of theirs, is no longer to be followed up as a contact.

    They were still in their isolation as a case on the day they met, or tested positive since, no later
    than their follow-up as a contact ends (the last day of their isolation, or SOURCE_CONTACT_DAYS after
    they met, within which a positive test links the case to the contact). A case whose isolation had ended
    before they met is history: the contact is followed up as any other.
    """
    followed_until = max(contact.isolation_ends_on, contact.last_exposure + dt.timedelta(days=SOURCE_CONTACT_DAYS))
    return (
        case.person_id == contact.person_id
        and policy.case_isolation_ends_on(case.anchor_date) >= contact.last_exposure
        and case.specimen_date <= followed_until
    )


def case_now(contact: Any) -> Case | None:
    """The person's case that the contact has become (`is_case_for`), the latest if several; else None.

    Annotated with `arrived`, when its first result arrived.
    """
    followed_until = max(contact.isolation_ends_on, contact.last_exposure + dt.timedelta(days=SOURCE_CONTACT_DAYS))
    for case in (
        Case.objects.filter(
            person_id=contact.person_id,
            specimen_date__gte=contact.last_exposure - dt.timedelta(days=EPISODE_DAYS),
            specimen_date__lte=followed_until,
        )
        .annotate(arrived=F("first_result__received_at"))
        .order_by("-specimen_date", "-pk")
    ):
        if is_case_for(case, contact):
            return case
    return None


# The contact's timeline entry that says which case they became; the contact page reads it.
BECAME_CASE = "became_case"


@transaction.atomic
def close_contact_now_a_case(
    contact: Any, case: Case, *, request: HttpRequest | None = None, actor: Any = None, at: dt.datetime | None = None
) -> bool:
    """The contact's person tested positive and is `case` now (`is_case_for`): the case's advice replaces theirs.

    An open contact is closed as "Became a case": it leaves the queue, its escalation ladder stops and messages
    still waiting to go to it are not sent. Open or closed, its timeline says "Tested positive: now case C12"
    once. Returns whether anything changed. `at` is when, for replays; normally now.
    """
    from localtrace.cases.events import note
    from localtrace.contacts.models import Contact
    from localtrace.messaging.models import Message

    if contact.events.filter(kind=BECAME_CASE).exists():
        return False
    when = at or timezone.now()
    said = f"Tested positive: now case {case.reference}"
    # Conditional, as completing is: a tracer completing the contact at this moment keeps their outcome.
    closed = Contact.objects.filter(pk=contact.pk, status__in=OPEN_STATUSES).update(
        status=Status.BECAME_CASE, closed_at=when, next_step_at=None, claimed_by=None, claimed_at=None,
        outcome_note=said,
    )  # fmt: skip
    if closed:
        contact.status, contact.closed_at, contact.next_step_at, contact.outcome_note = (
            Status.BECAME_CASE, when, None, said
        )  # fmt: skip
        contact.claimed_by, contact.claimed_at = None, None
        Message.objects.filter(contact_id=contact.pk, status=Message.Status.QUEUED).update(
            status=Message.Status.WITHHELD, last_error=f"{said}: messages to them as a contact are not sent."
        )
        summary = f"{said}. No longer followed up as a contact: their isolation and advice are the case's."
    else:
        summary = f"{said}."
    note(contact, BECAME_CASE, summary, request=request, actor=actor, at=when, case=case.pk, closed=bool(closed))
    return True


def _start_ladders(cases: list[Case], at: dt.datetime) -> None:
    """Each new case starts at the first ladder step its person's details allow (`ladder.first_step`)."""
    from localtrace.people.models import Person

    if not cases:
        return
    means = {
        person.pk: ladder.Means.of(person)
        for person in Person.objects.filter(pk__in={c.person_id for c in cases}).only(
            "phone", "email", "address_line_1", "postcode"
        )
    }
    for case in cases:
        case.ladder_step = ladder.first_step(means.get(case.person_id))
        case.next_step_at = at if case.ladder_step else None


def _link_to_naming_cases(cases: list[Case]) -> dict[int, list[Any]]:
    """A contact who later tests positive: their new case points at the contact record (and so at the case that
    named them), when that contact can be their source (`plausible_source`): the most recent such meeting.

    A new case has named nobody, so it cannot close a loop. Returns the person's contact records that the new
    cases may have made of them (`is_case_for`), by person, for `_close_contacts_now_cases`.
    """
    if not cases:
        return {}
    from localtrace.contacts.models import Contact

    earliest = min(c.specimen_date for c in cases)
    latest = max(policy.case_isolation_ends_on(c.anchor_date) for c in cases)
    known: dict[int, list[Contact]] = {}
    for contact in Contact.objects.filter(person_id__in={c.person_id for c in cases}, last_exposure__lte=latest).filter(
        Q(last_exposure__gte=earliest - dt.timedelta(days=SOURCE_CONTACT_DAYS)) | Q(isolation_ends_on__gte=earliest)
    ):
        known.setdefault(contact.person_id, []).append(contact)
    for case in cases:
        sources = [k for k in known.get(case.person_id, []) if plausible_source(k.last_exposure, case)]
        if sources:
            case.source_contact = max(sources, key=lambda k: (k.last_exposure, k.pk))
    return known


def _close_contacts_now_cases(cases: list[Case], known: dict[int, list[Any]], *, at: dt.datetime) -> None:
    """After intake saved the new cases: each contact record they made of their person closes (or says so)."""
    for case in cases:
        for contact in known.get(case.person_id, []):
            if is_case_for(case, contact):
                close_contact_now_a_case(contact, case, at=_not_before(at, case.first_result.received_at))


def link_case_to_naming_contact(
    contact: Any, *, request: HttpRequest | None = None, actor: Any = None, at: dt.datetime | None = None
) -> Case | None:
    """Someone just named as a contact who already has a case (they tested before the tracer named them).

    Their case gets this contact as its source by the same rule as at intake (`plausible_source`), unless it
    has one, or it would make a loop: the case is already this contact's case's source, or further up its
    chain. So a transmission chain does not depend on whether the test or the interview came first.
    And if they are a case now (`is_case_for`), the contact is closed as having become one
    (`close_contact_now_a_case`): nobody calls them with a contact's advice. Returns the case linked, if any.
    """
    from localtrace.cases.events import note

    one_case_decision_per_person({contact.person_id})
    linked = None
    for later in (
        Case.objects.filter(
            person_id=contact.person_id,
            source_contact__isnull=True,
            specimen_date__gt=contact.last_exposure,
            specimen_date__lte=contact.last_exposure + dt.timedelta(days=SOURCE_CONTACT_DAYS),
        )
        .exclude(pk=contact.case_id)
        .annotate(arrived=F("first_result__received_at"))
        .order_by("specimen_date", "pk")
    ):
        if not plausible_source(contact.last_exposure, later):
            continue
        _one_source_decision_at_a_time()
        if _would_close_loop(contact.case_id, later.pk):
            continue
        # The conditional update keeps an existing link if two namings race.
        if not Case.objects.filter(pk=later.pk, source_contact__isnull=True).update(source_contact=contact):
            continue
        later.source_contact = contact
        note(later, "source_linked", f"Named as a contact by case {contact.case.reference}", request=request,
             actor=actor, at=_not_before(at, later.arrived), contact=contact.pk)  # fmt: skip
        linked = later
        break
    became = linked or case_now(contact)
    if became is not None:
        arrived: dt.datetime = became.arrived  # type: ignore[attr-defined]  # both queries annotate it
        close_contact_now_a_case(contact, became, request=request, actor=actor, at=_not_before(at, arrived))
    return linked


@transaction.atomic
def recheck_source(
    case: Case, *, request: HttpRequest | None = None, actor: Any = None, at: dt.datetime | None = None
) -> Contact | None:
    """After their symptoms are recorded: keep the case's named source only if they can have caught it there.

    A source linked on the test date alone (at intake, before the interview) may meet someone after their
    symptoms began. It is unlinked, with a line on the timeline, and the most recent contact record of theirs
    that can be the source (`plausible_source`, without making a loop) takes its place, if there is one.
    Returns the source as it now stands. For `cases.investigation.record_symptoms`.
    """
    from localtrace.cases.events import note
    from localtrace.contacts.models import Contact

    if case.source_contact_id is None:
        return None
    current = Contact.objects.select_related("case").get(pk=case.source_contact_id)
    if plausible_source(current.last_exposure, case):
        return current
    _one_source_decision_at_a_time()
    candidates = (
        Contact.objects.select_related("case")
        .filter(
            person_id=case.person_id,
            last_exposure__gte=case.specimen_date - dt.timedelta(days=SOURCE_CONTACT_DAYS),
            last_exposure__lt=case.specimen_date,
        )
        .exclude(pk=current.pk)
        .order_by("-last_exposure", "-pk")
    )
    source = next(
        (
            k
            for k in candidates
            if plausible_source(k.last_exposure, case) and not _would_close_loop(k.case_id, case.pk)
        ),
        None,
    )
    # Conditional, as linking is: a source changed meanwhile by someone else stays as they left it.
    if not Case.objects.filter(pk=case.pk, source_contact=current).update(source_contact=source):
        return Case.objects.get(pk=case.pk).source_contact
    case.source_contact = source
    began = (
        f"symptoms began on {case.onset_date:%-d %B}" if case.onset_date else f"tested on {case.specimen_date:%-d %B}"
    )
    note(case, "source_unlinked",
         f"No longer linked to case {current.case.reference} as their source: {began}, on or before the day they "
         f"last met ({current.last_exposure:%-d %B})", request=request, actor=actor, at=at, contact=current.pk)  # fmt: skip
    if source is not None:
        note(case, "source_linked", f"Named as a contact by case {source.case.reference}", request=request,
             actor=actor, at=at, contact=source.pk)  # fmt: skip
    return source


@transaction.atomic  # the people's locks (one_case_decision_per_person) hold until it commits
def open_cases_for(
    results: Sequence[object], *, births: Mapping[int, dt.date | None], received_at: dt.datetime | None = None
) -> int:
    """Attach each positive result to its person's case in the episode, or open a new case.

    `results` are saved TestResult rows; `births` gives each person's date of birth (for priority).
    Returns the number of cases opened.
    """
    from localtrace.results.models import TestResult

    received_at = received_at or timezone.now()
    positives = [r for r in results if isinstance(r, TestResult) and r.result == "positive" and r.area_id is not None]
    if not positives:
        return 0
    one_case_decision_per_person({r.person_id for r in positives})
    earliest = min(r.specimen_date for r in positives) - dt.timedelta(days=EPISODE_DAYS)
    existing: dict[int, list[Case]] = {}
    for case in Case.objects.filter(person_id__in={r.person_id for r in positives}, specimen_date__gte=earliest):
        existing.setdefault(case.person_id, []).append(case)

    opened: list[Case] = []
    attach: dict[int, list[TestResult]] = {}
    for result in sorted(positives, key=lambda r: (r.specimen_date, r.pk)):
        candidates = [
            c
            for c in existing.get(result.person_id, [])
            if abs((result.specimen_date - c.specimen_date).days) <= EPISODE_DAYS
        ]
        if candidates:
            case = candidates[0]
        else:
            priority, reasons = priority_for(
                care_home=result.care_home,
                occupation=result.occupation,
                date_of_birth=births.get(result.person_id) or result.specimen_date,
                on=result.specimen_date,
            )
            case = Case(
                person_id=result.person_id,
                area_id=result.area_id or 0,  # positives without an area were filtered out above
                priority=priority,
                priority_reasons=reasons,
                first_result=result,
                specimen_date=result.specimen_date,
                result_date=result.result_date,
                reach_deadline=received_at + policy.case_reach_within(result.result_date),
            )
            opened.append(case)
            existing.setdefault(result.person_id, []).append(case)
        attach.setdefault(id(case), []).append(result)
    _start_ladders(opened, received_at)
    known = _link_to_naming_cases(opened)
    Case.objects.bulk_create(opened)
    _close_contacts_now_cases(opened, known, at=received_at)
    by_id = {id(c): c for cs in existing.values() for c in cs}
    linked: list[TestResult] = []
    for key, attached in attach.items():
        case = by_id[key]
        for r in attached:
            r.case = case
            linked.append(r)
    # One statement for the whole batch (intake calls this per 2,000 rows), not one per case.
    TestResult.objects.bulk_update(linked, ["case"], batch_size=500)
    return len(opened)
