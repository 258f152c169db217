"""The access module's rules, persona by persona."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from localtrace.accounts.access import can, get_or_404, may, scope_for, scoped
from localtrace.areas.models import Area, Delegation, Team
from tests.personas import World


def test_a_local_tracer_works_only_their_own_area(world: World) -> None:
    scope = scope_for(world.users["tracer_a"])
    assert scope.working_area_ids == {world.area_a.pk}
    assert may(world.users["tracer_a"], "area.view", world.area_a)
    assert not may(world.users["tracer_a"], "area.view", world.area_b)


def test_districts_of_an_area_are_in_scope_with_it(world: World) -> None:
    visible = scoped(world.users["tracer_a"], "area.view")
    assert set(visible) == {world.area_a, world.district_a}


def test_a_surge_tracer_works_an_area_only_while_the_delegation_is_active(world: World) -> None:
    surge = world.users["surge_active"]
    assert may(surge, "area.view", world.area_a)
    after_end = world.delegation.ends_at + dt.timedelta(seconds=1)
    assert scope_for(surge, at=after_end).working_area_ids == frozenset()
    before_start = world.delegation.starts_at - dt.timedelta(seconds=1)
    assert scope_for(surge, at=before_start).working_area_ids == frozenset()


def test_a_revoked_delegation_gives_no_access(world: World) -> None:
    Delegation.objects.filter(pk=world.delegation.pk).update(revoked_at=timezone.now())
    world.users["surge_active"].refresh_from_db()
    assert not may(world.users["surge_active"], "area.view", world.area_a)


def test_a_surge_team_without_a_delegation_sees_no_area(world: World) -> None:
    assert not scoped(world.users["surge_idle"], "area.view").exists()


def test_a_delegation_gives_tracing_roles_only(world: World) -> None:
    scope = scope_for(world.users["surge_active"])
    assert scope.roles_in(world.area_a.pk) == {"tracer"}


def test_an_area_lead_membership_in_a_surge_team_gives_no_area_lead_powers(world: World) -> None:
    from localtrace.areas.models import Membership, Role

    # The membership form refuses this; one written another way (the ORM, a command) must still not count.
    surge = world.users["surge_active"]
    Membership.objects.filter(user=surge).update(role=Role.AREA_LEAD)
    assert scope_for(surge).roles_in(world.area_a.pk) == frozenset()
    assert not may(surge, "export.area", world.area_a) and not may(surge, "area.manage_delegations", world.area_a)


def test_the_administrator_sees_areas_but_holds_no_tracing_role(world: World) -> None:
    admin = world.users["admin"]
    assert scoped(admin, "area.view").count() == Area.objects.count()
    assert scope_for(admin).working_area_ids == frozenset()


def test_only_the_area_lead_manages_the_areas_delegations(world: World) -> None:
    for persona, expected in [("area_lead_a", True), ("lead_a", False), ("admin", False), ("tracer_b", False)]:
        assert may(world.users[persona], "delegation.manage", world.delegation) is expected, persona


def test_staff_contact_details_are_for_administrators_only(world: World) -> None:
    target = world.users["tracer_a"]
    assert may(world.users["admin"], "user.view", target)
    for persona in ("tracer_a", "lead_a", "area_lead_a", "dpo"):
        assert not may(world.users[persona], "user.view", target), persona


def test_capabilities(world: World) -> None:
    assert can(world.users["admin"], "user.create")
    assert not can(world.users["lead_a"], "user.create")
    assert can(world.users["dpo"], "audit.search")
    assert not can(world.users["admin"], "audit.search")


def test_inactive_users_reach_nothing(world: World) -> None:
    admin = world.users["admin"]
    admin.is_active = False
    admin.save()
    assert not scoped(admin, "area.view").exists()
    assert not can(admin, "user.create")


def test_out_of_scope_objects_are_not_found(world: World) -> None:
    with pytest.raises(Http404):
        get_or_404(world.users["tracer_b"], "team.view", Team, pk=world.team_a.pk)
    assert get_or_404(world.users["tracer_a"], "team.view", Team, pk=world.team_a.pk) == world.team_a


def test_asking_with_the_wrong_model_or_permission_is_a_programming_error(world: World) -> None:
    with pytest.raises(ValueError, match="applies to Area"):
        scoped(world.users["admin"], "area.view", Team.objects.all())
    with pytest.raises(ValueError, match="Unknown permission"):
        scoped(world.users["admin"], "case.fly", Team.objects.all())


def _fresh(world: World, persona: str) -> Any:
    """The persona's account read again, so its scope is worked out afresh (it is cached per request)."""
    from localtrace.accounts.models import User

    return User.objects.get(pk=world.users[persona].pk)


