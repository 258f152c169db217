"""The support pages make the same number of queries whatever the data (no N+1 as queues grow)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from localtrace.support.services import make_claim, record_attempt, record_needs, refer, save_organisation
from tests.personas import World, make_case


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(world: World, n: int) -> None:
    organisation = save_organisation(
        world.area_a, name=f"Pantry {n}", services=list(("food", "money", "pets")), actor=None
    )
    for i in range(n):
        case, contact = make_case(world.area_a, world.submission, specimen_id=f"GROW-{n}-{i}")
        for request in record_needs(case, ["food", "pets"], urgent=i % 2 == 0, consent=True, actor=None):
            record_attempt(request, channel="phone", outcome="spoke", actor=world.users["support_a"])
            refer(request, organisation, actor=world.users["support_a"])
        make_claim(contact, told_to_isolate=True, low_income=True, cannot_work_from_home=True)


def test_support_pages_do_not_grow_with_the_data(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("support_a")
    (request,) = record_needs(world.case_a, ["food"], urgent=True, consent=True)
    claim = make_claim(world.case_a, told_to_isolate=True, low_income=True, cannot_work_from_home=True)
    urls = [
        reverse("support:queue"),
        reverse("support:queue") + "?show=closed",
        reverse("support:request-detail", args=[request.pk]),
        reverse("support:claim-list") + "?show=all",
        reverse("support:claim-detail", args=[claim.pk]),
        reverse("support:organisation-list"),
    ]
    client.get(urls[0])  # the session's first page records "last seen", which later pages within a minute do not
    before = {url: _queries(client, url) for url in urls}
    _grow(world, 6)
    # The same person's other needs, contacts and referrals on the request page, too.
    record_needs(world.case_a, ["money", "pets"], urgent=False, consent=True)
    after = {url: _queries(client, url) for url in urls}
    assert after == before
