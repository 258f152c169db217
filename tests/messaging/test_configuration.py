"""Choosing Notify without its settings stops the service at start-up, naming what is missing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def start_with(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALTRACE_NOTIFY", "LOCALTRACE_MESSAGE"))}
    environment.update(LOCALTRACE_SECRET_KEY="x" * 50, **env)
    return subprocess.run(
        [sys.executable, "-c", "import localtrace.config.settings"],
        env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip


NOTIFY = {
    "LOCALTRACE_MESSAGE_BACKEND": "notify",
    "LOCALTRACE_NOTIFY_API_KEY": "k-1b7c6d3e-6f1a-4c1e-9a4e-6b7f1d0c2a11-5f2b1a9c-3d4e-4f6a-8b7c-9d0e1f2a3b4c",
    "LOCALTRACE_NOTIFY_SMS_TEMPLATE_ID": "a",
    "LOCALTRACE_NOTIFY_EMAIL_TEMPLATE_ID": "b",
    "LOCALTRACE_NOTIFY_CALLBACK_TOKEN": "c" * 20,
}


def test_notify_with_every_setting_starts():
    assert start_with(**NOTIFY).returncode == 0


@pytest.mark.parametrize("missing", [k for k in NOTIFY if k != "LOCALTRACE_MESSAGE_BACKEND"])
def test_notify_without_a_setting_fails_loudly(missing):
    result = start_with(**{k: v for k, v in NOTIFY.items() if k != missing})
    assert result.returncode != 0
    assert f"The environment variable {missing} must be set" in result.stderr


def test_an_unknown_backend_is_refused():
    result = start_with(LOCALTRACE_MESSAGE_BACKEND="carrier-pigeon")
    assert result.returncode != 0 and "must be outbox or notify" in result.stderr
