"""Saving what a case told us online: the same actions as the tracer's forms, in one transaction, once.

The portal's check-your-answers page calls it with the answers kept in the session; the demo's working day
calls it for the simulated people who answer their self-service link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from localtrace.audit.services import Action, record
from localtrace.cases import investigation
from localtrace.cases.events import note
from localtrace.cases.models import Attempt, Case
from localtrace.cases.needs import record_support_needs
from localtrace.config import policy
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact, names_the_same_person
from localtrace.places.services import record_visit
from localtrace.portal.models import PortalLink


@dataclass(frozen=True)
class Submitted:
    contacts: list[Contact]  # named from these answers
    not_recorded: list[str]  # for the tracer: what could not be recorded as given, and why


@transaction.atomic
def submit_case_answers(
    link: PortalLink,
    case: Case,
    answers: dict[str, Any],
    *,
    request: HttpRequest | None = None,
    at: dt.datetime | None = None,
) -> Submitted:
    """Everything the case told us, through the tracer's own actions; the contacts it named.

    A person or place that cannot be recorded as given (say a namesake the matching takes for a contact
    already named, or a day outside the period once the onset date changed) does not stop the rest: it
    is listed on the case's timeline, with what they typed, for a tracer to check with them.

    Once only, however many times it is sent: the first to mark the link goes on; a second click or tab
    finds it marked (on PostgreSQL it waits for the first to commit) and writes nothing. `at` is when they
    answered, for replays (the demo's working day); normally now.
    """
    now = at or timezone.now()
    if not case.is_open:
        raise investigation.InvestigationError("Your local team has closed your case, so these answers were not sent.")
    if not PortalLink.objects.filter(pk=link.pk, submitted_at__isnull=True).update(submitted_at=now):
        return Submitted([], [])
    # The symptoms a tracer has recorded stand; online answers fill them in only where nobody has.
    if case.symptomatic is None:
        symptomatic = answers["symptomatic"] == "yes"
        onset = dt.date.fromisoformat(answers["onset"]) if symptomatic and answers.get("onset") else None
        investigation.record_symptoms(case, symptomatic=symptomatic, onset_date=onset, at=at)
    infectious = policy.infectious_period(case.anchor_date)
    today = timezone.localdate(now)
    # Someone the tracer already named for this case (same name, and no other phone number) is not named twice:
    # the event lists them. Two people of one name among the answers themselves are both named when their phone
    # numbers tell them apart (a father and son); without, `name_contact` refuses the second, and it is listed
    # below for a tracer to check with them.
    known = [c.person for c in case.contacts.select_related("person")]

    def named_already(person: NamedContact) -> bool:
        return any(names_the_same_person(person, k) for k in known)

    already: list[str] = []
    named: list[NamedContact] = [
        NamedContact(given_name=p["given_name"], family_name=p["family_name"], kind=Contact.Kind.HOUSEHOLD,
                     last_exposure=min(today, infectious.last), relationship="lives with them", phone=p["phone"])
        for p in answers["household"]
    ] + [
        NamedContact(given_name=p["given_name"], family_name=p["family_name"], kind=p["kind"],
                     last_exposure=dt.date.fromisoformat(p["last_met"]), phone=p["phone"])
        for p in answers["contacts"]
    ]  # fmt: skip
    contacts: list[Contact] = []
    not_recorded: list[str] = []
    for person in named:
        if named_already(person):
            already.append(f"{person.given_name} {person.family_name}")
            continue
        try:
            with transaction.atomic():  # a refusal leaves nothing of this one person behind
                contacts.append(name_contact(case, person, online=True, at=at))
        except investigation.InvestigationError as problem:
            phone = f" ({person.phone})" if person.phone else ""
            not_recorded.append(f"{person.given_name} {person.family_name}{phone}: {problem}")
    for place in answers["places"]:
        try:
            with transaction.atomic():
                record_visit(
                    case, name=place["name"], kind=place["kind"], visited_on=dt.date.fromisoformat(place["visited_on"]),
                    postcode=place["postcode"], online=True, at=at,
                )  # fmt: skip
        except investigation.InvestigationError as problem:
            not_recorded.append(f"{place['name']} on {place['visited_on']}: {problem}")
    # Each part was asked, and an empty one is an answer ("I live alone"): the tracer's task list says so.
    investigation.mark_asked(case, ["household", "close", "places"], at=at)
    support = answers["support"]
    record_support_needs(
        case, support["needs"], urgent=support["urgent"] == "yes", consent=bool(support["consent"]), at=at
    )
    case.refresh_from_db()
    if case.is_open:
        investigation.record_attempt(
            case, channel=Attempt.Channel.WEB, outcome=Attempt.Outcome.ANSWERED,
            note_text="Answered the questions online through their self-service link", at=at,
        )  # fmt: skip
    counts = (
        f"{len(answers['household'])} household members, {len(answers['contacts'])} other contacts, "
        f"{len(answers['places'])} places"
    )
    if already:
        counts += f" ({len(already)} already named: {', '.join(already)})"
    summary = f"Answered online by the case: symptoms, {counts}, help to isolate"
    if not_recorded:
        summary += f". Not recorded, to check with them: {'; '.join(not_recorded)}"
    note(case, "portal_submitted", summary if len(summary) <= 500 else summary[:499] + "…", link=link.pk, at=at)
    record(Action.CHANGE, request=request, obj=link, area=case.area, detail={"portal": "case answers submitted"})
    return Submitted(contacts, not_recorded)
