"""localtrace erase-expired: erase personal data older than the retention period now (the daily task does the same).

localtrace erase-expired             # erase, and print what was erased
localtrace erase-expired --dry-run   # count the people it would erase; change nothing
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from localtrace.audit.retention import cutoff_for, erase_expired, retention_days


class Command(BaseCommand):
    help = "Erase personal data older than LOCALTRACE_RETENTION_DAYS; the figures built from it stay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count the people it would erase; change nothing.")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="Run as of this day (YYYY-MM-DD).")

    def handle(self, *args: Any, dry_run: bool, today: dt.date | None, **options: Any) -> None:
        today = today or timezone.localdate()
        cutoff = cutoff_for(today)
        erased = erase_expired(today=today, dry_run=dry_run)
        period = f"retention period {retention_days()} days: data dated before {cutoff:%-d %B %Y}"
        if dry_run:
            who = "person" if erased.people == 1 else "people"
            self.stdout.write(f"Would erase the details of {erased.people:,} {who} ({period}). Nothing changed.")
            return
        done = ", ".join(f"{name.replace('_', ' ')} {count:,}" for name, count in erased.counts().items() if count)
        self.stdout.write(f"Erased ({period}): {done or 'nothing was due'}.")
