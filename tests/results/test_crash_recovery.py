"""kill -9 in the middle of an import, then run it again: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from localtrace.results.models import Submission, TestResult
from tests.results.conftest import build_intake_world
from tests.results.factories import csv_bytes, many_rows

REPO = Path(__file__).resolve().parents[2]
ROWS = 30_000


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def import_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "localtrace.cli", "import-results", str(path), "--quiet"]


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_mid_file_resumes_without_losing_or_doubling(tmp_path: Path) -> None:
    build_intake_world()
    path = tmp_path / "crash-test.csv"
    path.write_bytes(csv_bytes(many_rows(ROWS)))
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": f"{REPO}:{REPO / 'src'}",
    }

    process = subprocess.Popen(import_command(path), cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        submission = Submission.objects.filter(filename="crash-test.csv").first()
        if submission and 0 < submission.received < ROWS:
            break
        if process.poll() is not None:
            pytest.fail(f"the import ended before it could be interrupted: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.02)
    else:
        pytest.fail("the import made no progress")
    seen = submission.received
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    interrupted = Submission.objects.get(filename="crash-test.csv")
    assert interrupted.status == Submission.Status.PROCESSING, (seen, interrupted.received)
    assert 0 < interrupted.received < ROWS
    # What was committed balances, batch by batch.
    assert interrupted.received == interrupted.accepted + interrupted.quarantined + interrupted.duplicate
    assert TestResult.objects.count() == interrupted.accepted

    finished = subprocess.run(import_command(path), cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    submission = Submission.objects.get(filename="crash-test.csv")
    assert submission.pk == interrupted.pk
    assert submission.status == Submission.Status.DONE
    assert (submission.received, submission.accepted, submission.duplicate) == (ROWS, ROWS, 0)
    assert TestResult.objects.count() == ROWS
