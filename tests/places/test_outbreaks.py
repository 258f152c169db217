"""From an alerting cluster to a managed outbreak: promotion, actions and notes, status, the manager's letter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from localtrace.audit.models import AuditEvent
from localtrace.messaging.models import Message
from localtrace.places.clusters import ClusterError, dismiss, store
from localtrace.places.detection import Rule, detect_on_database
from localtrace.places.models import Cluster, Outbreak, OutbreakTask, Setting
from localtrace.places.outbreaks import (
    OutbreakError,
    add_task,
    complete_task,
    message_manager,
    onset_curve,
    promote,
    set_status,
)
from localtrace.places.services import update_setting
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
    due = timezone.localdate() + dt.timedelta(days=3)
    action = add_task(outbreak, kind="action", text="Visit the pub", owner=world.users["tracer_a"],
                      due_on=due, actor=world.users["lead_a"])  # fmt: skip
    add_task(outbreak, kind="note", text="Landlord helpful on the phone", actor=world.users["lead_a"])
    with pytest.raises(OutbreakError, match="A note has no owner"):
        add_task(outbreak, kind="note", text="x", owner=world.users["tracer_a"], actor=world.users["lead_a"])
    with pytest.raises(OutbreakError, match="Enter"):
        add_task(outbreak, kind="action", text="  ", actor=world.users["lead_a"])
    assert OutbreakTask.objects.count() == 2
    assert action.owner == world.users["tracer_a"]
    texts = list(outbreak.events.values_list("text", flat=True))
    assert any(t.startswith("Action added for") and f"due {due:%-d %B %Y}" in t for t in texts)
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
    with pytest.raises(OutbreakError, match="no manager email address"):
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


def test_a_text_asking_the_manager_to_call_gives_the_areas_number_when_it_has_one(world: World) -> None:
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    setting = outbreak.settings.get()
    setting.manager_phone = "+447700900123"
    setting.save()
    text = message_manager(outbreak, setting, channel="sms", actor=world.users["lead_a"]).body
    assert "Please call us today about keeping people there safe" in text  # no number to give
    type(world.area_a).objects.filter(pk=world.area_a.pk).update(public_phone="+443069990101")
    Message.objects.all().delete()  # the five-minute guard counts the first text
    outbreak.refresh_from_db()
    text = message_manager(outbreak, setting, channel="sms", actor=world.users["lead_a"]).body
    assert "Please call us today on 0306 999 0101 about keeping people there safe" in text


def test_a_refused_message_to_the_manager_is_an_error_not_a_sent_message(world: World) -> None:
    from localtrace.messaging.models import BadAddress

    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    setting = outbreak.settings.get()
    setting.manager_email = "landlord@example.com"
    setting.save()
    BadAddress.objects.create(channel="email", address="landlord@example.com", reason="Mailbox does not exist")
    before = Message.objects.count()
    with pytest.raises(OutbreakError, match=r"Nothing was sent to the manager of The Crown\..*Mailbox does not exist"):
        message_manager(outbreak, setting, channel="email", actor=world.users["lead_a"])
    assert not outbreak.events.filter(kind="message").exists() and Message.objects.count() == before


def test_a_letter_to_the_manager_that_fails_later_is_on_the_outbreaks_timeline(world: World) -> None:
    from localtrace.messaging.delivery import refused

    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    setting = outbreak.settings.get()
    setting.manager_email = "landlord@example.com"
    setting.save()
    message = message_manager(outbreak, setting, channel="email", actor=world.users["lead_a"])
    refused(message, "The provider says the number or address does not exist", bad_address=True)
    failed = outbreak.events.get(kind="message_failed")
    assert failed.text.startswith("The message to a setting's manager failed: Email could not be delivered")
    assert "marked as not working" in failed.text


def test_a_second_message_to_the_same_manager_within_five_minutes_is_refused(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    setting = outbreak.settings.get()
    setting.manager_email, setting.manager_phone = "landlord@example.com", "+447700900123"
    setting.save()
    client = client_for("lead_a")
    url = reverse("places:outbreak-message", args=[outbreak.pk])
    assert 'data-prevent-double-click="true"' in client.get(url).content.decode()
    letter = {"setting": str(setting.pk), "channel": "email", "language": "en"}
    # A double click: the first sends, the second is refused and says why.
    assert client.post(url, letter).status_code == 302
    again = client.post(url, letter).content.decode()
    assert (
        "A message was sent to the manager of The Crown by email less than a minute ago, so this one was not sent"
        in again
    )
    assert Message.objects.filter(recipient="landlord@example.com").count() == 1
    assert outbreak.events.filter(kind="message").count() == 1
    # By text message it is another message, and may go.
    message_manager(outbreak, setting, channel="sms", actor=world.users["lead_a"])
    Message.objects.filter(channel="sms").update(created_at=timezone.now() - dt.timedelta(minutes=2))
    with pytest.raises(OutbreakError, match="by text message 2 minutes ago"):
        message_manager(outbreak, setting, channel="sms", actor=world.users["area_lead_a"])
    # Five minutes on, the letter may be sent again.
    Message.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5, seconds=1))
    message_manager(outbreak, setting, channel="email", actor=world.users["lead_a"])
    assert Message.objects.filter(recipient="landlord@example.com").count() == 2


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


def test_a_dismiss_after_someone_made_it_an_outbreak_is_refused_and_changes_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    cluster = _cluster(world)
    # Two team leads open the cluster at once: one makes it an outbreak, the other then dismisses it.
    as_the_other_saw_it = Cluster.objects.get(pk=cluster.pk)
    outbreak = promote(cluster, name="The Crown", actor=world.users["lead_a"])
    with pytest.raises(ClusterError, match=f"already been made an outbreak \\({outbreak.reference}\\)"):
        dismiss(as_the_other_saw_it, reason="One family", actor=world.users["area_lead_a"])
    cluster.refresh_from_db()
    assert (cluster.status, cluster.outbreak_id, cluster.dismissed_reason, cluster.dismissed_at) == (
        Cluster.Status.PROMOTED, outbreak.pk, "", None
    )  # fmt: skip
    assert not AuditEvent.objects.filter(object_type="places.cluster", detail__dismissed=True).exists()
    page = client_for("lead_a").post(reverse("places:cluster-dismiss", args=[cluster.pk]), {"reason": "One family"})
    assert "already been made an outbreak" in page.content.decode()
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.PROMOTED


def test_with_no_managers_details_the_page_says_where_to_add_them_instead_of_a_form(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    client = client_for("lead_a")
    page = client.get(reverse("places:outbreak-detail", args=[outbreak.pk])).content.decode()
    assert "Message the setting&#x27;s manager" not in page and "add them on its page" in page
    bounced = client.get(reverse("places:outbreak-message", args=[outbreak.pk]), follow=True).content.decode()
    assert "has a manager&#x27;s email address or phone number yet" in bounced
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


# --- a cluster made an outbreak keeps growing --------------------------------------------------------


def _grow(cluster: Cluster, world: World, *, address: str = "7 Church Lane", on: dt.date = dt.date(2020, 11, 13)):  # type: ignore[no-untyped-def]
    """Another household at the cluster's setting within its dates, then the next scan."""
    case = new_case(world, address=address, specimen_date=on + dt.timedelta(days=3))
    visit(case, cluster.setting, on)
    summary = store(detect_on_database(RULE, dt.date(2020, 10, 20), dt.date(2020, 11, 20)), RULE)
    return case, summary


