"""How long retention takes on a large database: the search for due people, and batches of erasure.

Runs against the database in DATABASE_URL and changes nothing: the erasure batches run inside one
transaction that is rolled back. Use a database with many people, for example the pages bench's:

    LOCALTRACE_PG_KEEP=/var/tmp/bench-pg bash scripts/with-postgres.sh \\
        env LOCALTRACE_DEBUG=1 .venv/bin/python bench/retention.py --as-of 2031-01-01 --batches 30

Prints the people, how many are due as of the day given, the time to find them (the dry run), and the
median and slowest time of a batch of 1,000 (finding the batch, then erasing it), with the hours a
first run over every due person would take at that rate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "localtrace.config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True, help="Run as of this day (YYYY-MM-DD).")
    parser.add_argument("--batches", type=int, default=30, help="Batches of erasure to time (default 30).")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from localtrace.audit import retention
    from localtrace.people.models import Person

    cutoff = retention.cutoff_for(args.as_of)
    print(
        f"{connection.vendor}; {Person.objects.count():,} people; cutoff {cutoff} ({retention.retention_days()} days)"
    )
    started = time.perf_counter()
    due_count = retention.erase_expired(today=args.as_of, dry_run=True).people
    print(f"  dry run: {due_count:,} people due, found in {time.perf_counter() - started:.1f} s")
    if not due_count:
        return

    due = retention.people_due(cutoff).order_by("pk").values_list("pk", flat=True)
    erased, now, finding, whole = retention.Erased(), timezone.now(), [], []
    with transaction.atomic():
        last = 0
        for _ in range(args.batches):
            started = time.perf_counter()
            ids = list(due.filter(pk__gt=last)[: retention.BATCH])
            if not ids:
                break
            finding.append(time.perf_counter() - started)
            retention._erase_people(ids, now, erased)
            whole.append(time.perf_counter() - started)
            last = ids[-1]
        transaction.set_rollback(True)  # measure only: nothing is kept
    per_batch = statistics.median(whole)
    print(
        f"  {len(whole)} batches of {retention.BATCH:,}: finding p50 {statistics.median(finding):.2f} s, "
        f"whole batch p50 {per_batch:.2f} s, slowest {max(whole):.2f} s (rolled back)"
    )
    print(
        f"  a first run over all {due_count:,} due people at that rate: {due_count / retention.BATCH * per_batch / 3600:.1f} h"
    )
    print(f"  erased in the timed batches: { {k: v for k, v in erased.counts().items() if v} }")
    print(f"  load average at the end: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
