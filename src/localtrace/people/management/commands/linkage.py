"""`localtrace linkage train`: train the person-linkage model on this deployment's data."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from localtrace.people import training


class Command(BaseCommand):
    help = "Train the person-linkage model (Splink on DuckDB) on this deployment's people or a results file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train a model and write it as JSON")
        train.add_argument(
            "--results-file", type=Path, help="train on the rows of a results CSV instead of the people stored"
        )
        train.add_argument(
            "--out",
            type=Path,
            help="where to write the model (default: LOCALTRACE_LINKAGE_MODEL if set, else VAR_DIR/linkage_model.json)",
        )
        train.add_argument("--description", default="", help="how the training data was made, kept in the model")
        train.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["quiet"]
        out: Path = options["out"] or Path(settings.LINKAGE_MODEL_PATH or settings.VAR_DIR / "linkage_model.json")
        results_file: Path | None = options["results_file"]
        started = time.monotonic()
        if results_file is not None:
            if not results_file.is_file():
                raise CommandError(f"There is no results file at {results_file}.")
            rows = training.rows_from_results_file(results_file)
            trained_on = options["description"] or f"rows of {results_file.name} that pass intake's validation"
        else:
            rows = training.rows_from_people()
            trained_on = options["description"] or "the people stored in this deployment"
        table = training.as_columns(rows)

        def say(step: str) -> None:
            if not quiet:
                self.stdout.write(f"{step}…")

        try:
            document = training.train(table, trained_on=trained_on, progress=say)
        except training.TrainingError as error:
            raise CommandError(str(error)) from None
        training.write_model(document, out)
        if not quiet:
            self.stdout.write(
                f"Trained on {document['records']:,} records in {time.monotonic() - started:.0f} s; written to {out}."
            )
            if str(out) != str(settings.LINKAGE_MODEL_PATH):
                self.stdout.write(f"To use it, set LOCALTRACE_LINKAGE_MODEL={out.resolve()} and restart.")
