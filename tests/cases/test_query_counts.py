"""The tracing pages make a fixed number of queries, whatever the size of the data.

Each page is requested in a small world (2 cases, 2 contacts each besides the first's partner,
one or two attempts and events) and again after it has grown to 30 cases with more contacts,
attempts, events, claims and tracers; the two counts must be equal, and equal to the baseline in
query_counts.json. A new query on a page fails here, naming the page: if it is meant and does not
grow with the data, raise the baseline in the same change.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from localtrace.areas.models import Membership, Role
from localtrace.cases.chains import refresh as refresh_chains
from localtrace.cases.models import Attempt, Case, TraceEvent, Transfer
from localtrace.cases.queue import release
from localtrace.contacts.models import Contact
from localtrace.people.models import Person
from tests.personas import World, make_case, make_user

BASELINE_FILE = Path(__file__).with_name("query_counts.json")


@dataclass(frozen=True)
class Page:
    label: str
    persona: str
    method: str
    url: Callable[[Case, Contact], str]
    status: int = 200


PAGES = {
    "case_queue": Page("case queue (GET /cases/)", "tracer_a", "get", lambda case, contact: "/cases/"),
    "contact_queue": Page("contact queue (GET /contacts/)", "tracer_a", "get", lambda case, contact: "/contacts/"),
    "case": Page("case page (GET /cases/<pk>/)", "tracer_a", "get", lambda case, contact: f"/cases/{case.pk}/"),
    "contact": Page(
        "contact page (GET /contacts/<pk>/)", "tracer_a", "get", lambda case, contact: f"/contacts/{contact.pk}/"
    ),
    "team": Page("team page (GET /team/)", "lead_a", "get", lambda case, contact: "/team/"),
    "get_next": Page("get next (POST /cases/next/)", "tracer_a", "post", lambda case, contact: "/cases/next/", 302),
    # Transmission chains (issue 7): every grown case was named by the first case's contact, so the chain grows.
    "case_chain": Page(
        "chain page (GET /cases/<pk>/chain/)", "tracer_a", "get", lambda case, contact: f"/cases/{case.pk}/chain/"
    ),
    "area_chains": Page(
        "area's chains (GET /chains/<code>/)", "lead_a", "get", lambda case, contact: f"/chains/{case.area.code}/"
    ),
}


def grow(world: World, *, cases: int, fan_out: int, tracers: int) -> tuple[Case, Contact]:
    """Add cases in area A with `fan_out` more household members, other contacts, attempts and events each,
    claimed by new tracers, with transfer records.

    Returns the newest case and one of its household contacts: the pages measured.
    """
    now = timezone.now()
    today = timezone.localdate()
    start = Case.objects.count()
    workers = []
    for i in range(tracers):
        worker = make_user(f"extra_tracer_{start}_{i}")
        Membership.objects.create(user=worker, team=world.team_a, role=Role.TRACER)
        workers.append(worker)
    case = contact = None
    for n in range(cases):
        case, contact = make_case(world.area_a, world.submission, specimen_id=f"GROW-{start}-{n}")
        worker = workers[n % len(workers)]
        # Named as a contact by the first case; claimed by a tracer other than the one looking.
        Case.objects.filter(pk=case.pk).update(
            source_contact=world.contact_a, claimed_by=worker, claimed_at=now, priority_reasons=["Care home"]
        )
        # Records of items sent to another area, which the sending area's queues list.
        for owner in ({"case": case}, {"contact": contact}):
            Transfer.objects.create(
                **owner, from_area=world.area_a, to_area=world.area_b, reason="Lives there", transferred_by=worker
            )
        for k in range(fan_out):
            for kind in (Contact.Kind.HOUSEHOLD, Contact.Kind.CLOSE):
                person = Person.objects.create(given_name=f"Extra{k}", family_name=f"{kind}{n}", postcode="FX1 1AB")
                other = Contact.objects.create(
                    case=case, person=person, area=world.area_a, kind=kind, last_exposure=today,
                    isolation_ends_on=today + dt.timedelta(days=10), reach_deadline=now + dt.timedelta(hours=24),
                    claimed_by=worker, claimed_at=now,
                )  # fmt: skip
                Attempt.objects.create(contact=other, channel="phone", outcome="no_answer", made_by=worker)
                TraceEvent.objects.create(contact=other, actor=worker, kind="named", summary="Named by the tracer")
            Attempt.objects.create(case=case, channel="phone", outcome="no_answer", made_by=worker)
            Attempt.objects.create(contact=contact, channel="sms", outcome="sent", made_by=worker)
            TraceEvent.objects.create(case=case, actor=worker, kind="attempt", summary="Phone call: no answer")
            TraceEvent.objects.create(contact=contact, actor=worker, kind="attempt", summary="Text message: sent")
            TraceEvent.objects.create(case=case, actor=worker, kind="completed", summary="Completed")
    assert case is not None and contact is not None
    refresh_chains()  # the chains pages read what the scheduled task stored
    return case, contact


def queries(client: Client, name: str, case: Case, contact: Contact) -> int:
    page = PAGES[name]
    send = getattr(client, page.method)
    url = page.url(case, contact)

    def request() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = send(url)
        assert response.status_code == page.status, f"{page.label} answered {response.status_code}"
        if name == "get_next":
            # Give the claimed case back so the next request claims afresh.
            release(Case.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1])))
        return len(captured.captured_queries)

    request()  # once to warm per-process caches (content types, templates)
    return request()


def baseline(name: str) -> int:
    counts = json.loads(BASELINE_FILE.read_text(encoding="utf-8"))
    return int(counts.get(connection.vendor, {}).get(name, counts["pages"][name]))


@pytest.mark.parametrize("name", list(PAGES))
def test_a_tracing_page_makes_the_same_number_of_queries_whatever_the_data(
    name: str, world: World, client_for: Callable[[str], Client]
) -> None:
    page = PAGES[name]
    client = client_for(page.persona)
    case, contact = grow(world, cases=1, fan_out=1, tracers=1)
    small = queries(client, name, case, contact)
    case, contact = grow(world, cases=28, fan_out=4, tracers=6)
    assert Case.objects.count() == 30
    large = queries(client, name, case, contact)
    assert small == large, (
        f"The {page.label} made {small} queries with 2 cases and {large} with 30: "
        "a query per row (N+1) has crept in; fetch related rows with select_related/prefetch_related."
    )
    expected = baseline(name)
    assert large == expected, (
        f"The {page.label} now makes {large} queries; the baseline in tests/cases/query_counts.json is {expected}. "
        + (
            "If the new query is meant and does not grow with the data, raise the baseline in the same change."
            if large > expected
            else "Lower the baseline to keep it tight."
        )
    )
