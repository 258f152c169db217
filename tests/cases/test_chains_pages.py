"""Transmission chains from the database: the pages, their privacy and audit, and linking a contact who already had a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.areas.models import Membership, Role
from localtrace.audit.models import AuditEvent
from localtrace.cases.chains import Chain, area_chains, chain_page, refresh, shown_cases
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.people.models import Person
from localtrace.places.models import Setting, Visit
from tests.personas import World, make_case


def _named_by(case: Case, contact: Contact) -> Case:
    Case.objects.filter(pk=case.pk).update(source_contact=contact)
    case.refresh_from_db()
    return case


@pytest.fixture
def chain(world: World) -> dict[str, Case]:
    return build_chain(world)


def build_chain(world: World) -> dict[str, Case]:
    """case_a named Rhys (contact_a), who became a case; Rhys went to The Crown while infectious the day
    before a third case went there in the days she may have caught it; case_a also named someone in area B
    who became a case there."""
    second, _ = make_case(world.area_a, world.submission, specimen_id="CHAIN-2")
    Person.objects.filter(pk=second.person_id).update(given_name="Rhys", family_name="Morgan-Davies")
    second = _named_by(second, world.contact_a)
    third, _ = make_case(world.area_a, world.submission, specimen_id="CHAIN-3")
    Person.objects.filter(pk=third.person_id).update(given_name="Carys", family_name="Lloyd")
    crown = Setting.objects.create(area=world.area_a, name="The Crown", kind=Setting.Kind.HOSPITALITY)
    day = timezone.localdate() - dt.timedelta(days=3)
    Visit.objects.create(case=second, setting=crown, visited_on=day, direction=Visit.Direction.FORWARD)
    Visit.objects.create(case=third, setting=crown, visited_on=day + dt.timedelta(days=1), direction="backward")
    elsewhere, _ = make_case(world.area_b, world.submission, specimen_id="CHAIN-B")
    Person.objects.filter(pk=elsewhere.person_id).update(given_name="Bethan", family_name="Outofarea")
    in_b = Contact.objects.create(
        case=world.case_a, person=elsewhere.person, area=world.area_b, kind=Contact.Kind.CLOSE,
        last_exposure=day, isolation_ends_on=day + dt.timedelta(days=10), reach_deadline=timezone.now(),
    )  # fmt: skip
    elsewhere = _named_by(elsewhere, in_b)
    alone, _ = make_case(world.area_a, world.submission, specimen_id="CHAIN-ALONE")
    refresh()  # the pages read the chains as the scheduled task stores them
    return {"first": world.case_a, "second": second, "third": third, "elsewhere": elsewhere, "alone": alone}


def test_an_areas_chains_come_from_two_queries(world: World, chain: dict[str, Case], django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(2):
        found = area_chains(world.area_a.pk)
    big = found.chains.of(chain["third"].pk)
    assert big is not None and big.size == 3
    assert big.generation == {chain["first"].pk: 1, chain["second"].pk: 2, chain["third"].pk: 1}
    assert big.possible_source == {chain["third"].pk}
    assert chain["elsewhere"].pk not in found.chains.by_case
    assert found.chains.of(chain["alone"].pk).size == 1  # type: ignore[union-attr]
    # Area B sees its case as named by a case in another area: a known source.
    in_b = area_chains(world.area_b.pk).chains.of(chain["elsewhere"].pk)
    assert in_b is not None and in_b.outside_source == {chain["elsewhere"].pk}


def test_the_chain_page_says_who_infected_whom_with_the_evidence(
    world: World, chain: dict[str, Case], client_for: Callable[[str], Client]
) -> None:
    response = client_for("tracer_a").get(reverse("cases:case-chain", args=[chain["second"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    first, second, third, elsewhere = chain["first"], chain["second"], chain["third"], chain["elsewhere"]
    assert f"Transmission chain of {second.reference}" in html
    assert f"{second.reference} Rhys Morgan-Davies" in html
    assert f"Named as a contact (lives with them, last met {world.contact_a.last_exposure:%A %-d %B}" in html
    assert f"by {first.reference}." in html
    assert f"Possible: {second.reference} went to The Crown" in html
    assert f"{third.reference} went there on" in html
    # The case in another area: its reference and area, never its name.
    assert f"Named {elsewhere.reference}, now a case in Southmoor (another area)." in html
    assert "Outofarea" not in html and "Bethan" not in html
    # The third case is nested in the list under nobody: she has only a possible source.
    assert html.index(f'id="chain-{third.reference}"') > html.index(f'id="chain-{second.reference}"')
    # The drawing's data carries references and initials, never names.
    graph = response.context["graph"]
    assert {n["label"] for n in graph["nodes"]} == {
        f"{first.reference} GM",
        f"{second.reference} RM",
        f"{third.reference} CL",
    }
    assert {(e["source"], e["target"], e["kind"]) for e in graph["edges"]} == {
        (first.reference, second.reference, "confirmed"),
        (second.reference, third.reference, "possible"),
    }
    event = AuditEvent.objects.filter(action="view", object_id=str(second.pk)).latest("occurred_at")
    assert event.detail["page"] == "transmission chain"
    assert sorted(event.detail["cases"]) == sorted([first.pk, second.pk, third.pk])


def test_a_case_linked_to_nobody_has_a_chain_of_one_without_a_drawing(
    chain: dict[str, Case], client_for: Callable[[str], Client]
) -> None:
    response = client_for("tracer_a").get(reverse("cases:case-chain", args=[chain["alone"].pk]))
    html = response.content.decode()
    assert "No known source." in html
    assert "chain-graph-data" not in html and "cytoscape" not in html


def test_the_case_page_links_to_its_chain(world: World, client_for: Callable[[str], Client]) -> None:
    html = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert f'href="{reverse("cases:case-chain", args=[world.case_a.pk])}"' in html
    assert "See this case&#x27;s chain" in html or "See this case's chain" in html


def test_the_areas_chains_page_lists_chains_largest_first_with_weekly_figures(
    world: World, chain: dict[str, Case], client_for: Callable[[str], Client]
) -> None:
    response = client_for("lead_a").get(reverse("cases:area-chains", args=[world.area_a.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Chain from {chain['first'].reference}" in html
    # Only chains of two or more are listed; the rest are counted.
    assert f"Chain from {chain['alone'].reference}" not in html
    rows = response.context["weekly"].rows
    assert sum(row[1] for row in rows) == 4  # area A's four cases
    assert "Rhys" not in html  # references and figures only
    assert AuditEvent.objects.filter(action="view", object_type="areas.area", object_id=str(world.area_a.pk)).exists()


def test_the_chains_link_goes_to_the_one_area_or_offers_a_choice(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("tracer_a")
    assert client.get(reverse("cases:chains"))["Location"] == reverse("cases:area-chains", args=[world.area_a.code])
    Membership.objects.create(user=world.users["tracer_a"], team=world.team_b, role=Role.TRACER)
    html = client.get(reverse("cases:chains")).content.decode()
    assert "Northshire" in html and "Southmoor" in html


def test_naming_someone_who_already_tested_positive_links_their_case(world: World) -> None:
    later, _ = make_case(world.area_a, world.submission, specimen_id="ALREADY-POSITIVE")
    person = later.person
    Person.objects.filter(pk=person.pk).update(
        given_name="Owain", date_of_birth=dt.date(1990, 6, 1), match_key=Person.key_for("Owain", person.family_name)
    )
    person.refresh_from_db()
    assert later.source_contact is None
    contact = name_contact(
        world.case_a,
        NamedContact(
            given_name=person.given_name, family_name=person.family_name, kind=Contact.Kind.CLOSE,
            last_exposure=later.specimen_date - dt.timedelta(days=1), date_of_birth=person.date_of_birth,
            postcode=person.postcode, address_line_1=person.address_line_1, phone=person.phone,
        ),
        actor=world.users["tracer_a"],
    )  # fmt: skip
    assert contact.person_id == person.pk
    later.refresh_from_db()
    assert later.source_contact == contact
    assert later.events.get(kind="source_linked").summary == f"Named as a contact by case {world.case_a.reference}"


def test_naming_someone_whose_test_came_before_the_contact_does_not_link(world: World) -> None:
    earlier, _ = make_case(world.area_a, world.submission, specimen_id="TESTED-BEFORE")
    person = earlier.person
    Person.objects.filter(pk=person.pk).update(
        given_name="Owain", date_of_birth=dt.date(1990, 6, 1), match_key=Person.key_for("Owain", person.family_name)
    )
    person.refresh_from_db()
    name_contact(
        world.case_a,
        NamedContact(
            given_name=person.given_name, family_name=person.family_name, kind=Contact.Kind.CLOSE,
            last_exposure=earlier.specimen_date + dt.timedelta(days=1), date_of_birth=person.date_of_birth,
            postcode=person.postcode, address_line_1=person.address_line_1, phone=person.phone,
        ),
        actor=world.users["tracer_a"],
    )  # fmt: skip
    earlier.refresh_from_db()
    assert earlier.source_contact is None


def test_a_loop_in_the_records_is_shown_with_a_note_not_followed_for_ever(
    world: World, chain: dict[str, Case], client_for: Callable[[str], Client]
) -> None:
    first, second = chain["first"], chain["second"]
    back = Contact.objects.create(
        case=second, person=first.person, area=world.area_a, kind=Contact.Kind.HOUSEHOLD,
        last_exposure=first.specimen_date, isolation_ends_on=first.specimen_date, reach_deadline=timezone.now(),
    )  # fmt: skip
    _named_by(first, back)
    refresh()
    response = client_for("tracer_a").get(reverse("cases:case-chain", args=[first.pk]))
    html = response.content.decode()
    assert "the records make a loop, so the list starts again here" in html
    assert response.context["chain"].size == 3


def test_a_chain_too_large_to_show_whole_still_shows_the_viewed_case_joined_to_its_top(
    world: World, chain: dict[str, Case]
) -> None:
    found = area_chains(world.area_a.pk).chains.of(chain["second"].pk)
    assert found is not None and found.size == 3
    first, second, third = chain["first"].pk, chain["second"].pk, chain["third"].pk

    def shown(viewed: int | None) -> list[int]:
        return [m.case.pk for m in chain_page(world.area_a.pk, found, viewed=viewed, most=1).members]

    assert shown(None) == [first]  # the first by generation and result date
    assert shown(third) == [third]  # a top of its own: nothing else fits
    assert shown(second) == [second]  # room for one: the case itself
    # With room for two, the second case and the case that named it, so the page can say by whom.
    assert found.case_ids[:2] == (first, third)
    page = chain_page(world.area_a.pk, found, viewed=second, most=2)
    assert [m.case.pk for m in page.members] == [first, second] and not page.complete
    assert page.viewed_beyond_the_first
    assert page.members[1].named_by is not None and page.members[1].named_by.pk == first
    # Within the limit, the viewed case changes nothing.
    whole = [m.case.pk for m in chain_page(world.area_a.pk, found, most=3).members]
    assert whole == [m.case.pk for m in chain_page(world.area_a.pk, found, viewed=third, most=3).members]
    assert sorted(whole) == sorted([first, second, third])


def test_the_page_of_a_case_past_the_limit_shows_it_and_says_what_it_leaves_out(
    chain: dict[str, Case], client_for: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("localtrace.cases.chains.MOST_SHOWN", 1)
    third = chain["third"]
    response = client_for("tracer_a").get(reverse("cases:case-chain", args=[third.pk]))
    html = response.content.decode()
    assert (
        f"This chain has 3 cases: this page shows 1 of them, chosen by generation and result date, with {third.reference}"
        " and the cases that led to it always among them." in html
    )
    assert [n["id"] for n in response.context["graph"]["nodes"]] == [third.reference]


def _chain(parent: dict[int, int], loop_breaks: frozenset[int] = frozenset()) -> Chain:
    ids = sorted({*parent, *parent.values()})
    generation = {c: 1 for c in ids}
    for _ in ids:  # a generation below the case that named it, loops aside
        for child, named_by in parent.items():
            if child not in loop_breaks:
                generation[child] = generation[named_by] + 1
    return Chain(
        case_ids=tuple(sorted(ids, key=lambda c: (generation[c], c))),
        generation=generation,
        parent=parent,
        outside_source=frozenset(),
        possible_source=frozenset(),
        loop_breaks=loop_breaks,
        first_case_id=ids[0],
        first_result_date=dt.date(2026, 1, 1),
    )


def test_the_cases_that_led_to_the_viewed_one_stop_at_a_loops_top_and_at_the_limit() -> None:
    # 1 named 2, 2 named 3, and 3 named 1 back: 1 is drawn at the top, its parent is further down its loop.
    loop = _chain({2: 1, 3: 2, 1: 3}, loop_breaks=frozenset({1}))
    assert shown_cases(loop, 1, most=1) == [1]
    assert shown_cases(loop, 2, most=2) == [1, 2]
    assert shown_cases(loop, 3, most=1) == [3]
    # A line of 1,000 generations viewed at its end: the case and its nearest 299 forebears, no more.
    line = _chain({c + 1: c for c in range(1, 1000)})
    assert shown_cases(line, 1000, most=300) == list(range(701, 1001))
