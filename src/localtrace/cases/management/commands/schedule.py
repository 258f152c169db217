"""localtrace schedule: queue the periodic tasks (escalation ladders, performance figures) every minute, until stopped.

`localtrace serve` runs it beside the web server and the worker; in production run it as a
service of its own (one instance is enough; a second does no harm, the tasks are idempotent).
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localtrace.audit.tasks import erase_expired_data
from localtrace.cases.tasks import advance_ladders, hand_back_stranded_holds, refresh_chains
from localtrace.messaging.tasks import send_due_messages  # messaging (issue 6): retries of messages
from localtrace.places.tasks import scan_clusters  # cluster detection (issue 7); it runs at most every 15 minutes
from localtrace.reports.tasks import refresh_figures  # performance figures (issue 9): the weekly rollups
from localtrace.results.tasks import resume_stalled_uploads

PERIODIC: list[Any] = [advance_ladders, send_due_messages, scan_clusters, refresh_figures]
# Transmission chains (issue 7): stored per area, recomputed when an area's cases or visits change.
PERIODIC.append(refresh_chains)
# Retention: personal data past the retention period is erased, once a day.
PERIODIC.append(erase_expired_data)
# Uploads whose worker was lost go back on the queue and resume from their last batch.
PERIODIC.append(resume_stalled_uploads)
# Holds of staff who may no longer open what they hold (surge access ran out) go back to the queues.
PERIODIC.append(hand_back_stranded_holds)


class Command(BaseCommand):
    help = "Queue the periodic tasks every --every seconds until stopped (Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=60, help="Seconds between rounds (default 60).")
        parser.add_argument("--once", action="store_true", help="Queue one round and stop.")

    def handle(self, *args: Any, every: int, once: bool, **options: Any) -> None:
        if every < 1:
            # Zero or less would queue every task again and again with no pause, flooding the task queue.
            raise CommandError(f"--every must be a whole number of seconds, 1 or more (not {every}).")
        running = True

        def stop(*_: Any) -> None:
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while running:
            for periodic in PERIODIC:
                periodic.enqueue()
            if once:
                return
            for _ in range(every * 2):
                if not running:
                    break
                time.sleep(0.5)
