"""`localtrace simulate`: generate synthetic results and ground truth (see docs/simulate.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localtrace.simulate.options import add_simulate_arguments, run_with_progress


class Command(BaseCommand):
    help = "Generate a synthetic population, outbreak and test results, with ground truth."
    # It writes files only (no database, URLs or templates), so the project checks add nothing.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        add_simulate_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run_with_progress(options, stdout=self.stdout)
        except ValueError as error:
            raise CommandError(str(error)) from error
