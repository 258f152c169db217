"""Uploading a file, watching its accounting, fixing quarantined rows, the data-quality report."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from localtrace.audit.models import AuditEvent
from localtrace.cases.models import Case
from localtrace.results.models import QuarantinedRow, Submission, TestResult
from tests.personas import World
from tests.results.factories import csv_bytes, row


def upload(client, data: bytes, name: str = "lab-results.csv", **extra):  # type: ignore[no-untyped-def]
    return client.post(reverse("results:upload"), {"file": SimpleUploadedFile(name, data, "text/csv"), **extra})


def test_an_uploaded_file_is_stored_processed_by_the_worker_and_accounted(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    data = csv_bytes([row(), row(specimen_id="S2", nhs_number="1"), row()])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data)
    submission = Submission.objects.exclude(pk=world.submission.pk).get()
    assert response["Location"] == reverse("results:submission-detail", args=[submission.pk])
    assert submission.status == Submission.Status.DONE
    assert (submission.received, submission.accepted, submission.quarantined, submission.duplicate) == (3, 1, 1, 1)
    assert len(submission.checksum) == 64
    assert submission.file.read() == data
    assert "lab-results" not in submission.file.name  # stored under a generated name
    page = client.get(response["Location"]).content.decode()
    assert "3 received = 1 accepted + 1 quarantined + 1 duplicates" in page


def test_a_large_file_s_accounting_is_written_with_thousands_separators(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    """The spreadsheet ceiling, 1,048,577 rows, as a reader would write it down: no digits to count."""
    Submission.objects.filter(pk=world.submission.pk).update(
        received=1_048_577, accepted=1_040_000, quarantined=8_000, duplicate=577
    )
    page = client_for("area_lead_a").get(reverse("results:submission-detail", args=[world.submission.pk]))
    assert "1,048,577 received = 1,040,000 accepted + 8,000 quarantined + 577 duplicates" in page.content.decode()
    # The world's one open quarantined row in area A is the lead's; the page says where the rest are.
    assert "1 of the 8,000 quarantined rows is waiting for you" in page.content.decode()


def test_the_same_file_again_is_flagged_and_counted_as_duplicates(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    data = csv_bytes([row()])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, data)
        response = upload(client, data)
    page = client.get(response["Location"]).content.decode()
    assert "This file is identical to" in page
    assert Case.objects.count() == 1


def test_a_file_without_the_needed_columns_is_refused_and_nothing_is_stored(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = upload(client_for("area_lead_a"), b"name,age\nfred,3\n")
    assert response.status_code == 200
    assert "The file&#x27;s header has no column for" in response.content.decode()
    assert Submission.objects.count() == 1  # only the world's


def test_an_oversized_upload_gets_a_clear_message_and_changes_nothing(world: World, client_for, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RESULTS_MAX_UPLOAD_MB = 0
    response = upload(client_for("area_lead_a"), csv_bytes([row()]))
    assert "the most we take in one upload is 0 MB" in response.content.decode()
    assert Submission.objects.count() == 1


def test_a_quarantined_row_corrected_is_accepted_through_a_submission_of_its_own(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    fields = row(nhs_number="9434765918")
    quarantined = QuarantinedRow.objects.create(
        submission=world.submission, row_number=3, source_id="LAB-TEST", fields=fields, raw_text="…",
        reasons=["NHS number fails its check digit"], reason_fields=["nhs_number"], area=world.area_a,
    )  # fmt: skip
    still_wrong = client.post(
        reverse("results:quarantine-detail", args=[quarantined.pk]), {**fields, "nhs_number": "9434765917"}
    )
    assert "fails its check digit" in still_wrong.content.decode()
    assert not TestResult.objects.exists()

    response = client.post(
        reverse("results:quarantine-detail", args=[quarantined.pk]), {**fields, "nhs_number": "9434765919"}
    )
    assert response["Location"] == reverse("results:quarantine-list")
    quarantined.refresh_from_db()
    assert quarantined.status == QuarantinedRow.Status.REPROCESSED
    correction = quarantined.test_result.submission
    assert correction.channel == Submission.Channel.CORRECTION
    assert (correction.received, correction.accepted) == (1, 1)
    assert Case.objects.filter(area=world.area_a).count() == 1
    assert AuditEvent.objects.filter(action="change", object_type="results.quarantinedrow").exists()


def test_a_dismissed_row_needs_a_reason(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("area_lead_a")
    url = reverse("results:quarantine-dismiss", args=[world.quarantined_a.pk])
    assert "Enter why the row is being dismissed" in client.post(url, {"reason": ""}).content.decode()
    client.post(url, {"reason": "Test row from the lab"})
    world.quarantined_a.refresh_from_db()
    assert world.quarantined_a.status == QuarantinedRow.Status.DISMISSED


def test_each_lead_sees_only_the_quarantined_rows_of_their_area(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    area_lead_page = client_for("area_lead_a").get(reverse("results:quarantine-list")).content.decode()
    admin_page = client_for("admin").get(reverse("results:quarantine-list")).content.decode()
    assert "has 3 digits" in area_lead_page and "postcode is missing" not in area_lead_page
    assert "postcode is missing" in admin_page and "has 3 digits" not in admin_page


def test_the_quarantine_download_can_be_fixed_and_uploaded_again(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("area_lead_a").get(reverse("results:quarantine-export"))
    text = b"".join(response.streaming_content).decode()
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["source_id", "specimen_id", "nhs_number"]
    assert header[-2:] == ["problems", "quarantine_reference"]
    assert AuditEvent.objects.filter(action="export", object_type="results.quarantinedrow").count() == 1


def test_the_data_quality_report_counts_problems_by_source(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    # Each sees the rows in their scope: the administrator the unrouted one, the lead area A's.
    admin_page = client_for("admin").get(reverse("results:quality")).content.decode()
    assert "LAB-A" in admin_page
    assert '<td class="govuk-table__cell">Postcode</td>' in admin_page
    lead_page = client_for("area_lead_a").get(reverse("results:quality")).content.decode()
    assert '<td class="govuk-table__cell">NHS number</td>' in lead_page
    assert '<td class="govuk-table__cell">Postcode</td>' not in lead_page


def test_a_files_own_name_is_seen_by_its_uploader_and_administrators_only(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    from localtrace.areas.models import Membership, Role
    from localtrace.audit.models import AuditEvent
    from tests.conftest import sign_in_fully
    from tests.personas import make_user

    response = upload(client_for("area_lead_a"), csv_bytes([row()]), name="results for Jo Bloggs.csv")
    url = response["Location"]
    assert "Jo Bloggs" in client_for("area_lead_a").get(url).content.decode()
    assert "Jo Bloggs" in client_for("admin").get(url).content.decode()
    lead_b = make_user("area_lead_b")
    Membership.objects.create(user=lead_b, team=world.team_b, role=Role.AREA_LEAD)
    other = sign_in_fully(Client(), lead_b).get(url).content.decode()
    assert "Jo Bloggs" not in other and "A CSV file" in other
    created = AuditEvent.objects.get(object_type="results.submission", action="create")
    assert "Jo Bloggs" not in str(created.detail) and len(created.detail["sha256"]) == 64
