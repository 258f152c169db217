"""The register of settings: offered first when a visit is entered, searched, edited and merged."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from localtrace.audit.models import AuditEvent
from localtrace.config import policy
from localtrace.places.models import Cluster, Setting, Visit
from localtrace.places.services import (
    MergeError,
    add_setting,
    merge_plan,
    merge_settings,
    record_visit,
    search_settings,
    update_setting,
)
from tests.personas import World
from tests.places.helpers import new_case, new_setting, visit


def _visit_form(world: World, **fields: str) -> dict[str, str]:
    day = policy.backward_window(world.case_a.anchor_date).first
    return {
        "name": "The Crown", "kind": "hospitality", "postcode": "",
        "visited_on_0": str(day.day), "visited_on_1": str(day.month), "visited_on_2": str(day.year), **fields,
    }  # fmt: skip


def test_the_visit_form_offers_existing_settings_before_adding_a_new_one(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    crown = new_setting(world, "The Crown Inn")
    client = client_for("tracer_a")
    url = reverse("cases:visit-add", args=[world.case_a.pk])
    offered = client.post(url, _visit_form(world, name="crown"))
    page = offered.content.decode()
    assert "Is it one of these places already in the register?" in page
    assert "The Crown Inn, FX1 2AB" in page
    assert "Choose a place from the register, or say it is a new place" in page
    assert not Visit.objects.exists()
    chosen = client.post(url, _visit_form(world, name="crown", setting=str(crown.pk), kind=""))
    assert chosen.status_code == 302
    assert Visit.objects.get().setting == crown
    new = client.post(url, _visit_form(world, name="Crown Bakery", setting="new", kind="workplace"))
    assert new.status_code == 302
    assert Setting.objects.filter(name="Crown Bakery", kind="workplace").exists()


def test_a_new_place_still_needs_its_kind(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("tracer_a").post(
        reverse("cases:visit-add", args=[world.case_a.pk]), _visit_form(world, name="Lonely Café", kind="")
    )
    assert "Choose what kind of place it is" in response.content.decode()
    assert not Setting.objects.exists()


def test_a_setting_of_another_area_cannot_be_chosen(world: World) -> None:
    elsewhere = new_setting(world, "The Crown", area=world.area_b)
    day = policy.backward_window(world.case_a.anchor_date).first
    from localtrace.cases.investigation import InvestigationError

    with pytest.raises(InvestigationError, match="register"):
        record_visit(world.case_a, name="", kind="", visited_on=day, setting=elsewhere, actor=world.users["tracer_a"])
    assert not Visit.objects.exists()


def test_the_search_fragment_lists_matches_as_they_type(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    new_setting(world, "The Crown Inn")
    new_setting(world, "Crown Court Café", kind="hospitality", area=world.area_b)
    url = reverse("places:setting-search") + f"?case={world.case_a.pk}"
    page = client_for("tracer_a").post(url, {"name": "crow"}).content.decode()
    assert "The Crown Inn" in page and "Crown Court Café" not in page
    assert client_for("tracer_a").post(url, {"name": "zzz"}).content.decode().strip() == ""


def test_search_matches_every_word_and_puts_names_starting_with_it_first(world: World) -> None:
    for name in ("The Crown", "Crown and Anchor", "Old Bell", "Crown Primary School"):
        new_setting(world, name)
    found = [s.name for s in search_settings(Setting.objects.all(), "crown")]
    assert found == ["Crown and Anchor", "Crown Primary School", "The Crown"]
    assert [s.name for s in search_settings(Setting.objects.all(), "crown anchor")] == ["Crown and Anchor"]


def test_merging_moves_visits_and_clusters_and_keeps_the_duplicate_for_history(world: World) -> None:
    keep, duplicate = new_setting(world, "The Crown"), new_setting(world, "Crown (pub)", postcode="")
    duplicate.manager_email = "manager@example.com"
    duplicate.save()
    day = dt.date(2020, 11, 12)
    visits = [visit(new_case(world, address=f"{n} High St"), duplicate, day) for n in range(3)]
    visit(new_case(world, address="9 High St"), keep, day)
    Cluster.objects.create(
        area=world.area_a, setting=duplicate, first_visit_on=day, last_visit_on=day, case_count=3, household_count=3,
        backward_case_count=3, score=6, explanation="3 cases",
    )  # fmt: skip
    plan = merge_plan(duplicate, keep)
    assert (plan.visits, plan.clusters) == (3, 1)
    merge_settings(duplicate, keep, actor=world.users["lead_a"])
    assert keep.visits.count() == 4
    assert all(Visit.objects.get(pk=v.pk).setting_id == keep.pk for v in visits)
    assert Cluster.objects.get().setting == keep
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert duplicate.merged_into == keep
    assert keep.manager_email == "manager@example.com"
    event = AuditEvent.objects.get(object_type="places.setting", object_id=str(keep.pk))
    assert event.detail["merged"] == duplicate.pk and event.detail["visits_moved"] == 3


def test_a_setting_cannot_be_merged_into_itself_or_another_area(world: World) -> None:
    crown = new_setting(world)
    with pytest.raises(MergeError):
        merge_plan(crown, crown)
    with pytest.raises(MergeError, match="same area"):
        merge_plan(crown, new_setting(world, area=world.area_b))


def test_the_merge_page_shows_what_will_move_before_merging(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    keep, duplicate = new_setting(world, "The Crown"), new_setting(world, "The Crown Pub")
    visit(new_case(world, address="1 High St"), duplicate, dt.date(2020, 11, 12))
    client = client_for("lead_a")
    url = reverse("places:setting-merge", args=[duplicate.pk])
    assert "The Crown, FX1 2AB" in client.get(url).content.decode()
    check = client.post(url, {"keep": str(keep.pk)}).content.decode()
    assert "Check before you merge" in check and "Visits that will move" in check
    assert Visit.objects.get().setting == duplicate  # nothing moved yet
    done = client.post(url, {"keep": str(keep.pk), "confirmed": "yes"})
    assert done.status_code == 302
    assert Visit.objects.get().setting == keep
    assert (
        "Merge into another setting"
        not in client.get(reverse("places:setting-detail", args=[duplicate.pk])).content.decode()
    )


def test_a_team_lead_adds_and_corrects_a_setting_with_its_manager(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("lead_a")
    bad = client.post(
        reverse("places:setting-add"),
        {"name": "Hill Primary", "kind": "school", "manager_email": "not-an-address", "manager_phone": "12"},
    )
    page = bad.content.decode()
    assert "Enter an email address in the correct format" in page and "Enter a phone number" in page
    assert not Setting.objects.exists()
    client.post(
        reverse("places:setting-add"),
        {"name": "Hill  Primary", "kind": "school", "postcode": "fx1 2ab", "manager_email": "head@example.org",
         "manager_phone": "07911 123456"},
    )  # fmt: skip
    setting = Setting.objects.get()
    assert (setting.name, setting.postcode, setting.manager_phone) == ("Hill Primary", "FX1 2AB", "+447911123456")
    again = client.post(
        reverse("places:setting-add"), {"name": "hill primary", "kind": "school", "postcode": "FX1 2AB"}
    )
    assert "already in the register" in again.content.decode()
    edit = reverse("places:setting-edit", args=[setting.pk])
    client.post(
        edit,
        {"name": "Hill Primary School", "kind": "school", "postcode": "FX1 2AB", "manager_email": "office@example.org",
         "seen": _seen(client.get(edit).content.decode())},
    )  # fmt: skip
    setting.refresh_from_db()
    assert (setting.name, setting.manager_email, setting.manager_phone) == (
        "Hill Primary School", "office@example.org", "",
    )  # fmt: skip


def _seen(page: str) -> str:
    """The edit form's fingerprint of the details as the page showed them."""
    found = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    assert found is not None, "the edit page carries the details' fingerprint"
    return found.group(1)


