"""Opening cases from positive results: one case per person per episode, with a priority and a deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from localtrace.cases.models import Case, Priority
from localtrace.config import policy

# A positive result within this many days of a case's specimen date belongs to that case.
EPISODE_DAYS = 90
# A new case whose person was named as a contact this recently was probably infected by that case.
SOURCE_CONTACT_DAYS = 14
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


def _link_to_naming_cases(cases: list[Case]) -> None:
    """A contact who later tests positive: their new case points at the contact record (and so at the case that named them)."""
    if not cases:
        return
    from localtrace.contacts.models import Contact

    earliest = min(c.specimen_date for c in cases) - dt.timedelta(days=SOURCE_CONTACT_DAYS)
    named: dict[int, Contact] = {}
    for known in Contact.objects.filter(
        person_id__in={c.person_id for c in cases}, last_exposure__gte=earliest
    ).order_by("-last_exposure"):
        named.setdefault(known.person_id, known)
    for case in cases:
        contact = named.get(case.person_id)
        if contact and contact.last_exposure <= case.specimen_date <= contact.last_exposure + dt.timedelta(
            days=SOURCE_CONTACT_DAYS
        ):
            case.source_contact = contact


def link_case_to_naming_contact(
    contact: Any, *, request: HttpRequest | None = None, actor: Any = None, at: dt.datetime | None = None
) -> Case | None:
    """Someone named as a contact who already has a case (tested before the tracer named them): link it.

    The same rule as at intake (a specimen within SOURCE_CONTACT_DAYS after the last exposure), so a
    transmission chain does not depend on whether the test or the interview came first.
    """
    from localtrace.cases.events import note

    later = (
        Case.objects.filter(
            person_id=contact.person_id,
            source_contact__isnull=True,
            specimen_date__gte=contact.last_exposure,
            specimen_date__lte=contact.last_exposure + dt.timedelta(days=SOURCE_CONTACT_DAYS),
        )
        .exclude(pk=contact.case_id)
        .order_by("specimen_date", "pk")
        .first()
    )
    # The conditional update keeps an existing link if two namings race.
    if later is None:
        return None
    if not Case.objects.filter(pk=later.pk, source_contact__isnull=True).update(source_contact=contact):
        return None
    later.source_contact = contact
    note(later, "source_linked", f"Named as a contact by case {contact.case.reference}", request=request,
         actor=actor, at=at, contact=contact.pk)  # fmt: skip
    return later


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
    _link_to_naming_cases(opened)
    Case.objects.bulk_create(opened)
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
