"""From an alerting cluster to a managed outbreak: promotion, actions and notes, status, the manager's letter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from localtrace.audit.models import AuditEvent
from localtrace.messaging.models import Message
from localtrace.places.clusters import ClusterError, store
from localtrace.places.detection import Rule, detect_on_database
from localtrace.places.models import Cluster, Outbreak, OutbreakTask
from localtrace.places.outbreaks import OutbreakError, add_task, message_manager, onset_curve, promote, set_status
from tests.personas import World
from tests.places.helpers import new_case, new_setting, visit

RULE = Rule()


def _cluster(world: World) -> Cluster:
    crown = new_setting(world)
    for n, specimen in enumerate((dt.date(2020, 11, 14), dt.date(2020, 11, 15), dt.date(2020, 11, 17))):
        case = new_case(world, address=f"{n} High St", specimen_date=specimen)
        visit(case, crown, dt.date(2020, 11, 10 + n))
    store(detect_on_database(RULE, dt.date(2020, 10, 20), dt.date(2020, 11, 20)), RULE)
    return Cluster.objects.get()


def test_promoting_a_cluster_opens_an_outbreak_with_its_setting_and_cases(world: World) -> None:
    cluster = _cluster(world)
    outbreak = promote(cluster, name="The Crown, November", actor=world.users["lead_a"])
    cluster.refresh_from_db()
    assert (cluster.status, cluster.outbreak) == (Cluster.Status.PROMOTED, outbreak)
    assert list(outbreak.settings.all()) == [cluster.setting]
    assert outbreak.cases.count() == 3
    assert outbreak.events.get().text.startswith(f"Outbreak opened from cluster {cluster.reference}")
    assert AuditEvent.objects.filter(object_type="places.outbreak", action="create").exists()
    with pytest.raises(ClusterError):
        promote(cluster, actor=world.users["lead_a"])
    assert Outbreak.objects.count() == 1


def test_actions_have_owners_and_due_dates_and_notes_do_not(world: World) -> None:
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    action = add_task(outbreak, kind="action", text="Visit the pub", owner=world.users["tracer_a"],
                      due_on=dt.date(2020, 11, 21), actor=world.users["lead_a"])  # fmt: skip
    add_task(outbreak, kind="note", text="Landlord helpful on the phone", actor=world.users["lead_a"])
    with pytest.raises(OutbreakError, match="A note has no owner"):
        add_task(outbreak, kind="note", text="x", owner=world.users["tracer_a"], actor=world.users["lead_a"])
    with pytest.raises(OutbreakError, match="Enter"):
        add_task(outbreak, kind="action", text="  ", actor=world.users["lead_a"])
    assert OutbreakTask.objects.count() == 2
    assert action.owner == world.users["tracer_a"]
    texts = list(outbreak.events.values_list("text", flat=True))
    assert any(t.startswith("Action added for") and "due 21 November" in t for t in texts)
    assert "Note: Landlord helpful on the phone" in texts


def test_status_changes_are_on_the_timeline(world: World) -> None:
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    set_status(outbreak, "monitoring", actor=world.users["lead_a"])
    set_status(outbreak, "closed", actor=world.users["lead_a"])
    assert outbreak.closed_at is not None
    assert outbreak.events.first().text == "Status changed from Monitoring to Closed"
    with pytest.raises(OutbreakError):
        set_status(outbreak, "finished", actor=world.users["lead_a"])


def test_the_manager_gets_one_message_in_their_language_and_none_without_contact_details(world: World) -> None:
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    setting = outbreak.settings.get()
    before = Message.objects.count()
    with pytest.raises(OutbreakError, match="no manager e-mail address"):
        message_manager(outbreak, setting, channel="email", actor=world.users["lead_a"])
    assert Message.objects.count() == before
    setting.manager_email = "landlord@example.com"
    setting.save()
    message = message_manager(outbreak, setting, channel="email", language="cy", actor=world.users["lead_a"])
    assert (message.recipient, message.template, message.language) == (
        "landlord@example.com", "outbreak_manager_email", "cy",
    )  # fmt: skip
    assert "The Crown" in message.subject and outbreak.reference in message.body
    assert "Person" not in message.body  # names no case
    assert outbreak.events.filter(kind="message").exists()


def test_the_epidemic_curve_counts_cases_by_onset_with_every_day(world: World) -> None:
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    assert onset_curve(outbreak) == [
        (dt.date(2020, 11, 14), 1), (dt.date(2020, 11, 15), 1), (dt.date(2020, 11, 16), 0), (dt.date(2020, 11, 17), 1),
    ]  # fmt: skip


def test_the_outbreak_page_shows_cases_contacts_curve_and_is_audited(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    outbreak.cases.add(world.case_a)
    page = client_for("tracer_a").get(reverse("places:outbreak-detail", args=[outbreak.pk])).content.decode()
    assert "Cases (4)" in page and "Rhys Morgan-Davies" in page  # the world case's household contact
    assert "Cases by onset date" in page
    assert "Add an action or note" not in page  # tracers read, leads manage
    assert AuditEvent.objects.filter(object_type="places.outbreak", action="view").count() == 1
    lead = client_for("lead_a").get(reverse("places:outbreak-detail", args=[outbreak.pk])).content.decode()
    assert "Add an action or note" in lead


def test_a_case_from_another_area_in_the_outbreak_is_counted_not_named(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    visitor = new_case(world, address="9 Far Lane", postcode="GX10 4DG", area=world.area_b)
    outbreak.cases.add(visitor)
    from localtrace.contacts.models import Contact

    Contact.objects.create(case=visitor, person=world.contact_a.person, area=world.area_b, kind="close",
                           last_exposure=visitor.specimen_date, isolation_ends_on=visitor.specimen_date,
                           reach_deadline=visitor.reach_deadline)  # fmt: skip
    page = client_for("tracer_a").get(reverse("places:outbreak-detail", args=[outbreak.pk])).content.decode()
    assert "Cases (3)" in page and visitor.person.full_name not in page
    assert "Also 1 case in other areas' queues is linked to this outbreak" in page
    assert "Also 1 contact in other areas' queues" not in page and "1 contact in other areas' queues" in page
    listed = AuditEvent.objects.get(object_type="places.outbreak", action="view").detail
    assert visitor.pk not in listed["cases_listed"] and len(listed["cases_listed"]) == 3
    their_page = client_for("tracer_b").get(reverse("places:outbreak-detail", args=[outbreak.pk]))
    assert their_page.status_code == 404  # the outbreak is area A's


def test_a_team_lead_dismisses_with_a_reason_and_the_alert_count_falls(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    cluster = _cluster(world)
    client = client_for("lead_a")
    home = client.get(reverse("core:home")).content.decode()
    assert "Clusters (1)" in home and "1 new cluster to review" in home
    refused = client.post(reverse("places:cluster-dismiss", args=[cluster.pk]), {"reason": ""})
    assert "Enter why you are dismissing this cluster" in refused.content.decode()
    client.post(reverse("places:cluster-dismiss", args=[cluster.pk]), {"reason": "One family, two addresses"})
    cluster.refresh_from_db()
    assert (cluster.status, cluster.dismissed_reason) == (Cluster.Status.DISMISSED, "One family, two addresses")
    assert "Clusters (1)" not in client.get(reverse("core:home")).content.decode()


def test_with_no_managers_details_the_page_says_where_to_add_them_instead_of_a_form(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    client = client_for("lead_a")
    page = client.get(reverse("places:outbreak-detail", args=[outbreak.pk])).content.decode()
    assert "Message the setting&#x27;s manager" not in page and "add them on its page" in page
    bounced = client.get(reverse("places:outbreak-message", args=[outbreak.pk]), follow=True).content.decode()
    assert "has a manager&#x27;s e-mail address or phone number yet" in bounced
    outbreak.settings.update(manager_phone="+447911123456")
    assert client.get(reverse("places:outbreak-message", args=[outbreak.pk])).status_code == 200


def test_a_later_cluster_at_a_setting_already_in_an_open_outbreak_joins_it(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    first = _cluster(world)
    crown = first.setting
    outbreak = promote(first, name="The Crown", actor=world.users["lead_a"])
    # A week later, two more households who drank there: a cluster of its own under the rule's window.
    for n, specimen in enumerate((dt.date(2020, 11, 24), dt.date(2020, 11, 25))):
        case = new_case(world, address=f"{n} Low St", specimen_date=specimen)
        visit(case, crown, dt.date(2020, 11, 20 + n))
    store(detect_on_database(RULE, dt.date(2020, 10, 20), dt.date(2020, 11, 30)), RULE)
    later = Cluster.objects.get(status=Cluster.Status.OPEN)
    client = client_for("lead_a")
    listing = client.get(reverse("places:cluster-list")).content.decode()
    assert f"the setting is already in outbreak {outbreak.reference}" in listing
    detail = client.get(reverse("places:cluster-detail", args=[later.pk])).content.decode()
    assert f"Add these cases to {outbreak.reference}" in detail
    response = client.post(reverse("places:cluster-add-to-outbreak", args=[later.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("places:outbreak-detail", args=[outbreak.pk])
    later.refresh_from_db()
    assert (later.status, later.outbreak) == (Cluster.Status.PROMOTED, outbreak)
    assert outbreak.cases.count() == 5 and Outbreak.objects.count() == 1
    assert outbreak.events.filter(
        kind="cluster_added", text__startswith=f"Cluster {later.reference} added, 2 new cases"
    ).exists()
    again = client.post(reverse("places:cluster-add-to-outbreak", args=[later.pk]), follow=True).content.decode()
    assert (
        "No open outbreak takes in this setting" not in again and "already been dismissed or made an outbreak" in again
    )


def test_a_closed_outbreak_takes_no_more_clusters(world: World) -> None:
    first = _cluster(world)
    outbreak = promote(first, actor=world.users["lead_a"])
    set_status(outbreak, "closed", actor=world.users["lead_a"])
    from localtrace.places.outbreaks import add_to_outbreak, open_outbreak_at

    later = Cluster.objects.create(setting=first.setting, area=first.area, first_visit_on=dt.date(2020, 12, 1),
                                   last_visit_on=dt.date(2020, 12, 2), case_count=2, household_count=2,
                                   backward_case_count=1, score=1)  # fmt: skip
    assert open_outbreak_at(later) is None
    with pytest.raises(ClusterError, match="open outbreak of the same area"):
        add_to_outbreak(later, outbreak, actor=world.users["lead_a"])