def test_a_change_to_a_setting_saved_while_another_lead_was_editing_it_is_not_undone(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    crown = new_setting(world)
    url = reverse("places:setting-edit", args=[crown.pk])
    lead, area_lead = client_for("lead_a"), client_for("area_lead_a")
    as_lead_saw_it = _seen(lead.get(url).content.decode())
    details = {"name": "The Crown", "kind": "hospitality", "address_line_1": "", "postcode": "FX1 2AB",
               "manager_email": "", "manager_phone": ""}  # fmt: skip
    saved = area_lead.post(
        url, details | {"manager_email": "manager@crown.example", "seen": _seen(area_lead.get(url).content.decode())}
    )
    assert saved.status_code == 302
    # The team lead's page was opened before that change: saving it would wipe the manager's email address.
    refused = lead.post(url, details | {"name": "The Crown Inn", "seen": as_lead_saw_it})
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert (
        "Someone changed these details while you were editing. They are shown as they are now: make your change again."
        in page
    )
    assert 'value="manager@crown.example"' in page and 'value="The Crown"' in page
    crown.refresh_from_db()
    assert (crown.name, crown.manager_email) == ("The Crown", "manager@crown.example")
    assert (
        AuditEvent.objects.filter(object_type="places.setting", object_id=str(crown.pk), action="change").count() == 1
    )
    # Made again from the page as it is now, the change goes through and keeps the other one.
    again = lead.post(
        url, details | {"name": "The Crown Inn", "manager_email": "manager@crown.example", "seen": _seen(page)}
    )
    assert again.status_code == 302
    crown.refresh_from_db()
    assert (crown.name, crown.manager_email) == ("The Crown Inn", "manager@crown.example")
    # A page sent without its fingerprint is refused too.
    assert "This page was not sent whole" in lead.post(url, details).content.decode()


def test_the_register_lists_only_settings_of_the_users_areas(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    new_setting(world, "Northshire Arms")
    new_setting(world, "Southmoor Arms", area=world.area_b)
    page = client_for("tracer_a").get(reverse("places:setting-list")).content.decode()
    assert "Northshire Arms" in page and "Southmoor Arms" not in page
    searched = client_for("tracer_b").get(reverse("places:setting-list"), {"q": "arms"}).content.decode()
    assert "Southmoor Arms" in searched and "Northshire Arms" not in searched


def test_merging_into_a_setting_found_by_search_goes_through(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    duplicate = new_setting(world, "Canal Kitchen Cafe", postcode="")
    keep = new_setting(world, "Kitchen by the Canal", kind="hospitality", postcode="FX9 9ZZ")
    assert keep not in merge_candidates(duplicate)  # not offered until searched for
    visit(new_case(world, address="1 High St"), duplicate, dt.date(2020, 11, 12))
    client = client_for("lead_a")
    url = reverse("places:setting-merge", args=[duplicate.pk])
    searched = client.get(url, {"q": "canal kitchen"}).content.decode()
    assert "Kitchen by the Canal" in searched
    check = client.post(f"{url}?q=canal+kitchen", {"keep": str(keep.pk)}).content.decode()
    assert "Check before you merge" in check
    # The check page's form posts without the search, as the browser sends it.
    done = client.post(url, {"keep": str(keep.pk), "confirmed": "yes"})
    assert done.status_code == 302 and done["Location"] == reverse("places:setting-detail", args=[keep.pk])
    duplicate.refresh_from_db()
    assert duplicate.merged_into == keep and Visit.objects.get().setting == keep
    # Still only a setting of the same area, in the register, can be chosen.
    other = new_setting(world, "Canal Kitchen", area=world.area_b)
    refused = client.post(reverse("places:setting-merge", args=[keep.pk]), {"keep": str(other.pk), "confirmed": "yes"})
    assert "Select a valid choice" in refused.content.decode()
    other.refresh_from_db()
    assert other.merged_into_id is None


def merge_candidates(setting: Setting) -> list[Setting]:
    from localtrace.places.services import near_duplicates

    return near_duplicates(setting, limit=20)


def test_a_setting_goes_in_the_register_of_its_postcodes_area(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.areas.models import Membership, Role

    # lead_a leads in area A only: a setting at area B's postcode is B's to add.
    refused = client_for("lead_a").post(
        reverse("places:setting-add"), {"name": "Border Inn", "kind": "hospitality", "postcode": "gx10 4dg"}
    )
    page = refused.content.decode()
    assert "GX10 4DG is in Southmoor, so the setting belongs in Southmoor&#x27;s register" in page
    assert 'href="#id_postcode"' in page and not Setting.objects.exists()
    # A lead of both areas adds it where its postcode is, whichever register they started from.
    Membership.objects.create(user=world.users["lead_a"], team=world.team_b, role=Role.TEAM_LEAD)
    from localtrace.accounts.access import forget_scope

    forget_scope(world.users["lead_a"])
    client = client_for("lead_a")
    added = client.post(
        reverse("places:setting-add"),
        {"area": str(world.area_a.pk), "name": "Border Inn", "kind": "hospitality", "postcode": "gx10 4dg"},
        follow=True,
    )
    inn = Setting.objects.get()
    assert inn.area == world.area_b and "added to Southmoor&#x27;s register" in added.content.decode()
    # A case that names it with its postcode finds that one setting, not a second elsewhere.
    day = policy.backward_window(world.case_a.anchor_date).first
    chosen = record_visit(world.case_a, name="border inn", kind="hospitality", visited_on=day, postcode="GX10 4DG")
    assert chosen.setting == inn and Setting.objects.count() == 1
    # A postcode no area has (or none) keeps the register chosen.
    plain = add_setting(area=world.area_a, actor=world.users["lead_a"], name="Old Mill", kind="workplace",
                        postcode="FX9 9ZZ")  # fmt: skip
    assert plain.area == world.area_a


def test_a_new_postcode_in_another_area_moves_the_setting_or_is_refused(world: World) -> None:
    from localtrace.areas.models import Membership, Role
    from localtrace.cases.investigation import InvestigationError

    mill = add_setting(area=world.area_a, actor=world.users["lead_a"], name="Old Mill", kind="workplace")
    with pytest.raises(InvestigationError, match="belongs in Southmoor's register"):
        update_setting(mill, actor=world.users["lead_a"], postcode="GX10 4DG")
    mill.refresh_from_db()
    assert (mill.area, mill.postcode) == (world.area_a, "")
    Membership.objects.create(user=world.users["lead_a"], team=world.team_b, role=Role.TEAM_LEAD)
    from localtrace.accounts.access import forget_scope

    forget_scope(world.users["lead_a"])
    update_setting(mill, actor=world.users["lead_a"], postcode="gx10 4dg")
    mill.refresh_from_db()
    assert (mill.area, mill.postcode) == (world.area_b, "GX10 4DG")
    moved = AuditEvent.objects.filter(object_type="places.setting", object_id=str(mill.pk)).latest("pk")
    assert moved.detail["moved_to_area"] == world.area_b.pk


def test_a_setting_with_no_visits_says_so(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    crown = new_setting(world)
    client = client_for("tracer_a")
    page = client.get(reverse("places:setting-detail", args=[crown.pk])).content.decode()
    assert "No visits yet." in page and "Visits by cases you may see" not in page
    visit(new_case(world, address="9 Far Lane", postcode="GX10 4DG", area=world.area_b), crown, dt.date(2020, 11, 12))
    hidden = client.get(reverse("places:setting-detail", args=[crown.pk])).content.decode()
    assert "1 visit, all by cases in other areas' queues" in hidden
    visit(new_case(world, address="1 High St"), crown, dt.date(2020, 11, 13))
    both = client.get(reverse("places:setting-detail", args=[crown.pk])).content.decode()
    assert "Also 1 visit by cases in other areas" in both and "Visits by cases you may see" in both


def test_the_setting_page_audits_the_cases_it_lists(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    crown = new_setting(world)
    listed = new_case(world, address="1 High St")
    visit(listed, crown, dt.date(2020, 11, 12))
    visit(listed, crown, dt.date(2020, 11, 14))
    visit(new_case(world, address="9 Far Lane", postcode="GX10 4DG", area=world.area_b), crown, dt.date(2020, 11, 13))
    page = client_for("tracer_a").get(reverse("places:setting-detail", args=[crown.pk])).content.decode()
    assert f"C{listed.pk}" in page
    viewed = AuditEvent.objects.filter(object_type="places.setting", object_id=str(crown.pk), action="view").get()
    assert viewed.detail == {"cases_listed": [listed.pk]}


def test_after_merging_one_visit_the_message_says_one_visit_moved(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    duplicate = new_setting(world, "The Crown Inn")
    keep = new_setting(world, "The Crown")
    visit(new_case(world, address="1 High St"), duplicate, dt.date(2020, 11, 12))
    url = reverse("places:setting-merge", args=[duplicate.pk])
    done = client_for("lead_a").post(url, {"keep": str(keep.pk), "confirmed": "yes"}, follow=True).content.decode()
    assert "The Crown Inn merged into The Crown: 1 visit moved." in done
