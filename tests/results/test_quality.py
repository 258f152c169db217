"""The data-quality report adds up as the submissions do: received = accepted + quarantined + duplicate."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from localtrace.accounts.access import scope_for
from localtrace.results.models import QuarantinedRow, Submission, Submitter
from localtrace.results.quality import NOT_BY_SOURCE, report_for
from localtrace.results.reading import read_results
from localtrace.results.services import claim, process_rows
from tests.personas import World
from tests.results.factories import csv_bytes, row


def run(data: bytes, submitter: Submitter | None = None) -> Submission:
    submission = Submission.objects.create(channel=Submission.Channel.UPLOAD, submitter=submitter)
    claim(submission.pk)
    return process_rows(submission, read_results(io.BytesIO(data)), source_id=submitter.code if submitter else None)


def test_each_sources_rows_add_up_to_what_its_submissions_received(world: World) -> None:
    sent = Submitter.objects.create(code="LAB-SENT", name="Sent Lab")
    # Sent as from LAB-SENT: one accepted, one duplicate of it, one quarantined.
    by_sender = run(
        csv_bytes([row(source_id="LAB-SENT", specimen_id="S1"), row(source_id="LAB-SENT", specimen_id="S1"),
                   row(source_id="LAB-SENT", specimen_id="S2", nhs_number="1")]),
        sent,
    )  # fmt: skip
    # A file of two sources with no sender chosen: each duplicate is its own row's source's, a good one or a
    # bad one (a bad row sent again unchanged while the first copy waits in quarantine).
    bad = row(source_id="LAB-OTHER", specimen_id="U2", nhs_number="1")
    mixed = run(
        csv_bytes([row(specimen_id="T1"), row(specimen_id="T1"), row(source_id="LAB-OTHER", specimen_id="U1"),
                   bad, bad, row(specimen_id="T1")])
    )  # fmt: skip
    assert (by_sender.accepted, by_sender.quarantined, by_sender.duplicate) == (1, 1, 1)
    assert (mixed.accepted, mixed.quarantined, mixed.duplicate) == (2, 1, 3)

    report = report_for(scope_for(world.users["admin"]))
    by_source = {s.source_id: s for s in report.sources}
    assert (by_source["LAB-SENT"].received, by_source["LAB-SENT"].duplicate) == (3, 1)
    assert (by_source["LAB-TEST"].received, by_source["LAB-TEST"].duplicate) == (3, 2)
    assert (by_source["LAB-OTHER"].received, by_source["LAB-OTHER"].duplicate) == (3, 1)
    assert report.duplicates_not_by_source == 0
    submissions = Submission.objects.all()
    assert report.received == sum(s.received for s in submissions) == 2 + 3 + 6  # the world's two rows too
    assert report.duplicate == sum(s.duplicate for s in submissions) == 4
    for source in report.sources:
        assert source.received == source.accepted + source.quarantined + source.duplicate


def test_a_row_corrected_on_its_page_counts_once_as_quarantined_and_is_not_counted_again(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    fields = row(source_id="LAB-A", specimen_id="A1", nhs_number="9434765918")
    quarantined = QuarantinedRow.objects.create(
        submission=world.submission, row_number=3, source_id="LAB-A", fields=fields, raw_text="…",
        reasons=["NHS number fails its check digit"], reason_fields=["nhs_number"], area=world.area_a,
    )  # fmt: skip
    Submission.objects.filter(pk=world.submission.pk).update(received=3, quarantined=3)
    client = client_for("area_lead_a")
    client.post(reverse("results:quarantine-detail", args=[quarantined.pk]), {**fields, "nhs_number": "9434765919"})
    quarantined.refresh_from_db()
    assert quarantined.status == QuarantinedRow.Status.REPROCESSED  # accepted, through a submission of its own

    (lab_a,) = report_for(scope_for(world.users["admin"])).sources
    assert (lab_a.received, lab_a.accepted, lab_a.quarantined) == (3, 0, 3)
    assert (lab_a.still_to_fix, lab_a.fixed, lab_a.dismissed) == (2, 1, 0)
    (lead_view,) = report_for(scope_for(world.users["area_lead_a"])).sources
    assert (lead_view.accepted, lead_view.quarantined) == (0, 2)
    page = " ".join(client_for("admin").get(reverse("results:quality")).content.decode().split())
    assert "3 (0 accepted, 3 quarantined, 0 duplicates)" in page
    assert "2 still to fix, 1 fixed, 0 dismissed" in page


def test_an_area_lead_is_told_that_rows_routed_nowhere_are_for_administrators(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    # The world has two LAB-A rows quarantined: one in area A, one whose postcode routes nowhere.
    lead_page = " ".join(client_for("area_lead_a").get(reverse("results:quality")).content.decode().split())
    assert "This report covers the rows routed to your area by their postcode" in lead_page
    assert "reviewed by administrators" in lead_page and "1 quarantined row and 0 accepted results" in lead_page
    assert "1 (0 accepted, 1 quarantined)" in lead_page  # duplicates have no area, so none are counted
    admin_page = " ".join(client_for("admin").get(reverse("results:quality")).content.decode().split())
    assert "routed to your area" not in admin_page
    assert "2 received = 0 accepted + 2 quarantined + 0 duplicates" in admin_page


def test_duplicates_of_one_file_add_up_over_its_batches(world: World) -> None:
    rows = [row(specimen_id=f"T{n % 3}") for n in range(7)]  # T0 T1 T2, then four copies
    submission = Submission.objects.create(channel=Submission.Channel.UPLOAD)
    claim(submission.pk)
    process_rows(submission, read_results(io.BytesIO(csv_bytes(rows))), batch_size=2)
    submission.refresh_from_db()
    assert (submission.accepted, submission.duplicate) == (3, 4)
    (split,) = submission.duplicates_by_source.all()
    assert (split.source_id, split.rows) == ("LAB-TEST", 4)


def test_duplicates_counted_before_they_were_kept_by_source_stay_apart(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    # A file of the old kind: its total kept, not whose its duplicates were.
    older = run(csv_bytes([row(specimen_id="T1"), row(specimen_id="T1")]))
    older.duplicates_by_source.all().delete()
    page = " ".join(client_for("admin").get(reverse("results:quality")).content.decode().split())
    assert "1 of the duplicates came in older files that were counted as a whole" in page
    response = client_for("admin").get(reverse("results:quality-export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_source = {r["source"]: r for r in rows}
    assert {k: by_source["LAB-A"][k] for k in ("received", "accepted", "quarantined", "duplicate")} == {
        "received": "2", "accepted": "0", "quarantined": "2", "duplicate": "0",
    }  # fmt: skip
    assert by_source["LAB-A"]["quarantined_to_fix"] == "2"
    assert (by_source[NOT_BY_SOURCE]["received"], by_source[NOT_BY_SOURCE]["duplicate"]) == ("1", "1")
    assert sum(int(r["received"]) for r in rows) == sum(s.received for s in Submission.objects.all()) == 4
    assert (by_source["LAB-TEST"]["received"], by_source["LAB-TEST"]["duplicate"]) == ("1", "0")