def test_new_cases_of_a_cluster_made_an_outbreak_join_the_outbreak_and_alert(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    cluster = _cluster(world)
    outbreak = promote(cluster, name="The Crown", actor=world.users["lead_a"])
    client = client_for("lead_a")
    assert "Clusters (" not in client.get(reverse("core:home")).content.decode()
    newcomer, summary = _grow(cluster, world)
    cluster.refresh_from_db()
    assert summary.joined == 1 and "1 new case joined outbreaks" in summary.line()
    assert cluster.case_count == 4 and cluster.status == Cluster.Status.PROMOTED
    assert outbreak.cases.filter(pk=newcomer.pk).exists() and outbreak.cases.count() == 4
    assert outbreak.events.filter(kind="cluster_grew", text=f"Cluster {cluster.reference}: 1 new case (C{newcomer.pk})")
    assert AuditEvent.objects.filter(object_type="places.outbreak", detail__cases_joined=[newcomer.pk]).exists()
    assert (newcomer.specimen_date, 1) in [(day, n) for day, n in onset_curve(outbreak) if n]
    # The team is told as of a new cluster: the navigation's count, the home page, the list of clusters.
    home = client.get(reverse("core:home")).content.decode()
    assert "Clusters (1)" in home and "1 outbreak cluster with new cases to review" in home
    assert "new cluster to review" not in home
    listing = client.get(reverse("places:cluster-list")).content.decode()
    assert "To review (1)" in listing and f"1 new case joined outbreak {outbreak.reference}: to review" in listing
    page = client.get(reverse("places:outbreak-detail", args=[outbreak.pk])).content.decode()
    assert "Cases (4)" in page and f"Cluster {cluster.reference}: 1 new case (C{newcomer.pk})" in page
    detail = client.get(reverse("places:cluster-detail", args=[cluster.pk])).content.decode()
    assert f"joined outbreak {outbreak.reference} from this cluster" in detail
    # A re-run adds nothing twice; a team lead's review ends the alert until more cases join.
    again = store(detect_on_database(RULE, dt.date(2020, 10, 20), dt.date(2020, 11, 20)), RULE)
    assert again.joined == 0 and outbreak.events.filter(kind="cluster_grew").count() == 1
    assert client.post(reverse("places:cluster-reviewed", args=[cluster.pk])).status_code == 302
    cluster.refresh_from_db()
    assert cluster.unreviewed_case_count == 0
    assert "Clusters (" not in client.get(reverse("core:home")).content.decode()
    _grow(cluster, world, address="8 Church Lane", on=dt.date(2020, 11, 14))
    assert "Clusters (1)" in client.get(reverse("core:home")).content.decode()


def test_a_setting_moved_to_another_areas_register_leaves_its_earlier_cluster_in_its_area(world: World) -> None:
    from localtrace.accounts.access import forget_scope
    from localtrace.areas.models import Membership, Role

    cluster = _cluster(world)
    outbreak = promote(cluster, name="The Crown", actor=world.users["lead_a"])
    # A lead of both areas corrects the postcode: the setting moves to Southmoor's register.
    Membership.objects.create(user=world.users["area_lead_a"], team=world.team_b, role=Role.AREA_LEAD)
    forget_scope(world.users["area_lead_a"])
    update_setting(cluster.setting, actor=world.users["area_lead_a"], postcode="GX10 4DG")
    assert Setting.objects.get(pk=cluster.setting_id).area == world.area_b
    newcomer, summary = _grow(cluster, world)
    cluster.refresh_from_db()
    assert (cluster.area, cluster.status, cluster.case_count) == (world.area_a, Cluster.Status.PROMOTED, 4)
    assert summary.joined == 1 and outbreak.cases.filter(pk=newcomer.pk).exists()


def test_new_cases_at_a_cluster_whose_outbreak_is_closed_alert_as_a_new_cluster(world: World) -> None:
    cluster = _cluster(world)
    outbreak = promote(cluster, actor=world.users["lead_a"])
    set_status(outbreak, "closed", actor=world.users["lead_a"])
    newcomer, summary = _grow(cluster, world)
    cluster.refresh_from_db()
    assert (summary.reopened, cluster.status) == (1, Cluster.Status.OPEN)
    assert not outbreak.cases.filter(pk=newcomer.pk).exists()  # a closed outbreak takes no more cases


def test_a_monitored_outbreak_still_takes_its_clusters_new_cases(world: World) -> None:
    cluster = _cluster(world)
    outbreak = promote(cluster, actor=world.users["lead_a"])
    set_status(outbreak, "monitoring", actor=world.users["lead_a"])
    newcomer, _ = _grow(cluster, world)
    assert outbreak.cases.filter(pk=newcomer.pk).exists()
    cluster.refresh_from_db()
    assert cluster.unreviewed_case_count == 1


# --- the list, actions, and the pages' wording ----------------------------------------------------


def test_marking_an_action_done_twice_writes_one_timeline_entry_and_one_audit_record(world: World) -> None:
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    task = add_task(outbreak, kind="action", text="Visit the pub", actor=world.users["lead_a"])
    # Two "Mark done" at once (a double click, or two team leads): both loaded it as not done.
    first, second = OutbreakTask.objects.get(pk=task.pk), OutbreakTask.objects.get(pk=task.pk)
    complete_task(first, actor=world.users["lead_a"])
    done_at = OutbreakTask.objects.get(pk=task.pk).done_at
    complete_task(second, actor=world.users["area_lead_a"])
    assert OutbreakTask.objects.get(pk=task.pk).done_at == done_at
    assert outbreak.events.filter(kind="action_done").count() == 1
    assert AuditEvent.objects.filter(object_type="places.outbreaktask", detail__done=True).count() == 1


def test_an_action_over_2000_characters_is_refused_not_cut(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    with pytest.raises(OutbreakError, match="2,000 characters or fewer"):
        add_task(outbreak, kind="note", text="x" * 2001, actor=world.users["lead_a"])
    client = client_for("lead_a")
    url = reverse("places:outbreak-task-add", args=[outbreak.pk])
    form = client.get(url).content.decode()
    assert 'data-module="govuk-character-count" data-maxlength="2000"' in form and ' maxlength="' not in form
    refused = client.post(url, {"kind": "note", "text": "y" * 2001}).content.decode()
    assert "The action or note must be 2,000 characters or fewer" in refused and "y" * 2001 in refused
    assert not OutbreakTask.objects.exists()
    assert client.post(url, {"kind": "note", "text": "z" * 2000}).status_code == 302
    assert OutbreakTask.objects.get().text == "z" * 2000


def test_the_outbreak_list_shows_open_then_monitoring_then_closed(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    lead = world.users["lead_a"]
    names = {"open": "Alpha open", "monitoring": "Bravo monitoring", "closed": "Charlie closed"}
    for status in ("closed", "monitoring", "open"):  # opened in the reverse order, so newest-first alone fails
        outbreak = Outbreak.objects.create(area=world.area_a, name=names[status], opened_by=lead)
        if status != "open":
            set_status(outbreak, status, actor=lead)
    page = client_for("tracer_a").get(reverse("places:outbreak-list")).content.decode()
    positions = [page.index(names[s]) for s in ("open", "monitoring", "closed")]
    assert positions == sorted(positions)


def test_a_due_date_in_the_past_is_refused(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    with pytest.raises(OutbreakError, match="today or in the future"):
        add_task(outbreak, kind="action", text="Visit", due_on=dt.date(2020, 1, 1), actor=world.users["lead_a"])
    page = (
        client_for("lead_a")
        .post(
            reverse("places:outbreak-task-add", args=[outbreak.pk]),
            {
                "kind": "action",
                "text": "Visit the pub",
                "owner": "",
                "due_on_0": "1",
                "due_on_1": "1",
                "due_on_2": "2020",
            },
        )
        .content.decode()
    )
    assert "govuk-error-summary" in page and 'href="#id_due_on_0">The due date must be today or in the future' in page
    assert not OutbreakTask.objects.exists()
    today = timezone.localdate()
    add_task(outbreak, kind="action", text="Today", due_on=today, actor=world.users["lead_a"])


def test_actions_are_open_first_by_due_date_undated_last_then_done_with_overdue_ones_marked(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    outbreak = promote(_cluster(world), actor=world.users["lead_a"])
    today = timezone.localdate()
    lead = world.users["lead_a"]

    def action(text: str, due: dt.date | None) -> OutbreakTask:
        return OutbreakTask.objects.create(outbreak=outbreak, kind="action", text=text, due_on=due, created_by=lead)

    done = action("Done one", today - dt.timedelta(days=5))
    complete_task(done, actor=lead)
    action("Undated", None)
    action("Later", today + dt.timedelta(days=9))
    action("Overdue", today - dt.timedelta(days=400))
    action("Soon", today + dt.timedelta(days=1))
    assert [t.text for t in outbreak.tasks.all()] == ["Overdue", "Soon", "Later", "Undated", "Done one"]
    page = client_for("lead_a").get(reverse("places:outbreak-detail", args=[outbreak.pk])).content.decode()
    positions = [page.index(text) for text in ("Overdue", "Soon", "Later", "Undated", "Done one")]
    assert positions == sorted(positions)
    overdue_due = today - dt.timedelta(days=400)
    assert f'{overdue_due.day} {overdue_due:%b %Y} <strong class="govuk-tag govuk-tag--red">Overdue</strong>' in page
    assert page.count("govuk-tag--red") == 1  # the done one is not overdue


def test_a_blank_outbreak_name_shows_the_error_summary_and_marks_the_field(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    cluster = _cluster(world)
    response = client_for("lead_a").post(reverse("places:cluster-promote", args=[cluster.pk]), {"name": "  "})
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert 'class="govuk-error-summary"' in page and '<a href="#id_name">Enter a name for the outbreak</a>' in page
    assert 'id="id_name-error"' in page and "govuk-form-group--error" in page
    assert not Outbreak.objects.exists()


def test_a_dismissal_reason_over_500_characters_is_refused_not_cut(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    cluster = _cluster(world)
    with pytest.raises(ClusterError, match="500 characters or fewer"):
        dismiss(cluster, reason="x" * 501, actor=world.users["lead_a"])
    client = client_for("lead_a")
    url = reverse("places:cluster-dismiss", args=[cluster.pk])
    form = client.get(url).content.decode()
    assert 'data-module="govuk-character-count" data-maxlength="500"' in form and ' maxlength="' not in form
    refused = client.post(url, {"reason": "y" * 600}).content.decode()
    assert "The reason must be 500 characters or fewer" in refused and "y" * 600 in refused  # kept to shorten
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.OPEN
    client.post(url, {"reason": "z" * 500})
    cluster.refresh_from_db()
    assert (cluster.status, cluster.dismissed_reason) == (Cluster.Status.DISMISSED, "z" * 500)


def test_the_cluster_page_says_how_many_cases_are_in_other_areas(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    cluster = _cluster(world)
    cluster.cases.add(new_case(world, address="9 Far Lane", postcode="GX10 4DG", area=world.area_b))
    page = client_for("lead_a").get(reverse("places:cluster-detail", args=[cluster.pk])).content.decode()
    assert "Cases (3)" in page and "Also 1 case in other areas' queues is in this cluster" in page


def test_a_one_day_cluster_shows_its_day_once(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    crown = new_setting(world)
    for n in range(2):
        visit(new_case(world, address=f"{n} High St"), crown, dt.date(2020, 11, 15))
    store(detect_on_database(RULE, dt.date(2020, 10, 20), dt.date(2020, 11, 20)), RULE)
    cluster = Cluster.objects.get()
    page = client_for("lead_a").get(reverse("places:cluster-detail", args=[cluster.pk])).content.decode()
    assert "15 November 2020</dd>" in page and "15 November to 15 November" not in page
