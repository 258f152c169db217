"""A hold outlives the access it was taken with; what its holder may no longer open goes back to the queue."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from localtrace.areas.models import Delegation, Membership, Role
from localtrace.audit.models import AuditEvent
from localtrace.cases.models import Case
from localtrace.cases.tasks import hand_back_stranded_holds
from localtrace.contacts.models import Contact
from localtrace.support.models import SupportRequest
from localtrace.support.services import record_needs
from tests.personas import World


def hold(item: Case | Contact | SupportRequest, user: object, at: dt.datetime | None = None) -> None:
    type(item).objects.filter(pk=item.pk).update(claimed_by=user, claimed_at=at or timezone.now())


def holder_of(item: Case | Contact | SupportRequest) -> object:
    item.refresh_from_db()
    return item.claimed_by


def test_surge_access_that_runs_out_hands_back_its_tracers_holds_on_the_next_round(world: World) -> None:
    surge = world.users["surge_active"]
    hold(world.case_a, surge)
    hold(world.contact_a, surge)
    assert hand_back_stranded_holds.call() == 0  # access still stands: nothing moves
    assert holder_of(world.case_a) == surge
    # The last day ends: nobody presses "End now".
    Delegation.objects.filter(pk=world.delegation.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    assert hand_back_stranded_holds.call() == 2
    for item in (world.case_a, world.contact_a):
        assert holder_of(item) is None
        line = item.events.get(kind="released")
        assert line.summary == "Handed back: " + (surge.full_name or surge.username) + "'s access to this area ended"
    assert hand_back_stranded_holds.call() == 0  # a second round finds nothing more


def test_the_round_leaves_local_holds_lapsed_holds_and_closed_items_alone(world: World) -> None:
    Delegation.objects.filter(pk=world.delegation.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    lapsed = timezone.now() - dt.timedelta(hours=5)
    hold(world.case_a, world.users["tracer_a"])
    hold(world.contact_a, world.users["surge_active"], at=lapsed)  # lapsed already: free for anyone
    assert hand_back_stranded_holds.call() == 0
    assert holder_of(world.case_a) == world.users["tracer_a"]
    assert not world.contact_a.events.filter(kind="released").exists()


def test_removing_a_tracers_membership_hands_back_what_they_held_at_once(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer = world.users["tracer_a"]
    hold(world.case_a, tracer)
    membership = Membership.objects.get(user=tracer, team=world.team_a)
    url = reverse("accounts:membership-remove", args=[tracer.pk, membership.pk])
    assert client_for("admin").post(url).status_code == 302
    assert holder_of(world.case_a) is None
    assert world.case_a.events.get(kind="released").summary.endswith(f"membership of {world.team_a.name} ended")


def test_removing_one_of_two_memberships_of_the_area_keeps_the_hold(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer = world.users["tracer_a"]
    second = Membership.objects.create(user=tracer, team=world.team_a, role=Role.TEAM_LEAD)
    hold(world.case_a, tracer)
    client_for("admin").post(reverse("accounts:membership-remove", args=[tracer.pk, second.pk]))
    assert holder_of(world.case_a) == tracer


def test_deactivating_an_account_hands_back_its_cases_and_support_requests(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    (need,) = record_needs(world.case_a, ["food"], urgent=False, consent=True)
    hold(need, world.users["support_a"])
    hold(world.contact_a, world.users["tracer_a"])
    admin = client_for("admin")
    for persona in ("support_a", "tracer_a"):
        admin.post(reverse("accounts:set-active", args=[world.users[persona].pk]), {"active": "0"})
    assert holder_of(need) is None
    assert holder_of(world.contact_a) is None
    events = AuditEvent.objects.filter(object_type="support.supportrequest", object_id=str(need.pk))
    (event,) = [e for e in events if "handed_back" in e.detail]
    assert event.detail["handed_back"].endswith("account was deactivated")
    assert event.actor == world.users["admin"]
