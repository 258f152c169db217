"""localtrace load_postcodes ONSPD.csv [--names NAMES.csv]: load the ONS Postcode Directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localtrace.areas.services import PostcodeFileError, load_postcode_directory_file
from localtrace.core.progress import progress_bar


class Command(BaseCommand):
    help = "Load an ONS Postcode Directory CSV (with an optional code,name,level names file) into areas and postcodes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The ONSPD CSV file.")
        parser.add_argument("--names", type=Path, help="A CSV of code,name,level naming the areas.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, path: Path, names: Path | None, quiet: bool, **options: Any) -> None:
        if not path.exists():
            raise CommandError(f"There is no file at {path}.")
        if names is not None and not names.exists():
            raise CommandError(f"There is no names file at {names}.")
        with progress_bar("Loading postcodes", total=None, quiet=quiet) as advance:
            try:
                report = load_postcode_directory_file(path, names, progress=advance)
            except PostcodeFileError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(
            f"Received {report.received} rows: {report.loaded} loaded, {len(report.rejected)} rejected, "
            f"{report.areas_created} new areas."
        )
        for line, reason in report.rejected[:20]:
            self.stdout.write(f"  line {line}: {reason}")
        if len(report.rejected) > 20:
            self.stdout.write(f"  … and {len(report.rejected) - 20} more rejected rows.")
