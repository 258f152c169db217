"""The audit trail: one event per read of personal data, append-only, safe exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from localtrace.audit.models import AppendOnlyError, AuditEvent
from localtrace.audit.services import record
from tests.personas import World


@pytest.mark.parametrize(
    "url_name, target",
    [("accounts:user-detail", lambda w: w.users["tracer_a"]), ("messaging:message-detail", lambda w: w.message)],
)
def test_each_read_of_a_person_level_page_writes_exactly_one_event(world: World, client_for, url_name, target) -> None:  # type: ignore[no-untyped-def]
    client = client_for("admin")
    obj = target(world)
    before = AuditEvent.objects.count()
    assert client.get(reverse(url_name, args=[obj.pk])).status_code == 200
    events = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
    assert [(e.action, e.object_id, e.actor_username) for e in events] == [("view", str(obj.pk), "admin")]
    event = events[0]
    assert event.ip_address == "127.0.0.1"
    assert event.request_id


def test_a_refused_read_writes_no_view_event(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("tracer_b")
    assert client.get(reverse("accounts:user-detail", args=[world.users["tracer_a"].pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="view").exists()


def test_the_model_refuses_changes_and_deletions(db: None) -> None:
    event = record("view", object_type="test", object_id="1")
    event.action = "change"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(action="change")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize(
    "attempt",
    [
        lambda: AuditEvent._base_manager.all().delete(),
        lambda: AuditEvent._base_manager.all().update(action="change"),
        lambda: AuditEvent._base_manager.all()._raw_delete(connection.alias),
    ],
    ids=["delete", "update", "raw delete"],
)
def test_djangos_internal_manager_cannot_change_or_delete_events_either(db: None, attempt) -> None:  # type: ignore[no-untyped-def]
    record("view", object_type="test", object_id="1")
    with pytest.raises(AppendOnlyError):
        attempt()
    assert AuditEvent.objects.get().action == "view"


def test_the_database_refuses_an_update_made_behind_the_models_back(db: None) -> None:
    record("view", object_type="test", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'change'")
    assert AuditEvent.objects.get().action == "view"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE trigger is PostgreSQL's (see the migration)")
def test_postgresql_refuses_a_delete_made_behind_the_models_back(db: None) -> None:
    record("view", object_type="test", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 1


def test_the_export_is_filtered_injection_safe_and_itself_audited(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    record("view", object_type='=HYPERLINK("http://evil")', object_id="+1+1")
    record("change", object_type="accounts.user", object_id="7")
    client = client_for("dpo")
    client.post(reverse("audit:event-list"), {"action": "view"})
    response = client.get(reverse("audit:event-export"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:5] == ["occurred_at", "actor", "action", "record", "object_type"]
    assert [r[2] for r in rows[1:]] == ["view"]
    assert rows[1][3].startswith("'=") and rows[1][4].startswith("'=")
    assert rows[1][5] == "'+1+1"
    assert AuditEvent.objects.filter(action="export", actor=world.users["dpo"]).count() == 1


def test_the_audit_page_filters_by_action_and_names_records_as_staff_pages_do(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    record("export", object_type="cases.case", object_id="12")
    record("view", object_type="support.paymentclaim", object_id="9")
    record("view", object_type="accounts.user", object_id="99")
    client = client_for("dpo")
    everything = client.get(reverse("audit:event-list")).content.decode()
    assert "Case C12" in everything and "Payment claim P9" in everything and "cases.case #" not in everything
    response = client.post(reverse("audit:event-list"), {"action": "export"})
    assert response.status_code == 302 and response["Location"] == reverse("audit:event-list")
    page = client.get(response["Location"]).content.decode()
    assert "Case C12" in page and "User 99" not in page


def test_a_username_searched_for_never_appears_in_an_address(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    record("view", object_type="cases.case", object_id="12", actor=world.users["tracer_a"])
    record("view", object_type="cases.case", object_id="13", actor=world.users["lead_a"])
    client = client_for("dpo")
    response = client.post(reverse("audit:event-list"), {"actor": "tracer_a", "object_id": "C12"})
    assert "tracer_a" not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Case C12" in page and "Case C13" not in page
    assert "?actor=" not in page and "tracer_a&" not in page
    export = b"".join(client.get(reverse("audit:event-export")).streaming_content).decode()
    assert ",Case C12," in export and "Case C13" not in export
    cleared = client.get(client.get(reverse("audit:event-list") + "?clear=1")["Location"]).content.decode()
    assert "Case C13" in cleared


def test_a_bad_filter_gets_a_clear_error_and_keeps_the_last_one(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("dpo")
    client.post(reverse("audit:event-list"), {"action": "export"})
    refused = client.post(reverse("audit:event-list"), {"action": "delete-everything"})
    assert refused.status_code == 200 and "There is a problem" in refused.content.decode()
    assert client.session["localtrace_audit_filter"] == {"action": "export"}
    # The download would give the last accepted filter's events, not what the page asks for: it is not offered.
    assert reverse("audit:event-export") not in refused.content.decode()
    assert "Correct the filter to see and download events." in refused.content.decode()


def test_reports_without_a_model_are_named_and_can_be_filtered(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.reports.exports import LINE_LISTS

    record("export", object_type="results.quality")
    record("export", object_type="reports.contacts", object_id="E10000001")
    record("view", object_type="cases.case", object_id="12")
    client = client_for("dpo")
    form = client.get(reverse("audit:event-list")).content.decode()
    assert '<option value="results.quality">Data-quality report</option>' in form
    for name in LINE_LISTS:  # every line list an export can write is a kind the filter offers
        assert f'<option value="reports.{name}">' in form
    client.post(reverse("audit:event-list"), {"object_type": "results.quality"})
    page = client.get(reverse("audit:event-list")).content.decode()
    assert "Data-quality report" in page and "Case C12" not in page
    client.post(reverse("audit:event-list"), {"object_type": "reports.contacts"})
    page = client.get(reverse("audit:event-list")).content.decode()
    assert "Line list of contacts E10000001" in page and "Data-quality report</td>" not in page


def test_the_export_writes_each_events_detail_as_json(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    import json

    record("view", object_type="cases.case", object_id="12", detail={"ids": [1, 2], "why": "Zoë's check"})
    client = client_for("dpo")
    client.post(reverse("audit:event-list"), {"object_id": "12"})
    rows = list(csv.reader(io.StringIO(b"".join(client.get(reverse("audit:event-export")).streaming_content).decode())))
    assert json.loads(rows[1][-1]) == {"ids": [1, 2], "why": "Zoë's check"}


def test_a_from_date_after_the_to_date_is_an_error_not_an_empty_list(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("dpo").post(
        reverse("audit:event-list"),
        {"since_0": "20", "since_1": "11", "since_2": "2026", "until_0": "10", "until_1": "11", "until_2": "2026"},
    )
    assert page.status_code == 200
    assert "The to date must be the same as or after the from date" in page.content.decode()


def test_a_record_or_a_user_in_the_list_shows_every_event_on_it_or_by_them(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    record("view", object_type="people.person", object_id="1810", actor=world.users["tracer_a"])
    record("view", object_type="people.person", object_id="1811", actor=world.users["lead_a"])
    record("export", object_type="people.person", object_id="1810", actor=world.users["lead_a"])
    client = client_for("dpo")
    page = client.get(reverse("audit:event-list")).content.decode()
    forms = re.findall(r'<form method="post" class="lt-inline-form">(.*?)</form>', page, re.S)

    def fields_of(form: str) -> dict[str, str]:
        return dict(re.findall(r'<input type="hidden" name="(actor|object_type|object_id)" value="([^"]*)"', form))

    on_record = next(fields_of(f) for f in forms if "Person 1810" in f and "every event on this record" in f)
    assert on_record == {"object_type": "people.person", "object_id": "1810"}
    response = client.post(reverse("audit:event-list"), on_record)
    assert response.status_code == 302 and "1810" not in response["Location"]
    events = client.get(response["Location"]).context["page"].object_list
    assert {(e.object_id, e.actor_username) for e in events} == {("1810", "tracer_a"), ("1810", "lead_a")}

    by_user = next(fields_of(f) for f in forms if "every event by this user" in f and "tracer_a" in f)
    assert by_user == {"actor": "tracer_a"}
    client.post(reverse("audit:event-list"), by_user)
    events = client.get(reverse("audit:event-list")).context["page"].object_list
    assert {e.actor_username for e in events} == {"tracer_a"}