def _pair_in(area: Area, world: World) -> Any:
    from localtrace.people.models import DuplicateReview

    first, second = sorted((world.case_a.person_id, world.contact_a.person_id))
    return DuplicateReview.objects.create(first_id=first, second_id=second, area=area, match_probability=0.9,
                                          match_weight=3)  # fmt: skip


def test_administrators_work_the_quarantined_rows_of_an_area_only_while_it_has_no_area_lead(world: World) -> None:
    from localtrace.areas.models import Membership, Role

    admin, row = world.users["admin"], world.quarantined_a
    assert not may(admin, "quarantine.fix", row)  # Northshire has an area lead: the row is theirs
    Membership.objects.filter(user=world.users["area_lead_a"], role=Role.AREA_LEAD).delete()
    assert may(admin, "quarantine.fix", row)
    assert may(admin, "quarantine.fix", world.quarantined_unrouted)
    for persona in ("tracer_a", "lead_a", "area_lead_a", "support_a", "surge_active", "dpo"):
        assert not may(_fresh(world, persona), "quarantine.fix", row), persona


def test_a_deactivated_area_lead_leaves_the_quarantined_rows_to_administrators(world: World) -> None:
    lead = world.users["area_lead_a"]
    lead.is_active = False
    lead.save(update_fields=["is_active"])
    assert may(world.users["admin"], "quarantine.fix", world.quarantined_a)


def test_an_area_lead_in_a_surge_team_does_not_count_as_the_areas_area_lead(world: World) -> None:
    from localtrace.areas.models import Membership, Role

    Membership.objects.filter(user=world.users["area_lead_a"], role=Role.AREA_LEAD).delete()
    Membership.objects.filter(user=world.users["surge_active"]).update(role=Role.AREA_LEAD)
    assert may(world.users["admin"], "quarantine.fix", world.quarantined_a)


def test_administrators_review_an_areas_duplicate_pairs_only_while_nobody_there_may(world: World) -> None:
    from localtrace.areas.models import Membership, Role

    admin, pair = world.users["admin"], _pair_in(world.area_a, world)
    Membership.objects.filter(user=world.users["area_lead_a"], role=Role.AREA_LEAD).delete()
    assert not may(admin, "duplicate.review", pair)  # the team lead still reviews pairs
    assert may(world.users["lead_a"], "duplicate.review", pair)
    Membership.objects.filter(user=world.users["lead_a"], role=Role.TEAM_LEAD).delete()
    assert may(admin, "duplicate.review", pair)
    assert can(admin, "duplicate.queue")
    for persona in ("tracer_a", "lead_a", "area_lead_a", "support_a", "surge_active", "dpo"):
        assert not may(_fresh(world, persona), "duplicate.review", pair), persona


def test_the_area_lead_of_another_area_does_not_count_for_this_one(world: World) -> None:
    # Southmoor has no lead of any kind: its rows and pairs are the administrators', whatever Northshire has.
    from localtrace.results.models import QuarantinedRow

    row = QuarantinedRow.objects.create(submission=world.submission, row_number=3, source_id="LAB-A",
                                        fields={"postcode": "GX10 4DG"}, raw_text="LAB-A,S3", reasons=["x"],
                                        reason_fields=["nhs_number"], area=world.area_b)  # fmt: skip
    assert may(world.users["admin"], "quarantine.fix", row)
    assert may(world.users["admin"], "duplicate.review", _pair_in(world.area_b, world))
    assert not may(world.users["area_lead_a"], "quarantine.fix", row)
