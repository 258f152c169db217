"""The same comparisons as Splink settings, for training and for batch jobs on DuckDB or Spark.

Levels whose SQL differs between engines (Jaro–Winkler, Levenshtein) come from Splink's own
level library, so each engine gets its own function names; the rest are written in DuckDB's SQL
and translated by Splink. Every level keeps the label of its Python twin in people/comparisons.py,
which is how a trained model's parameters are matched back to the real-time scorer.
"""

from __future__ import annotations

import re
from typing import Any

from localtrace.people.comparisons import COMPARISONS, Level

_SIMILAR = re.compile(r'jaro_winkler_similarity\("(\w+)_l", "\w+_r"\) >= ([0-9.]+)')
_LEVENSHTEIN = re.compile(r'levenshtein\("(\w+)_l", "\w+_r"\) <= (\d+)')

# Splink's blocking rules for batch jobs: the same keys the operational database indexes, and
# names only within a postcode, as the real-time matcher looks them up (a common name alone pairs
# a record with hundreds of strangers in a million people: 40 million pairs for 100,000 records).
# One rule more than real time: the family name within the postcode. It pairs each household's members, whom
# intake would have to score for every new record (a tenth of its speed); the batch job is the safety net.
BLOCKING_RULES_SQL = (
    "l.given_name = r.given_name AND l.family_name = r.family_name AND l.postcode = r.postcode",
    "l.given_name = r.family_name AND l.family_name = r.given_name AND l.postcode = r.postcode",
    "l.family_name = r.family_name AND l.date_of_birth = r.date_of_birth",
    "l.given_name = r.given_name AND l.date_of_birth = r.date_of_birth",
    "l.given_name = r.family_name AND l.date_of_birth = r.date_of_birth",
    "l.family_name = r.given_name AND l.date_of_birth = r.date_of_birth",
    "l.date_of_birth = r.date_of_birth AND l.postcode = r.postcode",
    "l.given_name = r.given_name AND l.postcode = r.postcode",
    "l.family_name = r.family_name AND l.postcode = r.postcode",
    "l.given_name = r.family_name AND l.postcode = r.postcode",
    "l.family_name = r.given_name AND l.postcode = r.postcode",
    "l.phone = r.phone",
    "l.email = r.email",
)
# Rules used to estimate how often two random records match (they admit very few false positives).
DETERMINISTIC_RULES_SQL = (
    "l.given_name = r.given_name AND l.family_name = r.family_name AND l.date_of_birth = r.date_of_birth",
    "l.email = r.email AND l.date_of_birth = r.date_of_birth",
)
# Rules that block the expectation-maximisation passes (each leaves the other comparisons free).
TRAINING_RULES_SQL = (
    "l.date_of_birth = r.date_of_birth",
    "l.postcode = r.postcode AND substr(l.given_name, 1, 1) = substr(r.given_name, 1, 1)",
)


def _creator(column: str, level: Level) -> Any:
    import splink.comparison_level_library as cll

    creator: Any
    if level.is_null:
        creator = cll.NullLevel(column)
    elif level.is_else:
        creator = cll.ElseLevel()
    elif match := _SIMILAR.fullmatch(level.sql):
        creator = cll.JaroWinklerLevel(match.group(1), float(match.group(2)))
    elif match := _LEVENSHTEIN.fullmatch(level.sql):
        creator = cll.LevenshteinLevel(match.group(1), int(match.group(2)))
    else:
        creator = cll.CustomLevel(level.sql, base_dialect_str="duckdb")
    options: dict[str, Any] = {"label_for_charts": level.label}
    if level.term_frequency:
        options.update(tf_adjustment_column=column, tf_adjustment_weight=1.0)
    return creator.configure(**options)


def comparisons() -> list[Any]:
    import splink.comparison_library as cl

    return [
        cl.CustomComparison(
            [_creator(c.name, level) for level in c.levels],
            output_column_name=c.name,
            comparison_description=c.description,
        )
        for c in COMPARISONS
    ]


def settings_creator(link_type: str = "dedupe_only", trained: dict[str, Any] | None = None) -> Any:
    """Splink settings for these comparisons; with `trained`, its parameters filled in by label."""
    from splink import SettingsCreator

    creator = SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES_SQL),  # type: ignore[arg-type]
        retain_intermediate_calculation_columns=False,
        # Both sides' values are kept: the identity and household rules read each pair's levels.
        retain_matching_columns=True,
    )
    if trained is None:
        return creator
    creator.probability_two_random_records_match = trained["probability_two_random_records_match"]
    by_name = {c["output_column_name"]: c for c in trained["comparisons"]}
    comparison: Any
    for comparison in creator.comparisons:
        levels = by_name[comparison._output_column_name]["comparison_levels"]
        params = {level["label_for_charts"]: level for level in levels}
        for level_creator in comparison._comparison_levels:
            saved = params.get(level_creator.label_for_charts)
            if saved is None or saved.get("is_null_level"):
                continue
            level_creator.configure(m_probability=saved["m_probability"], u_probability=saved["u_probability"])
    return creator
