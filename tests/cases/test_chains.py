"""Chain building on small hand-made graphs: pure functions, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from localtrace.cases.chains import (
    POSSIBLE,
    CaseFacts,
    VisitFacts,
    build_chains,
    possible_links,
    week_of,
    weekly_figures,
)

MONDAY = dt.date(2020, 11, 2)


def day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


def case(pk: int, result: int = 0, source: int | None = None, *, in_area: bool = True) -> CaseFacts:
    return CaseFacts(pk, day(result), source, in_area)


def test_a_case_with_no_links_is_a_chain_of_one_with_no_known_source():
    chains = build_chains([case(1)])
    (chain,) = chains.chains
    assert chain.case_ids == (1,)
    assert chain.size == 1 and chain.generations == 1
    assert chain.roots == [1] and chain.known_source_count == 0


def test_named_contacts_who_became_cases_make_generations():
    # 1 named 2 and 3; 3 named 4; 4 named 5: 1 → 3 → 4 → 5 is four generations. 6 is alone.
    chains = build_chains([case(1), case(2, 3, 1), case(3, 4, 1), case(4, 8, 3), case(5, 12, 4), case(6, 1)])
    big, alone = chains.chains
    assert big.size == 5 and big.generations == 4
    assert big.generation == {1: 1, 2: 2, 3: 2, 4: 3, 5: 4}
    assert big.parent == {2: 1, 3: 1, 4: 3, 5: 4}
    assert big.roots == [1] and big.known_source_count == 4
    assert big.case_ids[0] == 1 and big.first_case_id == 1
    assert alone.case_ids == (6,)
    assert chains.of(5) is big and chains.of(6) is alone and chains.of(99) is None


def test_chains_come_largest_first_then_oldest():
    chains = build_chains([case(10, 5), case(11, 6, 10), case(20, 1), case(21, 2, 20), case(22, 3, 21), case(30, 0)])
    assert [c.case_ids for c in chains.chains] == [(20, 21, 22), (10, 11), (30,)]


def test_a_loop_of_named_links_is_broken_at_its_earliest_case():
    # 1 names 2, 2 names 3, 3 names 1 (only edited records can do this), and 4 was named by 2.
    chains = build_chains([case(1, 2, 3), case(2, 0, 1), case(3, 5, 2), case(4, 6, 2)])
    (chain,) = chains.chains
    assert chain.loop_breaks == {2}
    assert chain.generation == {2: 1, 3: 2, 1: 3, 4: 2}
    assert chain.generations == 3
    # Every case in a loop has a known source, so the chain has no root, but it still has a start.
    assert chain.roots == [] and chain.tops == [2]


def test_a_case_named_by_itself_is_not_its_own_source():
    (chain,) = build_chains([case(1, 0, 1)]).chains
    assert chain.parent == {} and chain.roots == [1]


def test_a_source_in_another_area_is_known_but_starts_the_area_chain():
    chains = build_chains([case(1, 0, 99, in_area=False), case(2, 3, 1)])
    (chain,) = chains.chains
    assert chain.outside_source == {1}
    assert chain.generation == {1: 1, 2: 2}
    assert chain.roots == [] and chain.known_source_count == 2


def test_two_roots_joined_by_a_possible_link_make_one_chain_without_more_generations():
    # 1 → 2 by name, 3 → 4 by name; 2 went to a pub while infectious the day before 3 went there
    # in the days 3 may have caught it.
    cases = [case(1, 0), case(2, 4, 1), case(3, 9), case(4, 12, 3)]
    visits = [VisitFacts(2, 7, day(6), "forward"), VisitFacts(3, 7, day(7), "backward")]
    (chain,) = build_chains(cases, visits).chains
    assert chain.size == 4
    assert chain.generation == {1: 1, 2: 2, 3: 1, 4: 2}
    assert chain.generations == 2
    assert chain.roots == [1, 3] and chain.tops == [1, 3]
    assert chain.possible_source == {3} and chain.possible_only_count == 1
    (link,) = possible_links(visits, {1, 2, 3, 4})
    assert (link.source, link.target, link.kind, link.setting_id) == (2, 3, POSSIBLE, 7)
    assert (link.source_visited_on, link.target_visited_on) == (day(6), day(7))


@pytest.mark.parametrize(
    ("apart", "tolerance", "linked"),
    [(0, 1, True), (1, 1, True), (-1, 1, True), (2, 1, False), (2, 2, True), (1, 0, False)],
)
def test_a_possible_link_needs_the_visits_within_the_tolerance(apart: int, tolerance: int, linked: bool):
    visits = [VisitFacts(1, 5, day(10), "forward"), VisitFacts(2, 5, day(10 + apart), "backward")]
    chains = build_chains([case(1), case(2, 14)], visits, tolerance=tolerance)
    assert len(chains.chains) == (1 if linked else 2)
    assert bool(possible_links(visits, {1, 2}, tolerance=tolerance)) is linked


def test_two_backward_visits_or_two_forward_visits_make_no_link():
    same_way = [
        VisitFacts(1, 5, day(3), "backward"),
        VisitFacts(2, 5, day(3), "backward"),
        VisitFacts(3, 6, day(3), "forward"),
        VisitFacts(4, 6, day(3), "forward"),
    ]
    assert len(build_chains([case(1), case(2), case(3), case(4)], same_way).chains) == 4
    assert possible_links(same_way, {1, 2, 3, 4}) == []


def test_visits_to_different_settings_make_no_link():
    visits = [VisitFacts(1, 5, day(3), "forward"), VisitFacts(2, 6, day(3), "backward")]
    assert len(build_chains([case(1), case(2)], visits).chains) == 2


def test_a_case_at_a_setting_on_both_sides_of_its_own_infectious_start_is_not_its_own_possible_source():
    visits = [VisitFacts(1, 5, day(3), "backward"), VisitFacts(1, 5, day(4), "forward")]
    (chain,) = build_chains([case(1)], visits).chains
    assert chain.possible_source == frozenset()
    assert possible_links(visits, {1}) == []


def test_everyone_who_went_while_infectious_near_one_backward_visit_joins_its_chain():
    # Three infectious visitors on days 3, 4 and 9; one case caught it on day 4: 1, 2 and 4 join; 3 stays apart.
    visits = [
        VisitFacts(1, 5, day(3), "forward"),
        VisitFacts(2, 5, day(4), "forward"),
        VisitFacts(3, 5, day(9), "forward"),
        VisitFacts(4, 5, day(4), "backward"),
    ]
    chains = build_chains([case(1), case(2), case(3), case(4, 8)], visits)
    assert sorted(chains.chains[0].case_ids) == [1, 2, 4]
    assert chains.chains[1].case_ids == (3,)
    assert {(link.source, link.target) for link in possible_links(visits, {1, 2, 3, 4})} == {(1, 4), (2, 4)}


def test_a_possible_link_is_listed_once_per_pair_and_setting_at_the_closest_days():
    visits = [
        VisitFacts(1, 5, day(3), "forward"),
        VisitFacts(1, 5, day(4), "forward"),
        VisitFacts(2, 5, day(4), "backward"),
    ]
    (link,) = possible_links(visits, {1, 2})
    assert link.source_visited_on == day(4)


def test_a_negative_tolerance_is_refused():
    with pytest.raises(ValueError, match="zero days or more"):
        build_chains([case(1)], tolerance=-1)


def test_weeks_run_monday_to_sunday():
    assert week_of(dt.date(2020, 11, 2)) == dt.date(2020, 11, 2)
    assert week_of(dt.date(2020, 11, 8)) == dt.date(2020, 11, 2)
    assert week_of(dt.date(2020, 11, 9)) == dt.date(2020, 11, 9)


def test_weekly_figures_count_cases_by_result_week_and_chains_by_their_first_case():
    # Week 1: cases 1 (root), 2 (named by 1), 5 (alone). Week 2: 3 (named by 2), 4 (possible source only), 6 (alone).
    cases = [case(1, 0), case(2, 3, 1), case(5, 6), case(3, 8, 2), case(4, 9), case(6, 10)]
    visits = [VisitFacts(3, 7, day(5), "forward"), VisitFacts(4, 7, day(5), "backward")]
    chains = build_chains(cases, visits)
    weeks = weekly_figures(chains, {c.id: c.result_date for c in cases})
    first, second = weeks
    assert (first.week_start, first.iso_week) == (MONDAY, "2020-W45")
    assert (first.cases, first.known_source, first.possible_source_only) == (3, 1, 0)
    # Chains started in week 1: {1, 2, 3, 4} (size 4) and {5} (size 1).
    assert (first.chains_started, first.mean_size, first.largest) == (2, 2.5, 4)
    assert (second.cases, second.known_source, second.possible_source_only) == (3, 1, 1)
    assert (second.chains_started, second.mean_size, second.largest) == (1, 1.0, 1)
    assert first.known_share == pytest.approx(1 / 3) and second.possible_share == pytest.approx(1 / 3)
