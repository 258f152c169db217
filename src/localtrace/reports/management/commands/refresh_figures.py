"""localtrace refresh-figures: bring the performance figures up to date now (the scheduler does it every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from localtrace.reports.rollup import refresh


class Command(BaseCommand):
    help = "Bring the performance figures up to date with every change since the last run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Recompute every figure from the start.")

    def handle(self, *args: Any, rebuild: bool, **options: Any) -> None:
        self.stdout.write(refresh(rebuild=rebuild).line())
