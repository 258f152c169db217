"""localtrace scan-clusters: run cluster detection now, or export a Parquet snapshot and scan it with DuckDB.

localtrace scan-clusters                          # scan the database and store the clusters (as the task does)
localtrace scan-clusters --export-snapshot DIR    # write the tables detection reads as Parquet
localtrace scan-clusters --on-snapshot DIR        # the same SQL on DuckDB over a snapshot; prints, stores nothing
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from localtrace.places.clusters import explain, scan
from localtrace.places.detection import Rule, detect_on_duckdb
from localtrace.places.snapshots import duckdb_over
from localtrace.places.snapshots import export_snapshot as write_snapshot


class Command(BaseCommand):
    help = "Run cluster detection now, export a Parquet snapshot, or scan a snapshot with DuckDB."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, help="Scan as of this day (YYYY-MM-DD).")
        parser.add_argument("--export-snapshot", type=Path, metavar="DIR")
        parser.add_argument("--on-snapshot", type=Path, metavar="DIR")

    def handle(
        self, *args: Any, today: dt.date | None, export_snapshot: Path | None, on_snapshot: Path | None, **options: Any
    ) -> None:
        today = today or timezone.localdate()
        try:
            rule = Rule.configured()
        except ValueError as error:
            raise CommandError(str(error)) from None
        if export_snapshot is not None:
            written = write_snapshot(export_snapshot)
            self.stdout.write(", ".join(f"{table}: {rows} rows" for table, rows in written.items()))
            return
        if on_snapshot is not None:
            try:
                connection = duckdb_over(on_snapshot)
            except FileNotFoundError as error:
                raise CommandError(str(error)) from None
            # Nothing is stored, so one row per cluster is enough (CLUSTERS_SQL: cheaper over a long history).
            findings = detect_on_duckdb(
                connection, rule, today - dt.timedelta(days=rule.lookback_days), today, with_cases=False
            )
            for finding in findings:
                self.stdout.write(f"setting {finding.setting_id}: " + explain(finding, f"setting {finding.setting_id}"))
            self.stdout.write(f"Clusters on the snapshot: {len(findings)} (nothing stored).")
            return
        self.stdout.write(scan(today=today, rule=rule).line())
