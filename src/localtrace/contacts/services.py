"""Naming contacts (by a tracer or the case online: one action for both), telling them to isolate, and their
daily symptom checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from localtrace.accounts.models import User
from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.areas.services import route_postcode
from localtrace.cases import investigation, ladder
from localtrace.cases.events import note
from localtrace.cases.investigation import InvestigationError
from localtrace.cases.models import Case, Status, hold_is_current
from localtrace.cases.queue import touch
from localtrace.cases.services import BECAME_CASE, case_now, link_case_to_naming_contact
from localtrace.config import policy
from localtrace.contacts.models import Contact, SymptomReport
from localtrace.core.forms import EMAIL_MAX_LENGTH
from localtrace.people.matching import PersonRecord, find_or_create_people
from localtrace.people.models import Person
from localtrace.results.validation import normalise_phone

BAD_PHONE = "Enter a phone number, like 07123 456789 or +44 7123 456789"
# Closed contacts whom a report of symptoms puts back in the queue: told to isolate, or never reached. Not those
# closed for another reason (transferred away, or now a case whose own advice replaces theirs).
REOPENED_BY_SYMPTOMS = (Status.COMPLETED, Status.UNREACHABLE)


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


class NamingError(InvestigationError):
    """A contact that cannot be named as given; `field` is the answer at fault, when one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def names_the_same_person(named: NamedContact, person: Person) -> bool:
    """Whether someone just named is, for all we can tell, this person already named: the same name, and neither a
    phone number nor a date of birth tells them apart.

    The rule the portal uses for "already named", with the date of birth the tracer's form also asks for. A
    father and son of one name are two people when a number or a birthday says so; "Owain Pugh" named twice
    with nothing more (a double click on Save) is one.
    """
    phone = normalise_phone(named.phone.strip()) if named.phone.strip() else ""
    return (
        Person.key_for(named.given_name, named.family_name) == Person.key_for(person.given_name, person.family_name)
        and not (phone and person.phone and phone != person.phone)
        and not (named.date_of_birth and person.date_of_birth and named.date_of_birth != person.date_of_birth)
    )


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
    # One naming of this case's contacts at a time: a second submit of the same form (a double click, two tabs)
    # waits here for the first to commit, then finds the contact it named.
    Case.objects.select_for_update().get(pk=case.pk)
    now = at or timezone.now()
    today = timezone.localdate(now)
    window = policy.infectious_period(case.anchor_date)
    if named.last_exposure > today:
        raise NamingError("The last time they met must be today or in the past", field="last_exposure")
    if named.last_exposure < window.first:
        raise NamingError(
            f"Contact before {window.first:%-d %B} is outside the infectious period: record it as a place or person "
            "they may have caught it from instead",
            field="last_exposure",
        )
    if named.last_exposure > window.last:
        raise NamingError(
            f"The last day they were together must be no later than {window.last:%A} {window.last.day} "
            f"{window.last:%B}, when the case stopped being infectious. For someone who still lives with them, "
            f"enter {window.last.day} {window.last:%B}",
            field="last_exposure",
        )
    if policy.contact_isolation_ends_on(named.last_exposure) < today:
        raise NamingError(
            "Their isolation period is already over, so they need no isolation advice: do not add them as a contact",
            field="last_exposure",
        )
    if named.date_of_birth is not None and named.date_of_birth > today:
        raise NamingError("Date of birth must be today or in the past", field="date_of_birth")
    # E.164, as intake and the portal store it, so that matching and "Find" by phone number find them.
    phone = normalise_phone(named.phone.strip()) if named.phone.strip() else ""
    if named.phone.strip() and not phone:
        raise NamingError(BAD_PHONE, field="phone")
    # Lower case, as intake stores it, so that matching and searches find it by an exact lookup.
    email = named.email.strip().lower()
    if len(email) > EMAIL_MAX_LENGTH:
        raise NamingError(f"Email address must be {EMAIL_MAX_LENGTH} characters or fewer", field="email")
    # Someone who lives with the case shares their address, unless a postcode of their own was given.
    same_home = named.kind == Contact.Kind.HOUSEHOLD and not named.postcode.strip()
    postcode = named.postcode.strip() or (case.person.postcode if same_home else "")
    address = named.address_line_1 or (case.person.address_line_1 if same_home else "")
    if postcode:
        try:
            postcode = normalise_postcode(postcode)
        except InvalidPostcode as error:
            raise NamingError(str(error), field="postcode") from None
    namesake = next(
        (k for k in case.contacts.select_related("person").order_by("pk") if names_the_same_person(named, k.person)),
        None,
    )
    if namesake is not None:
        raise NamingError(
            f"{named.given_name.strip()} {named.family_name.strip()} is already a contact of this case "
            f"({namesake.reference}). If this is someone else with the same name, give their date of birth or "
            "phone number"
        )
    household = named.kind == Contact.Kind.HOUSEHOLD
    (person_id,) = find_or_create_people(
        [
            PersonRecord(
                nhs_number="",
                given_name=named.given_name.strip(),
                family_name=named.family_name.strip(),
                date_of_birth=named.date_of_birth,
                address_line_1=address,
                postcode=postcode,
                phone=phone,
                email=email,
                preferred_language=case.person.preferred_language if household else "en",
            )
        ]
    )
    if person_id == case.person_id:
        raise InvestigationError("That is the case themself, not a contact")
    if Contact.objects.filter(case=case, person_id=person_id).exists():
        raise InvestigationError(f"{named.given_name} {named.family_name} is already a contact of this case")
    route = getattr(route_postcode(postcode), "pk", None) if postcode else None
    # Someone without a phone number starts at the step that can reach them (the link by email, a visit).
    start = ladder.first_step(ladder.Means.of(Person.objects.get(pk=person_id)))
    contact = Contact.objects.create(
        ladder_step=start,
        next_step_at=now if start else None,
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


@dataclass(frozen=True)
class Told:
    """What "told to isolate" did: who was completed, and household members left to the tracer who holds them."""

    completed: list[Contact]
    held_by_others: list[tuple[Contact, str]]  # each with the name of whoever holds it


@transaction.atomic
def tell_to_isolate(
    contact: Contact, *, household: list[Contact] | None = None, request: HttpRequest | None = None
) -> Told:
    """They have been told to isolate and given advice: complete the contact, and with it the household members given.

    A contact already closed (a second click, or someone else a moment ago) is refused and nothing changes. A household
    member another tracer holds now is left for them: they may be on the phone to that person, and completing it would
    take it from under them. Members closed meanwhile are passed over.
    """
    actor = request.user if request is not None and request.user.is_authenticated else None
    try:
        investigation.complete(contact, request=request, summary=_told_summary(contact))
    except InvestigationError:
        raise InvestigationError(f"{contact.reference} is already closed: nothing was changed") from None
    completed: list[Contact] = [contact]
    held: list[tuple[Contact, int]] = []
    for member in household or []:
        if member.pk == contact.pk:
            continue
        current, holder = household_member_now(member, actor)
        if current is None:
            continue
        if holder is not None:
            held.append((member, holder))
            continue
        try:
            investigation.complete(current, request=request, summary=_told_summary(current))
        except InvestigationError:
            continue
        completed.append(member)
    names = dict(User.objects.filter(pk__in=[h for _, h in held]).values_list("pk", "full_name"))
    return Told(completed, [(member, names.get(holder) or "another tracer") for member, holder in held])


def _told_summary(contact: Contact) -> str:
    ends = contact.isolation_ends_on
    return f"Told to isolate until the end of {ends:%A} {ends.day} {ends:%B}"


@transaction.atomic
def record_symptom_report(
    contact: Contact, *, has_symptoms: bool, request: HttpRequest | None = None, online: bool = True
) -> SymptomReport:
    """Today's answer to the daily symptom check, while the contact isolates; symptoms make their team act.

    A second answer on the same day replaces the first (people feel worse as the day goes on).

    Symptoms reported online are news the team must act on: the contact needs a call now to check they have
    booked a test, are isolating and have the help they need. So the contact goes back to "waiting for a call":
    a completed or unreachable one is reopened with a fresh reach deadline (the policy's, from now), an open one
    already reached is made waiting again, and an open one not yet reached has its next call or visit made due now.
    Only new symptoms do this: the first report of them, or symptoms again after a report of none. Someone who
    answers "symptoms" every day until their test is not put back in the queue every day after the team has spoken
    to them. A contact closed for another reason (see REOPENED_BY_SYMPTOMS), or who has become a case (completed
    before they tested positive, say), stays as it is; the report is recorded.

    Symptoms recorded by a tracer on a call ("by phone") do none of this: the tracer was speaking to them and
    gave the advice there and then.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if today > locked.isolation_ends_on:
        raise InvestigationError("Their isolation has ended: there is no symptom check to record")
    earlier = list(contact.symptom_reports.filter(reported_on__lte=today)[:2])
    todays = next((r for r in earlier if r.reported_on == today), None)
    before = next((r for r in earlier if r.reported_on < today), None)
    news = has_symptoms and not (todays and todays.has_symptoms) and not (before and before.has_symptoms)
    report, _ = SymptomReport.objects.update_or_create(
        contact=contact, reported_on=today, defaults={"has_symptoms": has_symptoms, "online": online}
    )
    via = "online" if online else "by phone"
    if not online and request is not None and request.user.is_authenticated:
        touch(contact, request.user)  # a check given on a call is activity on the tracer's hold
    if not has_symptoms:
        if todays is not None and todays.has_symptoms and locked.symptoms_reported_on == today:
            # Today's symptoms were taken back (the day's answer is replaced): the queue's "Reported symptoms"
            # follows the latest report of symptoms that still stands, as the contact page's checks do.
            locked.symptoms_reported_on = (
                contact.symptom_reports.filter(has_symptoms=True, reported_on__lt=today)
                .values_list("reported_on", flat=True)
                .first()
            )
            locked.save(update_fields=["symptoms_reported_on"])
            _copy(locked, contact, ["symptoms_reported_on"])
        note(contact, "symptom_report", f"Daily symptom check {via}: no symptoms", request=request, has_symptoms=False)
        return report
    locked.symptoms_reported_on = today
    fields = ["symptoms_reported_on"]
    summary = f"Reported symptoms {via} on {today:%-d %B}: advised to get a test."
    raising = news and online and (locked.is_open or locked.status in REOPENED_BY_SYMPTOMS) and not _a_case_now(locked)
    if raising:
        changed, raised = _raise_for_symptoms(locked, now)
        fields += changed
        summary += f" {raised}" if raised else ""
    locked.save(update_fields=fields)
    _copy(locked, contact, fields)
    note(contact, "symptom_report", summary, request=request, has_symptoms=True, raised=raising)
    return report


def household_member_now(member: Contact, actor: Any) -> tuple[Contact | None, int | None]:
    """A household member as stored now, under a row lock (the page's copy of the household may be minutes old):
    None when closed meanwhile; and who holds them, when someone other than `actor` does now."""
    current = Contact.objects.select_for_update().filter(pk=member.pk).first()
    if current is None or not current.is_open:
        return None, None
    holder = current.claimed_by_id
    if holder is not None and hold_is_current(current) and (actor is None or holder != actor.pk):
        return current, holder
    return current, None


def case_they_became(contact: Contact) -> Case | None:
    """The case the contact has become, whose isolation dates and advice replace theirs: the one their timeline
    names ("Tested positive: now case C12", `close_contact_now_a_case`), else their case now by `case_now`. None
    while they are followed up as a contact."""
    named = contact.events.filter(kind=BECAME_CASE).order_by("-pk").values_list("detail", flat=True).first()
    if named and named.get("case"):
        became = Case.objects.filter(pk=named["case"]).first()
        if became is not None:
            return became
    return case_now(contact)


def _a_case_now(contact: Contact) -> bool:
    """Whether the contact has become a case: the case's team follows them up, with the case's advice, so their
    symptoms put nothing back in the contact queue. A told-to-isolate contact keeps its status when it becomes a
    case, so the status alone does not say it."""
    return contact.events.filter(kind=BECAME_CASE).exists() or case_now(contact) is not None


def _raise_for_symptoms(contact: Contact, now: dt.datetime) -> tuple[list[str], str]:
    """Put the contact back to waiting for a call: the fields changed, and what the timeline says."""
    step = ladder.step(contact.ladder_step)
    # Not reached yet: the ladder goes on where it is, but its next call or visit is due now. Unless it is waiting
    # to close them as unreachable: they have just answered online, so it starts again.
    if contact.is_open and contact.reached_at is None and step.kind != ladder.UNREACHABLE:
        if step.kind == ladder.LINK:
            return [], ""  # the service sends their link in a moment; a call follows if that fails
        said = f"Next step: {ladder.DESCRIPTIONS[step.kind].lower()}, due now."
        if contact.next_step_at is not None and contact.next_step_at > now:
            contact.next_step_at = now
            return ["next_step_at"], said
        return [], said
    fields = ["status", "reached_at", "ladder_step", "next_step_at"]
    if contact.is_open:
        summary = "Back to waiting for a call, due now."  # reached before, or waiting to be closed as unreachable
    else:
        # A fresh deadline, as if named now: the team has the policy's time to reach them again.
        contact.reach_deadline = now + policy.contact_reach_within(timezone.localdate(now))
        contact.closed_at, contact.outcome_note = None, ""
        contact.claimed_by, contact.claimed_at = None, None
        fields += ["reach_deadline", "closed_at", "outcome_note", "claimed_by", "claimed_at"]
        deadline = timezone.localtime(contact.reach_deadline)
        summary = f"Reopened and back in the contact queue: call them by {deadline:%H:%M} on {deadline:%-d %B}."
    # Reached before: the ladder starts again from its first call, due now. The first reach stays on the timeline
    # and in the attempts, which the performance figures read.
    contact.status = Status.IN_PROGRESS
    contact.reached_at = None
    contact.ladder_step, contact.next_step_at = ladder.first_step(ladder.Means.of(contact.person)), now
    return fields, summary


def _copy(source: Contact, target: Contact, fields: list[str]) -> None:
    for field in fields:
        setattr(target, field, getattr(source, field))


@dataclass(frozen=True)
class SymptomChecks:
    """A contact's daily symptom checks as the contact page shows them, and what the team should do next."""

    reports: list[SymptomReport]  # latest first
    latest: SymptomReport | None
    last_symptoms: SymptomReport | None  # the latest report of symptoms, which may be older than `latest`
    next_step: str  # what to do about symptoms in the latest report, or ""

    @property
    def warn(self) -> bool:
        """The latest check reported symptoms: a warning, not history."""
        return self.latest is not None and self.latest.has_symptoms


def symptom_checks(contact: Contact, *, limit: int = 14) -> SymptomChecks:
    """The last `limit` checks, latest first; the warning reflects the latest one, and says how to reach them."""
    reports = list(contact.symptom_reports.all()[:limit])
    latest = reports[0] if reports else None
    last_symptoms = next((r for r in reports if r.has_symptoms), None)
    next_step = ""
    if latest is not None and latest.has_symptoms and latest.online and contact.is_open:
        next_step = how_to_reach_about_symptoms(contact)
    return SymptomChecks(reports, latest, last_symptoms, next_step)


def how_to_reach_about_symptoms(contact: Contact) -> str:
    """What to do next about symptoms reported online, by the ways of reaching them that are known."""
    person = contact.person
    if person.phone:
        return "Call them to check they have booked a test and are isolating, and ask what help they need."
    if person.email:
        return "There is no phone number for them: email them, or visit them at home (a doorstep visit)."
    if person.address_line_1 or person.postcode:
        return "There is no phone number or email address for them: visit them at home (a doorstep visit)."
    return (
        f"There is no phone number, email address or address for them: ask case C{contact.case_id} how to reach them."
    )
