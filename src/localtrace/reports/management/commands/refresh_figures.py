"""localtrace refresh-figures: bring the performance figures up to date now (the scheduler does it every minute)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from localtrace.reports.rollup import RollupResult, refresh

# A rebuild of a large history takes minutes: say how far it got this often.
PROGRESS_EVERY_S = 10.0


class Command(BaseCommand):
    help = "Bring the performance figures up to date with every change since the last run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Recompute every figure from the start.")

    def handle(self, *args: Any, rebuild: bool, **options: Any) -> None:
        said = time.monotonic()

        def step(result: RollupResult) -> None:
            nonlocal said
            if result.progress and time.monotonic() - said >= PROGRESS_EVERY_S:
                self.stdout.write(f"Rebuilding: {result.progress}")
                said = time.monotonic()

        self.stdout.write(refresh(rebuild=rebuild, on_step=step).line())
