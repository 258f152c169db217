"""`localtrace dedupe`: find duplicate people across the whole store, link the sure ones, queue the rest."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from localtrace.core.progress import progress_bar
from localtrace.people.dedupe import ENGINES, dedupe
from localtrace.people.model import ModelError


class Command(BaseCommand):
    help = "Deduplicate every person with the linkage model: link sure pairs, send unsure ones to review."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engine", choices=ENGINES, default="duckdb", help="DuckDB (default) or a Spark session")
        parser.add_argument("--quiet", action="store_true", help="no progress bar or report")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["quiet"]
        with ExitStack() as stack:

            def progress(description: str, total: int | None) -> Callable[[int], None]:
                if not quiet:
                    self.stderr.write(f"{description}…")
                return stack.enter_context(progress_bar(description, total=total, quiet=quiet or total is None))

            try:
                report = dedupe(engine=options["engine"], progress=progress)
            except ModelError as error:
                raise CommandError(str(error)) from None
        if not quiet:
            for line in report.lines():
                self.stdout.write(line)
            for refusal in report.refused[:20]:
                self.stdout.write(f"  refused: {refusal}")
