"""Saving what a case told us online: the same actions as the tracer's forms, in one transaction, once.

The portal's check-your-answers page calls it with the answers kept in the session; the demo's working day
calls it for the simulated people who answer their self-service link.
"""

from __future__ import annotations

import datetime as dt
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
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.places.services import record_visit
from localtrace.portal.models import PortalLink


@transaction.atomic
def submit_case_answers(
    link: PortalLink,
    case: Case,
    answers: dict[str, Any],
    *,
    request: HttpRequest | None = None,
    at: dt.datetime | None = None,
) -> list[Contact]:
    """Everything the case told us, through the tracer's own actions; the contacts it named.

    Once only, however many times it is sent: the first to mark the link goes on; a second click or tab
    finds it marked (on PostgreSQL it waits for the first to commit) and writes nothing. `at` is when they
    answered, for replays (the demo's working day); normally now.
    """
    now = at or timezone.now()
    if not PortalLink.objects.filter(pk=link.pk, submitted_at__isnull=True).update(submitted_at=now):
        return []
    symptomatic = answers["symptomatic"] == "yes"
    onset = dt.date.fromisoformat(answers["onset"]) if symptomatic and answers.get("onset") else None
    investigation.record_symptoms(case, symptomatic=symptomatic, onset_date=onset, at=at)
    infectious = policy.infectious_period(case.anchor_date)
    today = timezone.localdate(now)
    # Someone the tracer already named (same name, for this case) is not named twice.
    known = {
        (c.person.given_name.casefold(), c.person.family_name.casefold())
        for c in case.contacts.select_related("person")
    }
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
    for person in named:
        key = (person.given_name.casefold(), person.family_name.casefold())
        if key in known:
            already.append(f"{person.given_name} {person.family_name}")
            continue
        known.add(key)
        contacts.append(name_contact(case, person, online=True, at=at))
    for place in answers["places"]:
        record_visit(
            case, name=place["name"], kind=place["kind"], visited_on=dt.date.fromisoformat(place["visited_on"]),
            postcode=place["postcode"], online=True, at=at,
        )  # fmt: skip
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
    note(case, "portal_submitted", f"Answered online by the case: symptoms, {counts}, help to isolate",
         link=link.pk, at=at)  # fmt: skip
    record(Action.CHANGE, request=request, obj=link, area=case.area, detail={"portal": "case answers submitted"})
    return contacts
