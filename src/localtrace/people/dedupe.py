"""Batch deduplication of every person: Splink scores all blocked pairs on DuckDB (or Spark).

Pairs at or above the link threshold (and agreeing on given name and date of birth) are merged
through the same action a data officer uses, so each is audited and can be undone from the
review page; pairs between the thresholds become review items. Pairs already decided are not
asked about again, and two different NHS numbers are never linked.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from localtrace.people.comparisons import COMPARISONS, one_slip
from localtrace.people.merging import MergeError, link_pair
from localtrace.people.model import Score, current_model, thresholds
from localtrace.people.models import DuplicateReview, Person
from localtrace.people.splink_model import settings_creator
from localtrace.people.training import as_columns, rows_from_people

ENGINES = ("duckdb", "spark")


@dataclass
class DedupeReport:
    engine: str
    people: int = 0
    pairs_found: int = 0
    auto_linked: int = 0
    sent_to_review: int = 0
    already_decided: int = 0
    different_nhs_numbers: int = 0
    already_one_person: int = 0
    household_members: int = 0
    refused: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"Engine: {self.engine}",
            f"People compared: {self.people:,}",
            f"Pairs found at or above the review threshold: {self.pairs_found:,}",
            f"Linked automatically: {self.auto_linked:,}",
            f"Sent to review: {self.sent_to_review:,}",
            f"Already decided (not asked again): {self.already_decided:,}",
            f"Different NHS numbers (never linked): {self.different_nhs_numbers:,}",
            f"Already one person through other links: {self.already_one_person:,}",
            f"Ruled out as members of one household: {self.household_members:,}",
            f"Links refused (sent to review instead): {len(self.refused):,}",
        ]


def _levels(pair: dict[str, Any]) -> dict[str, str]:
    """Each comparison's level for a scored pair, from both sides' values (the Python twins of the SQL)."""
    left = {c.name: pair.get(f"{c.name}_l") for c in COMPARISONS}
    right = {c.name: pair.get(f"{c.name}_r") for c in COMPARISONS}
    # A level may read the other name column (names swapped), so both are always present.
    for side, values in (("l", left), ("r", right)):
        for column in ("given_name", "family_name"):
            values[column] = pair.get(f"{column}_{side}")
    return {c.name: c.levels[c.level_of(left, right)].label for c in COMPARISONS}


def pair_score(pair: dict[str, Any]) -> Score:
    """A pair scored by Splink, as the real-time matcher's Score (levels from the Python twins)."""
    levels = _levels(pair)
    slip = levels["given_name"] == "different" and one_slip(pair.get("given_name_l"), pair.get("given_name_r"))
    return Score(float(pair["match_weight"]), float(pair["match_probability"]), levels, {}, given_name_slip=slip)


@contextmanager
def spark_session() -> Iterator[Any]:
    """A local Spark session with Splink's similarity functions (Java 17 and pyspark needed)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("localtrace-dedupe")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def score_pairs(table: dict[str, list[Any]], *, engine: str, threshold: float) -> list[dict[str, Any]]:
    """Every blocked pair scoring at or above `threshold`, with its comparison levels."""
    from splink import Linker

    api: Any
    model = current_model()
    logging.getLogger("splink").setLevel(logging.WARNING)
    if engine == "duckdb":
        from splink import DuckDBAPI

        api = DuckDBAPI()
        records = api.register(table, dataset_display_name="people")
        linker = Linker(records, settings_creator("dedupe_only", model.splink_settings), log_level=None)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        return predictions.as_record_list()
    if engine == "spark":
        from pyspark.sql.types import StringType, StructField, StructType
        from splink import SparkAPI

        with spark_session() as spark:
            columns = list(table)
            schema = StructType([StructField(c, StringType(), True) for c in columns])
            rows = [
                tuple(None if v is None else str(v) for v in values) for values in zip(*table.values(), strict=True)
            ]
            frame = spark.createDataFrame(rows, schema)
            api = SparkAPI(spark_session=spark, break_lineage_method="persist")
            records = api.register(frame, dataset_display_name="people")
            linker = Linker(records, settings_creator("dedupe_only", model.splink_settings), log_level=None)
            predictions = linker.inference.predict(threshold_match_probability=threshold)
            found = [row.asDict() for row in predictions.as_spark_dataframe().collect()]
            for row in found:
                row["unique_id_l"], row["unique_id_r"] = int(row["unique_id_l"]), int(row["unique_id_r"])
            return found
    raise ValueError(f"Unknown engine {engine!r}: choose one of {', '.join(ENGINES)}.")


def dedupe(
    *,
    engine: str = "duckdb",
    actor: Any = None,
    progress: Callable[[str, int | None], Callable[[int], None]] | None = None,
) -> DedupeReport:
    if engine not in ENGINES:
        raise ValueError(f"Unknown engine {engine!r}: choose one of {', '.join(ENGINES)}.")
    report = DedupeReport(engine=engine)
    limits = thresholds()
    table = as_columns(rows_from_people())
    report.people = len(table["unique_id"])
    if report.people < 2:
        return report
    if progress:
        progress(f"Scoring pairs on {engine}", None)
    pairs = score_pairs(table, engine=engine, threshold=limits.review_above)
    pairs.sort(key=lambda p: (-p["match_weight"], p["unique_id_l"], p["unique_id_r"]))
    report.pairs_found = len(pairs)
    nhs = dict(Person.objects.exclude(nhs_number="").values_list("pk", "nhs_number"))
    decided = set(DuplicateReview.objects.values_list("first_id", "second_id"))
    root: dict[int, int] = {}

    def find(pk: int) -> int:
        while root.get(pk, pk) != pk:
            pk = root[pk]
        return pk

    advance = progress("Linking and queueing pairs", len(pairs)) if progress else (lambda n: None)
    for pair in pairs:
        advance(1)
        a, b = sorted((int(pair["unique_id_l"]), int(pair["unique_id_r"])))
        if (a, b) in decided:
            report.already_decided += 1
            continue
        if nhs.get(a) and nhs.get(b) and nhs[a] != nhs[b]:
            report.different_nhs_numbers += 1
            continue
        first, second = sorted((find(a), find(b)))
        if first == second:
            report.already_one_person += 1
            continue
        score = pair_score(pair)
        levels = score.levels
        if not score.plausible():
            report.household_members += 1
            continue
        review = DuplicateReview.objects.create(
            first_id=first,
            second_id=second,
            area=_area_of(second) or _area_of(first),
            match_probability=score.match_probability,
            match_weight=score.match_weight,
            levels=levels,
            source=DuplicateReview.Source.DEDUPE,
        )
        decided.add((first, second))
        if score.match_probability >= limits.link_above and score.agrees_on_identity():
            try:
                link_pair(review, actor=actor)
            except MergeError as error:
                report.refused.append(f"people {first} and {second}: {error}")
                report.sent_to_review += 1
            else:
                root[second] = first
                report.auto_linked += 1
        else:
            report.sent_to_review += 1
    return report


def _area_of(person_id: int) -> Any:
    from localtrace.areas.services import route_postcode

    postcode = Person.objects.filter(pk=person_id).values_list("postcode", flat=True).first()
    return route_postcode(postcode) if postcode else None
