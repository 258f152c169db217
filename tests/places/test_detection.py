"""Cluster detection on small hand-made cases: households, window edges, backward and forward, re-runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from localtrace.contacts.models import Contact
from localtrace.places.clusters import dismiss, explain, scan, store
from localtrace.places.detection import Finding, Rule, detect_on_database, detect_on_duckdb
from localtrace.places.models import Cluster, ClusterScan, Setting, Visit
from localtrace.places.outbreaks import promote
from localtrace.places.services import merge_settings
from localtrace.places.snapshots import duckdb_over, export_snapshot
from tests.personas import World
from tests.places.helpers import new_case, new_setting, visit

TODAY = dt.date(2020, 11, 20)
FIRST, LAST = TODAY - dt.timedelta(days=28), TODAY
RULE = Rule(window_days=3, min_households=2, min_backward_households=1)
BACKWARD, FORWARD = Visit.Direction.BACKWARD, Visit.Direction.FORWARD


def day(n: int) -> dt.date:
    return dt.date(2020, 11, n)


def found(rule: Rule = RULE) -> list:
    return detect_on_database(rule, FIRST, LAST)


def test_two_households_at_one_setting_within_the_window_are_a_cluster(world: World) -> None:
    crown = new_setting(world)
    one, two = new_case(world, address="1 High St"), new_case(world, address="2 High St")
    visit(one, crown, day(12))
    visit(two, crown, day(14))
    [finding] = found()
    assert (finding.setting_id, finding.case_count, finding.household_count) == (crown.pk, 2, 2)
    assert (finding.first_visit_on, finding.last_visit_on) == (day(12), day(14))
    assert finding.case_ids == tuple(sorted((one.pk, two.pk)))
    assert explain(finding, "The Crown") == (
        "2 cases from 2 households visited The Crown, 12–14 Nov; 2 say they may have caught it there"
    )


def test_cases_of_one_household_are_not_a_cluster(world: World) -> None:
    crown = new_setting(world)
    for _ in range(3):
        visit(new_case(world, address="1 High St", postcode="FX1 1AB"), crown, day(12))
    # The address is compared without case or spacing differences.
    visit(new_case(world, address=" 1 high st", postcode="fx11ab"), crown, day(13))
    assert found() == []


def household_contact_then_case_at_the_crown(world: World, *, index_address: str) -> Finding:
    """An index case and their household contact who tested positive (their own record has another address: they
    moved in) both at The Crown one day, then a case of another household the next: the finding."""
    crown = new_setting(world)
    index = new_case(world, address=index_address)
    later = new_case(world, address="9 Other Rd", postcode="FX9 9ZZ")
    named = Contact.objects.create(
        case=index, person=later.person, area=world.area_a, kind=Contact.Kind.HOUSEHOLD, last_exposure=day(10),
        isolation_ends_on=day(20), reach_deadline=timezone.now(),
    )  # fmt: skip
    later.source_contact = named
    later.save()
    visit(index, crown, day(12))
    visit(later, crown, day(12))
    assert found() == []  # one household alone is no cluster
    visit(new_case(world, address="3 High St"), crown, day(13))
    [finding] = found()
    return finding


def test_a_household_contact_who_became_a_case_is_in_the_index_cases_household(world: World) -> None:
    finding = household_contact_then_case_at_the_crown(world, index_address="1 High St")
    assert (finding.case_count, finding.household_count) == (3, 2)


def test_a_household_contact_of_an_index_case_with_no_address_is_still_in_its_household(
    world: World, tmp_path: Path
) -> None:
    # The index case's person has no address on record: the household is the index case's all the same.
    finding = household_contact_then_case_at_the_crown(world, index_address="")
    assert (finding.case_count, finding.household_count) == (3, 2)
    export_snapshot(tmp_path / "snapshot")
    assert detect_on_duckdb(duckdb_over(tmp_path / "snapshot"), RULE, FIRST, LAST) == [finding]


@pytest.mark.parametrize(("gap", "clustered"), [(3, True), (4, False)])
def test_the_window_edge_is_inclusive(world: World, gap: int, clustered: bool) -> None:
    crown = new_setting(world)
    visit(new_case(world, address="1 High St"), crown, day(10))
    visit(new_case(world, address="2 High St"), crown, day(10 + gap))
    assert bool(found()) is clustered


def test_visits_chain_into_one_episode_and_a_gap_starts_another(world: World) -> None:
    crown = new_setting(world)
    for n, address in ((1, "1 High St"), (4, "2 High St"), (7, "3 High St"), (15, "4 High St"), (17, "5 High St")):
        visit(new_case(world, address=address), crown, day(n))
    first, second = found()
    assert (first.first_visit_on, first.last_visit_on, first.case_count) == (day(1), day(7), 3)
    assert (second.first_visit_on, second.last_visit_on, second.case_count) == (day(15), day(17), 2)


def test_linked_days_further_apart_than_the_window_are_two_episodes_even_with_days_between(world: World) -> None:
    crown = new_setting(world)
    # Days 1 and 3 are linked, days 9 and 11 too; nobody went on days 4–8, so nothing bridges the gap of 6.
    for n, address in ((1, "1 High St"), (3, "2 High St"), (9, "3 High St"), (11, "4 High St")):
        visit(new_case(world, address=address), crown, day(n))
    assert [(f.first_visit_on, f.last_visit_on) for f in found()] == [(day(1), day(3)), (day(9), day(11))]


def test_a_household_near_only_itself_is_not_linked_and_does_not_stretch_an_episode(world: World) -> None:
    crown = new_setting(world)
    visit(new_case(world, address="1 High St"), crown, day(10))
    visit(new_case(world, address="2 High St"), crown, day(12))
    # Two cases of another household, 3 and 6 days after the last visit: the first is within the window of
    # day 12 (linked), the second is near only its own household (not linked).
    visit(new_case(world, address="9 Low Rd"), crown, day(15))
    visit(new_case(world, address="9 Low Rd"), crown, day(18))
    [finding] = found()
    assert (finding.first_visit_on, finding.last_visit_on, finding.case_count, finding.household_count) == (
        day(10),
        day(15),
        3,
        3,
    )


def test_a_case_with_several_visits_counts_once_and_as_backward_if_any_was(world: World) -> None:
    crown = new_setting(world)
    regular = new_case(world, address="1 High St")
    visit(regular, crown, day(10), FORWARD)
    visit(regular, crown, day(11), BACKWARD)
    visit(regular, crown, day(12), FORWARD)
    visit(new_case(world, address="2 High St"), crown, day(12), FORWARD)
    [finding] = found()
    assert (finding.case_count, finding.household_count) == (2, 2)
    assert (finding.backward_case_count, finding.backward_household_count) == (1, 1)


def test_a_setting_named_by_one_case_only_is_never_a_cluster(world: World) -> None:
    crown = new_setting(world)
    only = new_case(world, address="1 High St")
    for n in (10, 11, 12):
        visit(only, crown, day(n))
    assert found(Rule(window_days=3, min_backward_households=0)) == []


def test_forward_visits_alone_do_not_alert_and_backward_ones_score_higher(world: World) -> None:
    crown, gym = new_setting(world), new_setting(world, "Flex Gym", kind="other")
    visit(new_case(world, address="1 High St"), crown, day(12), FORWARD)
    visit(new_case(world, address="2 High St"), crown, day(12), FORWARD)
    assert found() == []  # two infectious people in a pub: nobody says they caught it there
    assert len(found(Rule(min_backward_households=0))) == 1
    visit(new_case(world, address="3 High St"), gym, day(12), FORWARD)
    visit(new_case(world, address="4 High St"), gym, day(13), BACKWARD)
    visit(new_case(world, address="5 High St"), crown, day(13), BACKWARD)
    by_setting = {f.setting_id: f for f in found()}
    assert by_setting[crown.pk].backward_case_count == 1
    both_backward = new_setting(world, "The Swan")
    visit(new_case(world, address="6 High St"), both_backward, day(12), BACKWARD)
    visit(new_case(world, address="7 High St"), both_backward, day(12), BACKWARD)
    by_setting = {f.setting_id: f for f in found()}
    assert by_setting[both_backward.pk].score > by_setting[gym.pk].score


def test_visits_outside_the_scanned_days_are_not_counted(world: World) -> None:
    crown = new_setting(world)
    visit(new_case(world, address="1 High St"), crown, FIRST - dt.timedelta(days=1))
    visit(new_case(world, address="2 High St"), crown, FIRST)
    assert found() == []


def test_the_same_sql_finds_the_same_clusters_on_duckdb_over_a_parquet_snapshot(world: World, tmp_path: Path) -> None:
    crown, school = new_setting(world), new_setting(world, "Hill Primary", kind="school")
    for n, (address, where, direction) in enumerate(
        [
            ("1 High St", crown, BACKWARD),
            ("2 High St", crown, FORWARD),
            ("1 High St", crown, BACKWARD),
            ("3 Low Rd", school, BACKWARD),
            ("4 Low Rd", school, BACKWARD),
            ("5 Low Rd", school, FORWARD),
            ("6 Low Rd", crown, BACKWARD),
        ]
    ):
        visit(new_case(world, address=address), where, day(10 + n % 3), direction)
    on_database = found()
    assert len(on_database) == 2
    written = export_snapshot(tmp_path / "snapshot")
    assert written["places_visit"] == 7
    on_snapshot = duckdb_over(tmp_path / "snapshot")
    assert detect_on_duckdb(on_snapshot, RULE, FIRST, LAST) == on_database
    # One row per cluster: the same clusters, without their cases, on both engines.
    without_cases = [dataclasses.replace(f, case_ids=None) for f in on_database]
    assert detect_on_duckdb(on_snapshot, RULE, FIRST, LAST, with_cases=False) == without_cases
    assert detect_on_database(RULE, FIRST, LAST, with_cases=False) == without_cases


def test_a_missing_snapshot_table_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="export a snapshot first"):
        duckdb_over(tmp_path)


def test_a_rerun_updates_the_stored_cluster_instead_of_adding_another(world: World) -> None:
    crown = new_setting(world)
    visit(new_case(world, address="1 High St"), crown, day(12))
    visit(new_case(world, address="2 High St"), crown, day(13))
    first = store(found(), RULE)
    assert (first.created, first.updated) == (1, 0)
    again = store(found(), RULE)
    assert (again.created, again.updated) == (0, 0)
    visit(new_case(world, address="3 High St"), crown, day(15))
    grown = store(found(), RULE)
    assert (grown.created, grown.updated) == (0, 1)
    cluster = Cluster.objects.get()
    assert (cluster.case_count, cluster.household_count, cluster.last_visit_on) == (3, 3, day(15))
    assert cluster.cases.count() == 3
    assert "3 cases from 3 households visited The Crown, 12–15 Nov" in cluster.explanation


def test_a_dismissed_cluster_alerts_again_only_when_it_grows(world: World) -> None:
    crown = new_setting(world)
    visit(new_case(world, address="1 High St"), crown, day(12))
    visit(new_case(world, address="2 High St"), crown, day(13))
    store(found(), RULE)
    cluster = Cluster.objects.get()
    dismiss(cluster, reason="Two staff who car-share", actor=world.users["lead_a"])
    store(found(), RULE)
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.DISMISSED
    visit(new_case(world, address="3 High St"), crown, day(14))
    summary = store(found(), RULE)
    cluster.refresh_from_db()
    assert (summary.reopened, cluster.status, cluster.case_count) == (1, Cluster.Status.OPEN, 3)


def test_dismissing_needs_a_reason_and_changes_nothing_without_one(world: World) -> None:
    crown = new_setting(world)
    visit(new_case(world, address="1 High St"), crown, day(12))
    visit(new_case(world, address="2 High St"), crown, day(13))
    store(found(), RULE)
    cluster = Cluster.objects.get()
    with pytest.raises(ValueError, match="Enter why"):
        dismiss(cluster, reason="   ", actor=world.users["lead_a"])
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.OPEN


def _two_episodes(world: World) -> tuple[Setting, Cluster, Cluster]:
    """Two households on 10–11 Nov and two on 16–17 Nov at one setting: more than the window apart."""
    crown = new_setting(world)
    for n, on in enumerate((10, 11, 16, 17)):
        visit(new_case(world, address=f"{n} High St"), crown, day(on))
    store(found(), RULE)
    first, second = Cluster.objects.order_by("first_visit_on")
    return crown, first, second


def test_a_visit_between_two_episodes_joins_their_clusters_into_one_alert(world: World) -> None:
    crown, first, second = _two_episodes(world)
    bridge = new_case(world, address="9 High St")
    visit(bridge, crown, day(13))
    summary = store(found(), RULE, period=(FIRST, LAST))
    first.refresh_from_db()
    second.refresh_from_db()
    assert summary.folded == 1 and "1 joined into another of the same episode" in summary.line()
    assert (first.status, first.case_count, first.first_visit_on, first.last_visit_on) == (
        Cluster.Status.OPEN, 5, day(10), day(17)
    )  # fmt: skip
    assert first.cases.count() == 5
    assert (second.status, second.dismissed_reason) == (
        Cluster.Status.DISMISSED, f"Joined {first.reference}: one episode"
    )  # fmt: skip
    assert Cluster.objects.filter(status=Cluster.Status.OPEN).count() == 1
    again = store(found(), RULE, period=(FIRST, LAST))
    second.refresh_from_db()
    assert again.folded == 0 and second.status == Cluster.Status.DISMISSED


def test_merging_two_entries_for_one_place_joins_their_clusters_into_one_alert(world: World) -> None:
    crown, duplicate = new_setting(world, "The Crown"), new_setting(world, "Crown PH")
    for n, (where, on) in enumerate(((crown, 10), (crown, 11), (duplicate, 10), (duplicate, 11))):
        visit(new_case(world, address=f"{n} High St"), where, day(on))
    store(found(), RULE)
    kept, moved = Cluster.objects.order_by("pk")
    merge_settings(duplicate, crown, actor=world.users["lead_a"])
    summary = store(found(), RULE, period=(FIRST, LAST))
    kept.refresh_from_db()
    moved.refresh_from_db()
    assert summary.folded == 1
    assert (kept.status, kept.case_count, kept.cases.count()) == (Cluster.Status.OPEN, 4, 4)
    assert (moved.setting_id, moved.status, moved.dismissed_reason) == (
        crown.pk, Cluster.Status.DISMISSED, f"Joined {kept.reference}: one episode"
    )  # fmt: skip


def test_a_cluster_made_an_outbreak_is_not_joined_into_another(world: World) -> None:
    crown, first, second = _two_episodes(world)
    promote(second, actor=world.users["lead_a"])
    visit(new_case(world, address="9 High St"), crown, day(13))
    summary = store(found(), RULE, period=(FIRST, LAST))
    first.refresh_from_db()
    second.refresh_from_db()
    assert summary.folded == 0
    assert (first.status, first.case_count) == (Cluster.Status.OPEN, 5)
    assert (second.status, second.dismissed_reason) == (Cluster.Status.PROMOTED, "")


def test_an_open_cluster_is_not_joined_into_a_dismissed_one_that_stays_dismissed(world: World) -> None:
    crown, first, second = _two_episodes(world)
    dismiss(first, reason="Two staff who car-share", actor=world.users["lead_a"])
    # A case it had that the scan no longer finds there: it does not alert again, so it takes nothing in.
    first.cases.add(new_case(world, address="8 High St"))
    visit(new_case(world, address="9 High St"), crown, day(13))
    summary = store(found(), RULE, period=(FIRST, LAST))
    first.refresh_from_db()
    second.refresh_from_db()
    assert summary.folded == 0
    assert (first.status, second.status) == (Cluster.Status.DISMISSED, Cluster.Status.OPEN)


def test_an_open_cluster_joins_one_made_an_outbreak_and_its_cases_join_the_outbreak(world: World) -> None:
    crown, first, second = _two_episodes(world)
    outbreak = promote(first, actor=world.users["lead_a"])
    visit(new_case(world, address="9 High St"), crown, day(13))
    summary = store(found(), RULE, period=(FIRST, LAST))
    first.refresh_from_db()
    second.refresh_from_db()
    assert summary.folded == 1 and summary.joined == 3
    assert (first.status, first.unreviewed_case_count) == (Cluster.Status.PROMOTED, 3)
    assert (second.status, second.dismissed_reason) == (
        Cluster.Status.DISMISSED, f"Joined {first.reference}: one episode"
    )  # fmt: skip
    assert outbreak.cases.count() == 5


def test_the_scan_looks_back_from_today_and_records_its_run(world: World) -> None:
    crown = new_setting(world)
    today = timezone.localdate()
    visit(new_case(world, address="1 High St"), crown, today - dt.timedelta(days=3))
    visit(new_case(world, address="2 High St"), crown, today - dt.timedelta(days=2))
    summary = scan()
    assert summary.created == 1
    run = ClusterScan.objects.get()
    assert run.finished_at is not None and run.found == 1


def test_the_rule_refuses_settings_that_make_no_sense(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOCALTRACE_CLUSTERS = {"min_households": 1}
    with pytest.raises(ValueError, match="min_households"):
        Rule.configured()
    settings.LOCALTRACE_CLUSTERS = {"window": 3}
    with pytest.raises(ValueError, match="Unknown cluster detection settings: window"):
        Rule.configured()
    settings.LOCALTRACE_CLUSTERS = {"window_days": 5}
    assert Rule.configured().window_days == 5


def test_the_command_scans_exports_a_snapshot_and_scans_it_with_duckdb(world: World, tmp_path: Path) -> None:
    import io

    from django.core.management import CommandError, call_command

    crown = new_setting(world)
    visit(new_case(world, address="1 High St"), crown, day(12))
    visit(new_case(world, address="2 High St"), crown, day(13))
    out = io.StringIO()
    call_command("scan_clusters", "--today", "2020-11-20", stdout=out)
    assert "1 found, 1 new" in out.getvalue()
    call_command("scan_clusters", "--export-snapshot", str(tmp_path / "snap"), stdout=out)
    out = io.StringIO()
    call_command("scan_clusters", "--today", "2020-11-20", "--on-snapshot", str(tmp_path / "snap"), stdout=out)
    assert "2 cases from 2 households" in out.getvalue() and "Clusters on the snapshot: 1" in out.getvalue()
    with pytest.raises(CommandError, match="export a snapshot first"):
        call_command("scan_clusters", "--on-snapshot", str(tmp_path / "missing"))
