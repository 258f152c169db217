"""Training the linkage model with Splink on DuckDB, from the deployment's people or a results file.

Unsupervised, as Splink intends: the chance that two random records match from deterministic
rules, u probabilities from random pairs, m probabilities by expectation maximisation over two
blocking passes, and the name columns' term frequencies for the real-time scorer.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.utils import timezone

from localtrace.people.comparisons import LINKAGE_COLUMNS, TERM_FREQUENCY_COLUMNS
from localtrace.people.matching import linkage_row
from localtrace.people.model import MODEL_FORMAT, LinkageModel
from localtrace.people.splink_model import DETERMINISTIC_RULES_SQL, TRAINING_RULES_SQL, settings_creator

MAX_TERMS = 50_000
MIN_RECORDS = 1_000


class TrainingError(ValueError):
    pass


def rows_from_people() -> Iterator[dict[str, Any]]:
    from localtrace.people.models import Person

    for pk, given, family, born, postcode, phone, email in (
        # Erased people (audit/retention.py) have no details left to compare, and must never be linked.
        Person.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "given_name", "family_name", "date_of_birth", "postcode", "phone", "email")
        .iterator(chunk_size=10_000)
    ):
        yield linkage_row(pk, given, family, born, postcode, phone, email)


def rows_from_results_file(path: Path, *, today: dt.date | None = None) -> Iterator[dict[str, Any]]:
    """Each row of a results CSV that passes intake's validation, as a linkage row (id = row number)."""
    from localtrace.results.reading import read_results
    from localtrace.results.validation import CleanResult, validate

    today = today or timezone.localdate()
    with path.open("rb") as stream:
        for raw in read_results(stream):
            if raw.problem:
                continue
            clean = validate(raw.fields, today=today)
            if isinstance(clean, CleanResult):
                yield linkage_row(
                    raw.row_number, clean.given_name, clean.family_name, clean.date_of_birth, clean.postcode,
                    clean.phone, clean.email,
                )  # fmt: skip


def as_columns(rows: Iterable[dict[str, Any]]) -> dict[str, list[Any]]:
    table: dict[str, list[Any]] = {column: [] for column in LINKAGE_COLUMNS}
    for row in rows:
        for column in LINKAGE_COLUMNS:
            table[column].append(row[column])
    return table


def term_frequencies(table: dict[str, list[Any]]) -> dict[str, dict[str, float]]:
    frequencies: dict[str, dict[str, float]] = {}
    for column in TERM_FREQUENCY_COLUMNS:
        counts = Counter(value for value in table[column] if value is not None)
        total = sum(counts.values()) or 1
        frequencies[column] = {value: round(n / total, 9) for value, n in counts.most_common(MAX_TERMS)}
    return frequencies


def train(
    table: dict[str, list[Any]], *, trained_on: str, progress: Callable[[str], None] = lambda step: None
) -> dict[str, Any]:
    """A model document (see people/model.py) trained on these linkage rows."""
    from splink import DuckDBAPI, Linker

    count = len(table["unique_id"])
    if count < MIN_RECORDS:
        raise TrainingError(f"Training needs at least {MIN_RECORDS:,} records; there are {count:,}.")
    logging.getLogger("splink").setLevel(logging.WARNING)
    api = DuckDBAPI()
    records = api.register(table, dataset_display_name="people")
    linker = Linker(records, settings_creator(), log_level=None)
    progress("Estimating how often two random records match")
    linker.training.estimate_probability_two_random_records_match(list(DETERMINISTIC_RULES_SQL), recall=0.8)
    progress("Estimating u probabilities from random pairs")
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in TRAINING_RULES_SQL:
        progress(f"Expectation maximisation blocked on {rule}")
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=2e6)
    settings = linker.misc.save_model_to_json()
    fill_untrained(settings, sampled_pairs=2e6)
    floor_m(settings)
    document = {
        "format": MODEL_FORMAT,
        "trained_on": trained_on,
        "trained_at": timezone.now().isoformat(timespec="seconds"),
        "records": count,
        "splink_settings": settings,
        "term_frequencies": term_frequencies(table),
    }
    LinkageModel(document)  # refuse to write a model the real-time scorer cannot read
    return document


def fill_untrained(settings: dict[str, Any], *, sampled_pairs: float) -> list[str]:
    """Give levels that training never saw explicit parameters, so both scorers agree on them.

    A level never seen among random pairs gets u = half of one pair in the sample; a level never
    seen among likely matches gets m = the smallest m of its comparison. Returns what was filled.
    """
    filled = []
    for comparison in settings["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        seen_m = [level["m_probability"] for level in levels if level.get("m_probability") is not None]
        for level in levels:
            label = f"{comparison['output_column_name']}: {level['label_for_charts']}"
            if level.get("u_probability") is None:
                level["u_probability"] = 0.5 / sampled_pairs
                filled.append(f"{label} (u)")
            if level.get("m_probability") is None:
                level["m_probability"] = min(seen_m) if seen_m else 0.5 / sampled_pairs
                filled.append(f"{label} (m)")
    return filled


M_FLOOR = 0.001


def floor_m(settings: dict[str, Any], floor: float = M_FLOOR) -> None:
    """No level's m below `floor` (then renormalised): one disagreement costs at most about 10 bits.

    Expectation maximisation on clean data learns that a person's fields almost never disagree
    (the generator damages 2% of rows), and would make a single changed phone number or a
    new postcode decisive; real records of one person disagree far more often than that.
    """
    for comparison in settings["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        for level in levels:
            level["m_probability"] = max(level["m_probability"], floor)
        total = sum(level["m_probability"] for level in levels)
        for level in levels:
            level["m_probability"] /= total


def write_model(document: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)
