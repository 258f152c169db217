"""Dashboards, the transparency page and its open data, and the area leads' line-list exports."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from localtrace.audit.models import AuditEvent
from localtrace.contacts.models import Contact
from localtrace.people.models import Person
from localtrace.reports import rollup, transparency
from localtrace.reports.models import PublishedFile, ReachFact, WeeklyFigures
from localtrace.reports.suppression import SMALL
from tests.personas import World
from tests.reports.conftest import generate

pytestmark = pytest.mark.django_db


def body(response: object) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return response.content.decode()  # type: ignore[attr-defined]


def test_the_public_page_needs_no_sign_in_and_hides_small_numbers(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    generate(world, cases=8, seed=12)  # small numbers: some cells must be hidden
    rollup.refresh()
    page = body(client_for("anonymous").get("/transparency/"))
    assert "How well tracing is working" in page and "Methods" in page
    assert "fewer than 5" in page
    assert "Case1" not in page
    _, weeks = transparency.build()
    small = [
        (w, row, key) for w in weeks for row, cells in w.rows.items() for key, c in cells.items() if c.state == SMALL
    ]
    assert small


def test_open_data_matches_the_page_and_publishes_no_hidden_value(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    generate(world, cases=25, seed=13)
    rollup.refresh()
    records = json.loads(body(client_for("anonymous").get("/transparency/weekly-figures.json")))["records"]
    rows = list(csv.DictReader(io.StringIO(body(client_for("anonymous").get("/transparency/weekly-figures.csv")))))
    assert len(rows) == len(records) > 0
    for record, row in zip(records, rows, strict=True):
        assert row["figure"] == record["figure"] and row["status"] == record["status"]
        if record["status"] != "shown":
            assert record["value"] is None and row["value"] == ""
    assert {r["status"] for r in records} >= {"shown"}
    received = [r for r in records if r["figure"] == "cases_received" and r["status"] == "shown"]
    for r in received:
        assert not 1 <= r["value"] <= 4


def test_spreadsheet_and_parquet_line_lists_hold_the_same_rows_and_no_formulas(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    contact = world.contact_a
    Person.objects.filter(pk=contact.person_id).update(given_name='=HYPERLINK("http://x")', family_name="@SUM(1)")
    client = client_for("area_lead_a")
    expected = {f"K{pk}" for pk in Contact.objects.filter(area=world.area_a).values_list("pk", flat=True)}
    xlsx = client.get(f"/performance/areas/{world.area_a.pk}/export/contacts.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert {r[0] for r in values[1:]} == expected
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # text, as it was stored
    assert any(cell == '=HYPERLINK("http://x")' for row in values for cell in row)
    parquet = client.get(f"/performance/areas/{world.area_a.pk}/export/contacts.parquet")
    table = pq.read_table(io.BytesIO(b"".join(parquet.streaming_content)))
    assert set(table.column("Reference").to_pylist()) == expected
    assert "@SUM(1)" in table.column("Family name").to_pylist()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 2


def test_settings_line_list_and_empty_lists_work(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    for fmt in ("csv", "xlsx", "parquet"):
        assert client.get(f"/performance/areas/{world.area_a.pk}/export/settings.{fmt}").status_code == 200


def test_exports_are_scoped_and_refuse_unknown_lists(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    assert client.get(f"/performance/areas/{world.area_b.pk}/export/cases.csv").status_code == 404
    assert client.get(f"/performance/areas/{world.area_a.pk}/export/people.csv").status_code == 404
    assert client.get(f"/performance/areas/{world.area_a.pk}/export/cases.pdf").status_code == 404
    assert client_for("lead_a").get(f"/performance/areas/{world.area_a.pk}/export/cases.csv").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


JSON_URL, CSV_URL = "/transparency/weekly-figures.json", "/transparency/weekly-figures.csv"


def _fresh_records() -> list[dict[str, object]]:
    """The open data records built now from the stored figures, past every cache."""
    areas, weeks = transparency.build(now=timezone.now())
    return json.loads(json.dumps(list(transparency.open_data_records(areas, weeks))))


def test_open_data_is_encoded_once_per_change_of_the_figures_and_never_served_stale(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    generate(world, cases=20, seed=14)
    rollup.refresh()
    client = client_for("anonymous")
    first, first_csv = client.get(JSON_URL), client.get(CSV_URL)
    assert json.loads(first.content)["records"] == _fresh_records()
    etag = first["ETag"]
    assert client.get(JSON_URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Served from the cache: the same bytes, and the figures are not read again.
    with CaptureQueriesContext(connection) as queries:
        again, again_csv = client.get(JSON_URL), client.get(CSV_URL)
    assert (again.content, again_csv.content) == (first.content, first_csv.content)
    assert not any(WeeklyFigures._meta.db_table in q["sql"] for q in queries.captured_queries)
    assert rollup.refresh().buckets == 0 and client.get(JSON_URL)["ETag"] == etag  # nothing changed, same key

    generate(world, cases=20, seed=15)  # more cases: the next run changes the figures
    rollup.refresh()
    changed = client.get(JSON_URL)
    assert changed["ETag"] != etag and changed.content != first.content
    assert json.loads(changed.content)["records"] == _fresh_records()
    rows = list(csv.DictReader(io.StringIO(body(client.get(CSV_URL)))))
    assert [(r["area_code"], r["figure"], r["value"]) for r in rows] == [
        (r["area_code"], r["figure"], "" if r["value"] is None else str(r["value"])) for r in _fresh_records()
    ]


def test_figures_recomputed_outside_a_run_change_the_key_too(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    generate(world, cases=20, seed=16)
    rollup.refresh()
    client = client_for("anonymous")
    before, page_before = client.get(JSON_URL), body(client.get("/transparency/"))
    week = WeeklyFigures.objects.order_by("-week_start").values_list("week_start", flat=True).first()
    assert week is not None
    ReachFact.objects.filter(day__gte=week).delete()  # as if those people had gone
    rollup.recompute([week])
    after = client.get(JSON_URL)
    assert after["ETag"] != before["ETag"]
    assert json.loads(after.content)["records"] == _fresh_records() != json.loads(before.content)["records"]
    assert body(client.get("/transparency/")) != page_before


def test_the_rollup_publishes_the_files_so_no_visitor_builds_them(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    generate(world, cases=20, seed=17)
    rollup.refresh()
    key = transparency.figures_key()
    assert set(PublishedFile.objects.filter(key=key).values_list("name", flat=True)) == {"page", "csv", "json"}
    client = client_for("anonymous")
    cache.clear()  # another web process: nothing in its own cache
    with CaptureQueriesContext(connection) as queries:
        served = client.get(JSON_URL)
        page = body(client.get("/transparency/"))
    assert not any(WeeklyFigures._meta.db_table in q["sql"] for q in queries.captured_queries)
    assert json.loads(served.content)["records"] == _fresh_records()
    assert "Methods" in page and "All areas" in page
    # Nothing published for these figures (a new deployment): the visitor's request builds them, the same.
    PublishedFile.objects.all().delete()
    cache.clear()
    assert client.get(JSON_URL).content == served.content
    assert rollup.refresh().buckets == 0  # nothing changed, but the files were missing: published again
    assert PublishedFile.objects.filter(key=key).count() == 3


def test_the_all_areas_median_of_two_nations_is_not_worked_out_rather_than_called_too_few(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    from localtrace.areas.models import Area

    generate(world, cases=60, seed=11)
    rollup.refresh()
    wales = Area.objects.create(code="W92000004", name="Wales", level=Area.Level.NATION)  # a second nation
    Area.objects.filter(pk=world.area_b.pk).update(parent=wales)  # with one of the published areas in it
    cache.clear()
    _, weeks = transparency.build(now=timezone.now())
    medians = [w.rows[transparency.TOTAL]["case_hours_median"] for w in weeks]
    assert medians and all(m.state == transparency.NOT_COMBINED for m in medians)
    page = body(client_for("anonymous").get("/transparency/"))
    assert "medians cannot be added up" in page and "This is a new service." in page
    assert "Tell your team lead" not in page  # a public page: no staff wording
