"""Naming contacts (by a tracer or the case online: one action for both) and reaching them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.areas.services import route_postcode
from localtrace.cases.events import note
from localtrace.cases.investigation import InvestigationError
from localtrace.cases.models import Case
from localtrace.cases.services import link_case_to_naming_contact
from localtrace.config import policy
from localtrace.contacts.models import Contact, SymptomReport
from localtrace.people.matching import PersonRecord, find_or_create_people


@dataclass(frozen=True)
class NamedContact:
    given_name: str
    family_name: str
    kind: str
    last_exposure: dt.date
    relationship: str = ""
    date_of_birth: dt.date | None = None
    phone: str = ""
    email: str = ""
    postcode: str = ""
    address_line_1: str = ""


@transaction.atomic
def name_contact(
    case: Case,
    named: NamedContact,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    online: bool = False,
    at: dt.datetime | None = None,
) -> Contact:
    """Add one contact of a case: matched to a person, routed to their area, dated, and queued.

    `at` is when they were named, for replays (the demo's working day); normally now.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    now = at or timezone.now()
    today = timezone.localdate(now)
    window = policy.infectious_period(case.anchor_date)
    if named.last_exposure > today:
        raise InvestigationError("The last time they met must be today or in the past")
    if named.last_exposure < window.first:
        raise InvestigationError(
            f"Contact before {window.first:%-d %B} is outside the infectious period: record it as a place or person "
            "they may have caught it from instead"
        )
    household = named.kind == Contact.Kind.HOUSEHOLD
    postcode = named.postcode or (case.person.postcode if household else "")
    address = named.address_line_1 or (case.person.address_line_1 if household else "")
    if postcode:
        try:
            postcode = normalise_postcode(postcode)
        except InvalidPostcode as error:
            raise InvestigationError(str(error)) from None
    (person_id,) = find_or_create_people(
        [
            PersonRecord(
                nhs_number="",
                given_name=named.given_name.strip(),
                family_name=named.family_name.strip(),
                date_of_birth=named.date_of_birth,
                address_line_1=address,
                postcode=postcode,
                phone=named.phone,
                # Lower case, as intake stores it, so that matching and searches find it by an exact lookup.
                email=named.email.strip().lower(),
                preferred_language=case.person.preferred_language if household else "en",
            )
        ]
    )
    if person_id == case.person_id:
        raise InvestigationError("That is the case themself, not a contact")
    if Contact.objects.filter(case=case, person_id=person_id).exists():
        raise InvestigationError(f"{named.given_name} {named.family_name} is already a contact of this case")
    route = getattr(route_postcode(postcode), "pk", None) if postcode else None
    contact = Contact.objects.create(
        case=case,
        person_id=person_id,
        area_id=route or case.area_id,
        kind=named.kind,
        relationship=named.relationship[:100],
        last_exposure=named.last_exposure,
        isolation_ends_on=policy.contact_isolation_ends_on(named.last_exposure),
        # A contact is as urgent as the case that named them (a care home's contacts first).
        priority=case.priority,
        reach_deadline=now + policy.contact_reach_within(today),
        named_at=now,
        named_by=actor,
        named_online=online,
    )
    via = "online" if online else "by the tracer"
    note(case, "contact_named", f"Named a contact ({contact.get_kind_display().lower()}) {via}", request=request,
         actor=actor, at=at, contact=contact.pk)  # fmt: skip
    note(contact, "named", f"Named by case {case.reference} {via}; isolate until the end of {contact.isolation_ends_on:%A %-d %B}",
         request=request, actor=actor, at=at)  # fmt: skip
    # Transmission chains (issue 7): someone who already tested positive gets this contact as their source.
    link_case_to_naming_contact(contact, request=request, actor=actor, at=at)
    return contact


def household_of(contact: Contact, within: QuerySet[Contact] | None = None) -> list[Contact]:
    """The contact's household, as named by the same case, themselves included.

    `within` narrows it to a set of contacts (a user's scope), in the same query.
    """
    if contact.kind != Contact.Kind.HOUSEHOLD:
        return [contact]
    base = Contact.objects.all() if within is None else within
    return list(
        base.filter(case_id=contact.case_id, kind=Contact.Kind.HOUSEHOLD).select_related("person").order_by("pk")
    )


@transaction.atomic
def record_symptom_report(
    contact: Contact, *, has_symptoms: bool, request: HttpRequest | None = None, online: bool = True
) -> SymptomReport:
    """Today's answer to the daily symptom check, while the contact isolates; symptoms tell their team.

    A second answer on the same day replaces the first (people feel worse as the day goes on).
    """
    today = timezone.localdate()
    if today > contact.isolation_ends_on:
        raise InvestigationError("Their isolation has ended: there is no symptom check to record")
    report, _ = SymptomReport.objects.update_or_create(
        contact=contact, reported_on=today, defaults={"has_symptoms": has_symptoms, "online": online}
    )
    via = "online" if online else "by phone"
    if has_symptoms:
        summary = f"Reported symptoms {via} on {today:%-d %B}: advised to get a test. Call them."
    else:
        summary = f"Daily symptom check {via}: no symptoms"
    note(contact, "symptom_report", summary, request=request, has_symptoms=has_symptoms)
    return report


def latest_symptoms(contact: Contact) -> SymptomReport | None:
    """The most recent report of symptoms, for the contact page's warning."""
    return contact.symptom_reports.filter(has_symptoms=True).first()
