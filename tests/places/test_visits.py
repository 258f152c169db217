"""Visits: no day in the future, no exact duplicate, and a visit recorded in error can be removed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from localtrace.audit.models import AuditEvent
from localtrace.cases.investigation import InvestigationError
from localtrace.config import policy
from localtrace.places.clusters import WITHDRAWN, scan
from localtrace.places.models import Cluster, Outbreak, Setting, Visit
from localtrace.places.outbreaks import promote
from localtrace.places.services import record_visit, remove_visit, visit_days_hint
from tests.personas import World
from tests.places.helpers import new_case, new_setting, visit

TODAY = dt.date(2020, 11, 20)


def _date_fields(day: dt.date) -> dict[str, str]:
    return {"visited_on_0": str(day.day), "visited_on_1": str(day.month), "visited_on_2": str(day.year)}


# --- a day in the future -------------------------------------------------------------------------


def test_a_visit_in_the_future_is_refused_and_adds_no_setting(world: World) -> None:
    case = world.case_a
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert tomorrow in policy.infectious_period(case.anchor_date)  # inside the period, but it has not happened
    with pytest.raises(InvestigationError, match="must be today or in the past"):
        record_visit(case, name="St Anne's Church", kind="worship", visited_on=tomorrow, actor=world.users["tracer_a"])
    assert not Visit.objects.exists() and not Setting.objects.exists()
    # A replay (the demo's working day) is judged by the day it is played for.
    yesterday_noon = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(InvestigationError, match="today or in the past"):
        record_visit(case, name="Gym", kind="other", visited_on=timezone.localdate(), at=yesterday_noon)


def test_the_visit_form_refuses_a_future_day_and_its_hint_stops_at_today(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("tracer_a")
    url = reverse("cases:visit-add", args=[world.case_a.pk])
    today = timezone.localdate()
    infectious = policy.infectious_period(world.case_a.anchor_date)
    page = client.get(url).content.decode()
    assert f"to {today:%A} {today.day} {today:%B}." in page
    assert f"{infectious.last:%A} {infectious.last.day} {infectious.last:%B}" not in page
    assert visit_days_hint(world.case_a) in page
    refused = client.post(
        url, {"name": "St Anne's Church", "kind": "worship", **_date_fields(today + dt.timedelta(days=6))}
    )
    assert refused.status_code == 200
    assert "The day they were there must be today or in the past" in refused.content.decode()
    assert not Visit.objects.exists() and not Setting.objects.exists()


# --- the same place and day twice ----------------------------------------------------------------


def test_the_same_place_on_the_same_day_is_refused_the_second_time(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    day = policy.backward_window(world.case_a.anchor_date).first
    record_visit(world.case_a, name="The Crown", kind="hospitality", visited_on=day, actor=world.users["tracer_a"])
    with pytest.raises(InvestigationError, match="already recorded for this case"):
        record_visit(world.case_a, name="the  crown", kind="hospitality", visited_on=day, actor=world.users["tracer_a"])
    # Another day at the same place is another visit.
    record_visit(world.case_a, name="The Crown", kind="hospitality", visited_on=day + dt.timedelta(days=1))
    assert Visit.objects.count() == 2 and Setting.objects.count() == 1
    crown = Setting.objects.get()
    page = client_for("tracer_a").post(
        reverse("cases:visit-add", args=[world.case_a.pk]),
        {"name": "The Crown", "setting": str(crown.pk), **_date_fields(day)},
    )
    assert f"The Crown on {day:%-d %B %Y} is already recorded for this case" in page.content.decode()
    assert Visit.objects.count() == 2


# --- removing a visit recorded in error ----------------------------------------------------------


def test_a_tracer_removes_a_visit_recorded_in_error_with_a_reason_on_the_timeline(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    day = policy.backward_window(world.case_a.anchor_date).first
    wrong = record_visit(world.case_a, name="The Crown", kind="hospitality", visited_on=day)
    client = client_for("tracer_a")
    url = reverse("places:visit-remove", args=[world.case_a.pk, wrong.pk])
    case_page = client.get(reverse("cases:case-detail", args=[world.case_a.pk])).content.decode()
    assert f'href="{url}"' in case_page
    confirm = client.get(url).content.decode()
    assert "Remove this visit?" in confirm and "The Crown" in confirm and "govuk-character-count" in confirm
    blank = client.post(url, {"reason": "  "}).content.decode()
    assert "govuk-error-summary" in blank and "Enter why you are removing this visit" in blank
    too_long = client.post(url, {"reason": "x" * 501}).content.decode()
    assert "The reason must be 500 characters or fewer" in too_long
    assert Visit.objects.filter(pk=wrong.pk).exists()
    done = client.post(url, {"reason": "Entered on the wrong case"})
    assert done.status_code == 302 and done["Location"] == reverse("cases:case-detail", args=[world.case_a.pk])
    assert not Visit.objects.exists()
    event = world.case_a.events.get(kind="visit_removed")
    assert event.summary == (
        f"Removed the visit to The Crown on {day:%-d %B} (where they may have caught it), recorded in error: "
        "Entered on the wrong case"
    )
    assert event.actor == world.users["tracer_a"]
    audited = AuditEvent.objects.filter(object_type="cases.case", detail__event="visit_removed").get()
    assert audited.detail["reason"] == "Entered on the wrong case"
    # Another area's tracer cannot reach it, nor a visit through another case.
    assert client_for("tracer_b").get(url).status_code == 404


def test_a_visit_is_removed_only_through_its_own_case(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    other = new_case(world, address="1 High St", specimen_date=world.case_a.specimen_date)
    theirs = visit(other, new_setting(world), policy.backward_window(other.anchor_date).first)
    url = reverse("places:visit-remove", args=[world.case_a.pk, theirs.pk])
    assert client_for("tracer_a").post(url, {"reason": "wrong"}).status_code == 404
    assert Visit.objects.filter(pk=theirs.pk).exists()


def _three_households_at_the_crown(world: World) -> tuple[Setting, list[Visit]]:
    crown = new_setting(world)
    visits = [
        visit(new_case(world, address=f"{n} High St", specimen_date=dt.date(2020, 11, 15 + n)), crown, dt.date(2020, 11, 12 + n))
        for n in range(3)
    ]  # fmt: skip
    return crown, visits


def test_a_removed_visit_no_longer_counts_at_the_next_scan(world: World) -> None:
    _, (first, second, third) = _three_households_at_the_crown(world)
    scan(today=TODAY)
    cluster = Cluster.objects.get()
    assert cluster.case_count == 3
    remove_visit(first, reason="They went on another day", actor=world.users["tracer_a"])
    # The case leaves the cluster's list at once; the figures follow at the next scan.
    assert set(cluster.cases.values_list("pk", flat=True)) == {second.case_id, third.case_id}
    scan(today=TODAY)
    cluster.refresh_from_db()
    assert (cluster.status, cluster.case_count, cluster.household_count) == (Cluster.Status.OPEN, 2, 2)
    assert cluster.first_visit_on == dt.date(2020, 11, 12)  # a cluster keeps its earliest start


def test_a_cluster_that_no_longer_meets_the_rule_is_set_aside_by_the_scan(world: World) -> None:
    crown = new_setting(world)
    one = visit(new_case(world, address="1 High St"), crown, dt.date(2020, 11, 12))
    visit(new_case(world, address="2 High St"), crown, dt.date(2020, 11, 13))
    scan(today=TODAY)
    cluster = Cluster.objects.get()
    remove_visit(one, reason="Entered on the wrong case", actor=world.users["tracer_a"])
    summary = scan(today=TODAY)
    cluster.refresh_from_db()
    assert summary.withdrawn == 1 and "1 no longer found" in summary.line()
    assert (cluster.status, cluster.dismissed_reason, cluster.dismissed_by) == (
        Cluster.Status.DISMISSED, WITHDRAWN, None,
    )  # fmt: skip
    assert cluster.cases.count() == 1 and cluster.dismissed_case_count == 1
    # It alerts again if another household goes there.
    visit(new_case(world, address="3 High St"), crown, dt.date(2020, 11, 14))
    scan(today=TODAY)
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.OPEN and Cluster.objects.count() == 1


def test_removing_a_cases_only_visit_to_an_outbreaks_setting_takes_it_out_of_the_outbreak(world: World) -> None:
    crown, (first, second, third) = _three_households_at_the_crown(world)
    scan(today=TODAY)
    outbreak = promote(Cluster.objects.get(), actor=world.users["lead_a"])
    remove_visit(first, reason="Wrong pub", actor=world.users["tracer_a"])
    assert set(outbreak.cases.values_list("pk", flat=True)) == {second.case_id, third.case_id}
    assert outbreak.events.filter(
        kind="case_removed", text__startswith=f"C{first.case_id} taken out: their visit to The Crown on 12 November"
    ).exists()
    # A case with another visit to the setting stays.
    visit(second.case, crown, dt.date(2020, 11, 18))
    remove_visit(second, reason="Wrong day", actor=world.users["tracer_a"])
    assert outbreak.cases.filter(pk=second.case_id).exists()
    assert Outbreak.objects.get().cases.count() == 2
