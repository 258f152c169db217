"""The deployment check, migrations in step with models, and the one console command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALTRACE_", "DJANGO_"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "localtrace.cli", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        LOCALTRACE_SECRET_KEY="a" * 20 + "production-like-secret-key-with-enough-entropy-0123456789",
        LOCALTRACE_ALLOWED_HOSTS="trace.council.example",
        LOCALTRACE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _run(["check"], LOCALTRACE_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "LOCALTRACE_SECRET_KEY must be set" in result.stderr
    # Said plainly, naming where the settings are explained, without a traceback.
    assert "Traceback" not in result.stderr
    assert "docs/configuration.md" in result.stderr


def test_a_bad_boolean_setting_fails_loudly(tmp_path: Path) -> None:
    result = _run(["check"], LOCALTRACE_DEBUG="perhaps", LOCALTRACE_VAR_DIR=str(tmp_path))
    assert "LOCALTRACE_DEBUG must be true or false" in result.stderr
    assert result.returncode != 0 and "Traceback" not in result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_console_command_lists_the_management_commands() -> None:
    result = _run(["--help"], LOCALTRACE_DEBUG="1")
    assert result.returncode == 0, result.stderr
    for command in ("load_postcodes", "load_demo", "serve", "db_worker", "simulate"):
        assert command in result.stdout
