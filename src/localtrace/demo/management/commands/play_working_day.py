"""localtrace play-working-day DIR: the demo's tracers work its queues, playing the simulation's responses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from localtrace.demo.working_day import WorkingDayError, play_working_day


def moment(text: str) -> dt.datetime:
    """An ISO 8601 date and time; one without an offset is local time (LOCALTRACE_TIME_ZONE)."""
    at = dt.datetime.fromisoformat(text)
    return timezone.make_aware(at) if timezone.is_naive(at) else at


class Command(BaseCommand):
    help = (
        "Play a working day in the demo's queues (demo mode only): the simulated cases and contacts in DIR respond "
        "to the demo tracers' calls, links and doorstep visits. Run after load-demo and import-results."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("simulation_dir", type=Path, metavar="DIR", help="The folder `localtrace simulate` wrote.")
        parser.add_argument("--seed", type=int, default=2020, help="Random seed (default 2020).")
        parser.add_argument(
            "--now",
            type=moment,
            help="Play the day up to this moment (ISO 8601; local time without an offset; default now; for tests).",
        )
        parser.add_argument("--force", action="store_true", help="Run even when LOCALTRACE_DEMO is off (for tests).")

    def handle(
        self, *args: Any, simulation_dir: Path, seed: int, now: dt.datetime | None, force: bool, **options: Any
    ) -> None:
        if not settings.DEMO and not force:
            raise CommandError("This works the queues as the demo tracers: set LOCALTRACE_DEMO=1 to play it.")
        if not simulation_dir.is_dir():
            raise CommandError(f"There is no folder at {simulation_dir}.")
        try:
            summary = play_working_day(simulation_dir, seed=seed, now=now)
        except WorkingDayError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(summary.line())
