"""A queue row shows what a tracer needs to pick the next person, with every value escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client
from django.utils import timezone

from localtrace.cases import ladder
from localtrace.cases.models import Case, Priority
from localtrace.contacts.models import Contact
from tests.personas import World


def _row_of(page: str, reference: str) -> str:
    start = page.index(f">{reference}</a>")
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


def test_a_row_shows_priority_reasons_area_deadline_next_step_status_and_who_has_it(
    world: World, client_for: Callable[[str], Client]
) -> None:
    case = world.case_a
    failed_call_step = next(i for i, s in enumerate(ladder.ladder()) if i > 0 and s.kind == ladder.CALL)
    Case.objects.filter(pk=case.pk).update(
        priority=Priority.CARE_HOME,
        priority_reasons=["Lives in a care home"],
        reach_deadline=timezone.now() - dt.timedelta(hours=1),
        ladder_step=failed_call_step,
        next_step_at=timezone.now() + dt.timedelta(hours=2),
        claimed_by=world.users["lead_a"],
        claimed_at=timezone.now(),
    )
    row = _row_of(client_for("tracer_a").get("/cases/").content.decode(), case.reference)
    assert f'href="/cases/{case.pk}/"' in row
    assert "Care home" in row and "Lives in a care home" in row
    assert world.area_a.name in row
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in row
    assert str(ladder.DESCRIPTIONS[ladder.CALL]) in row and "from " in row
    assert world.users["lead_a"].full_name in row


def test_a_row_escapes_what_people_typed(world: World, client_for: Callable[[str], Client]) -> None:
    lead = world.users["lead_a"]
    lead.full_name = '<script>alert("x")</script>'
    lead.save(update_fields=["full_name"])
    Contact.objects.filter(pk=world.contact_a.pk).update(claimed_by=lead, claimed_at=timezone.now())
    page = client_for("tracer_a").get("/contacts/").content.decode()
    row = _row_of(page, world.contact_a.reference)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in row


def test_a_lapsed_hold_is_not_named_and_the_deadline_follows_the_reference(
    world: World, client_for: Callable[[str], Client]
) -> None:
    held_at = timezone.now() - dt.timedelta(hours=3)
    Case.objects.filter(pk=world.case_a.pk).update(claimed_by=world.users["lead_a"], claimed_at=held_at)
    page = client_for("tracer_a").get("/cases/").content.decode()
    row = _row_of(page, world.case_a.reference)
    assert world.users["lead_a"].full_name not in row
    headers = page[page.index("<thead") : page.index("</thead>")]
    assert headers.index(">Case<") < headers.index(">Reach by<") < headers.index(">Priority<")


def test_an_empty_filter_says_what_it_would_have_listed(world: World, client_for: Callable[[str], Client]) -> None:
    tracer = client_for("tracer_a")
    assert "No cases are waiting for a doorstep visit." in tracer.get("/cases/?show=doorstep").content.decode()
    assert "No contacts are overdue." in tracer.get("/contacts/?show=overdue").content.decode()
    assert (
        "No open cases speak a language other than English or Welsh."
        in tracer.get("/cases/?show=other_language").content.decode()
    )
    assert "Nothing to show." not in tracer.get("/cases/?show=closed").content.decode()
