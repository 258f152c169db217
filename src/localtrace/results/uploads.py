"""Storing an uploaded results file: size-limited, checksummed, then queued for the worker."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import transaction
from django.http import HttpRequest

from localtrace.accounts.access import acting_user
from localtrace.audit.services import Action, record
from localtrace.results.models import Submission, Submitter
from localtrace.results.reading import ResultFileError, read_results


class UploadRefused(ValueError):
    pass


def max_upload_bytes() -> int:
    return int(getattr(settings, "RESULTS_MAX_UPLOAD_MB", 500)) * 1024 * 1024


class RefuseOversizedUploads(FileUploadHandler):
    """First of the upload handlers: an uploaded file over the limit is stored no further than the limit.

    Django reads a request's files before any view runs (the CSRF check reads the form), so a check in the
    view comes after the whole file has been written to temporary storage. Past the limit this handler keeps
    the rest of the file from the handlers after it (the request is still read to its end, so the browser
    gets the page that refuses it, not a reset connection), and hands over an empty file that carries the
    size it reached: `store_upload` refuses it with that size.
    """

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        return None if start + len(raw_data) > max_upload_bytes() else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if file_size <= max_upload_bytes():
            return None  # the next handler's file, as usual
        return UploadedFile(
            io.BytesIO(), name=self.file_name, content_type=self.content_type, size=file_size, charset=self.charset
        )


def check_header(upload: UploadedFile, *, source_given: bool) -> None:
    """Refuse a file whose header cannot work before storing it; the rows are checked by the worker."""
    upload.seek(0)
    try:
        next(read_results(upload.file, source_given=source_given), None)  # type: ignore[arg-type]
    except ResultFileError as error:
        raise UploadRefused(str(error)) from None
    finally:
        upload.seek(0)


def megabytes_over(size: int) -> str:
    """A size in MB for a file refused as too big: rounded up to a tenth, so it never reads as the limit."""
    tenths = -(-size * 10 // 1_048_576)  # ceiling division
    return f"{tenths // 10:,} MB" if tenths % 10 == 0 else f"{tenths // 10:,}.{tenths % 10} MB"


def store_upload(request: HttpRequest, upload: UploadedFile, submitter: Submitter | None) -> Submission:
    if upload.size is not None and upload.size > max_upload_bytes():
        raise UploadRefused(
            f"The file is {megabytes_over(upload.size)}; the most we take in one upload is "
            f"{max_upload_bytes() // 1_048_576:,} MB. Split it, or use the localtrace import-results command."
        )
    if upload.size == 0:
        raise UploadRefused("The file is empty.")
    check_header(upload, source_given=submitter is not None)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        submission = Submission(
            channel=Submission.Channel.UPLOAD,
            submitter=submitter,
            filename=(upload.name or "upload.csv")[-255:],
            checksum=digest.hexdigest(),
            size_bytes=upload.size or 0,
            created_by=acting_user(request),
        )
        # Stored under a generated name: the original name may carry personal data.
        submission.file.save(f"submission-{digest.hexdigest()[:16]}.csv", upload, save=False)
        submission.save()
        record(
            Action.CREATE,
            request=request,
            obj=submission,
            # Not the file's name, which may name a person: the audit trail is kept for good.
            detail={"sha256": submission.checksum, "bytes": submission.size_bytes},
        )
        from localtrace.results.tasks import enqueue

        transaction.on_commit(lambda: enqueue(submission))
    return submission


def earlier_copy(submission: Submission) -> Any:
    """The first earlier submission of the same bytes, if any (shown as a warning, rows still counted)."""
    return (
        Submission.objects.filter(checksum=submission.checksum, created_at__lt=submission.created_at)
        .exclude(pk=submission.pk)
        .order_by("created_at")
        .first()
    )
