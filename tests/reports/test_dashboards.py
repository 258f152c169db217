"""Dashboards and line lists over generated weeks of tracing: one set of figures, built once for the module."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Iterator

import pytest

from localtrace.audit.models import AuditEvent
from localtrace.cases.models import Case
from localtrace.reports import rollup
from tests.personas import World
from tests.reports.conftest import generate
from tests.reports.test_pages import body

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def module_figures(module_world: World, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Sixty cases' tracing and the weekly figures made of it, inside `module_world`'s transaction (rolled back
    after the module's last test). They take seconds to make, and every test here only reads them."""
    with django_db_blocker.unblock():
        generate(module_world, cases=60, seed=11)
        rollup.refresh()
    yield


@pytest.fixture
def world(db: None, module_world: World, module_figures: None) -> World:
    return copy.deepcopy(module_world)


def test_the_area_dashboard_shows_trends_beside_region_and_nation(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("area_lead_a").get(f"/performance/areas/{world.area_a.pk}/")
    page = body(response)
    assert response.status_code == 200
    for text in ("Share of cases reached within 24 hours of the result", world.region.name, world.nation.name,
                 "How the escalation ladder ended for cases", "Line lists", "Every figure, by week"):  # fmt: skip
        assert text in page
    assert "Gwen" not in page and "Example" not in page  # counts and times only


def test_a_team_lead_sees_the_dashboard_but_not_the_line_lists(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    page = body(client_for("lead_a").get(f"/performance/areas/{world.area_a.pk}/"))
    assert "Share of cases reached" in page and "Line lists" not in page
    assert client_for("lead_a").get(f"/performance/areas/{world.area_b.pk}/").status_code == 404


def test_the_team_dashboard_shows_what_the_team_reached(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    page = body(client_for("lead_a").get(f"/performance/teams/{world.team_a.pk}/"))
    assert "Cases reached by the team" in page and "Median hours from result to reached" in page


def test_the_national_comparison_is_suppressed_like_the_public_page(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("admin").get("/performance/national/")
    page = body(response)
    assert response.status_code == 200
    assert world.region.name in page and world.area_b.name in page and "All areas" in page
    # One table per group of figures, each with its own caption, so none is wider than the page.
    for caption in ("Cases", "Contacts", "Isolation, self-service and support"):
        assert f'<caption class="govuk-table__caption govuk-table__caption--s">{caption}</caption>' in page
    assert client_for("admin").get("/performance/national/?week=1999-01-04").status_code == 404


def test_an_area_lead_exports_their_areas_cases_as_csv_and_it_is_audited(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("area_lead_a").get(f"/performance/areas/{world.area_a.pk}/export/cases.csv")
    rows = list(csv.reader(io.StringIO(body(response))))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    references = {r[0] for r in rows[1:]}
    assert references == {f"C{pk}" for pk in Case.objects.filter(area=world.area_a).values_list("pk", flat=True)}
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_type="reports.cases")
    assert event.actor == world.users["area_lead_a"] and event.area == world.area_a
    assert event.detail == {"line_list": "cases", "format": "csv"}
