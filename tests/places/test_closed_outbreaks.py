"""A closed outbreak is over: no new actions, no letter to its settings' managers, no more clusters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from localtrace.messaging.models import Message
from localtrace.places.clusters import ClusterError, store
from localtrace.places.detection import Rule, detect_on_database
from localtrace.places.models import Cluster, Outbreak, OutbreakTask
from localtrace.places.outbreaks import OutbreakError, add_task, add_to_outbreak, message_manager, promote, set_status
from tests.personas import World
from tests.places.helpers import new_case, new_setting, visit

RULE = Rule()


def _closed_outbreak(world: World) -> Outbreak:
    crown = new_setting(world)
    crown.manager_email = "landlord@example.com"
    crown.save()
    for n, specimen in enumerate((dt.date(2020, 11, 14), dt.date(2020, 11, 15))):
        visit(new_case(world, address=f"{n} High St", specimen_date=specimen), crown, dt.date(2020, 11, 10 + n))
    store(detect_on_database(RULE, dt.date(2020, 10, 20), dt.date(2020, 11, 20)), RULE)
    outbreak = promote(Cluster.objects.get(), actor=world.users["lead_a"])
    return set_status(outbreak, "closed", actor=world.users["lead_a"])


def test_a_closed_outbreak_takes_no_new_action_but_takes_a_note(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    outbreak = _closed_outbreak(world)
    with pytest.raises(OutbreakError, match="This outbreak is closed, so it takes no new actions"):
        add_task(outbreak, kind="action", text="Visit the pub", actor=world.users["lead_a"])
    client = client_for("lead_a")
    url = reverse("places:outbreak-task-add", args=[outbreak.pk])
    page = client.post(url, {"kind": "action", "text": "Visit the pub"}).content.decode()
    assert "There is a problem" in page and "This outbreak is closed, so it takes no new actions" in page
    assert not OutbreakTask.objects.filter(kind="action").exists()
    # A note after the end (what was learnt) is still welcome.
    assert client.post(url, {"kind": "note", "text": "Landlord thanked us"}).status_code == 302
    assert OutbreakTask.objects.filter(kind="note").count() == 1
    detail = client.get(reverse("places:outbreak-detail", args=[outbreak.pk])).content.decode()
    assert "Add a note" in detail and "Add an action or note" not in detail
    assert reverse("places:outbreak-message", args=[outbreak.pk]) not in detail


def test_the_managers_of_a_closed_outbreaks_settings_are_not_sent_the_letter(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    outbreak = _closed_outbreak(world)
    setting = outbreak.settings.get()
    # The letter says cases linked to the setting are being followed up: not true of a closed outbreak.
    with pytest.raises(OutbreakError, match="This outbreak is closed"):
        message_manager(outbreak, setting, channel="email", actor=world.users["lead_a"])
    url = reverse("places:outbreak-message", args=[outbreak.pk])
    sent = client_for("lead_a").post(url, {"setting": str(setting.pk), "channel": "email", "language": "en"})
    assert sent.status_code == 302
    assert not Message.objects.filter(recipient="landlord@example.com").exists()
    assert not outbreak.events.filter(kind="message").exists()


def test_a_cluster_is_not_added_to_an_outbreak_closed_since_the_page_was_read(world: World) -> None:
    outbreak = _closed_outbreak(world)
    set_status(outbreak, "open", actor=world.users["lead_a"])
    as_the_page_read_it = Outbreak.objects.get(pk=outbreak.pk)
    set_status(Outbreak.objects.get(pk=outbreak.pk), "closed", actor=world.users["area_lead_a"])
    first = Cluster.objects.get()
    later = Cluster.objects.create(setting=first.setting, area=first.area, first_visit_on=dt.date(2020, 12, 1),
                                   last_visit_on=dt.date(2020, 12, 2), case_count=2, household_count=2,
                                   backward_case_count=1, score=1)  # fmt: skip
    later.cases.add(new_case(world, address="3 High St"))
    with pytest.raises(ClusterError, match="open outbreak of the same area"):
        add_to_outbreak(later, as_the_page_read_it, actor=world.users["lead_a"])
    later.refresh_from_db()
    assert later.status == Cluster.Status.OPEN and outbreak.cases.count() == 2


def test_a_status_saved_from_a_page_opened_before_the_outbreak_was_closed_does_not_reopen_it(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    import re

    def seen(page: str) -> dict[str, str]:
        found = re.search(r'name="seen" value="([0-9a-f]+)"', page)
        return {"seen": found.group(1)} if found else {}

    outbreak = _closed_outbreak(world)
    set_status(outbreak, "open", actor=world.users["lead_a"])
    url = reverse("places:outbreak-status", args=[outbreak.pk])
    lead, area_lead = client_for("lead_a"), client_for("area_lead_a")
    as_lead_saw_it = seen(lead.get(url).content.decode())
    assert area_lead.post(url, {"status": "closed"} | seen(area_lead.get(url).content.decode())).status_code == 302
    # The team lead meant to move an open outbreak to monitoring: from their stale page that would reopen it.
    refused = lead.post(url, {"status": "monitoring"} | as_lead_saw_it)
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "Someone else changed the status since you opened this page" in page
    outbreak.refresh_from_db()
    assert outbreak.status == Outbreak.Status.CLOSED
    assert lead.post(url, {"status": "monitoring"} | seen(page)).status_code == 302
    outbreak.refresh_from_db()
    assert outbreak.status == Outbreak.Status.MONITORING
