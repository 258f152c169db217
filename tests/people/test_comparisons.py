"""The real-time scorer's Python levels agree with Splink's SQL on DuckDB, and its weights with Splink's."""

from __future__ import annotations

import itertools

import pytest

from localtrace.people.comparisons import COMPARISONS, jaro_winkler, levenshtein
from localtrace.people.dedupe import _levels
from localtrace.people.matching import linkage_row
from localtrace.people.model import current_model
from localtrace.people.splink_model import settings_creator

ROWS = [
    linkage_row(1, "Anna", "Kowalczyk", "1986-03-09", "FX1 1AB", "+447911123456", "anna@example.org"),
    linkage_row(2, "Anna", "Kowalcyzk", "1986-09-03", "FX1 1AD", "+447911123456", ""),
    linkage_row(3, "Kowalczyk", "Anna", "1986-03-19", "FX1 2ZZ", "", "anna@example.org"),
    linkage_row(4, "Ann", "Kowalczyk", "1987-03-09", "FX2 1AB", "+447911000000", "other@example.org"),
    linkage_row(5, "Maria", "Kowalczyk", "1986-03-09", "FX1 1AB", "+447911123456", ""),
    linkage_row(6, "A", "", None, "", "+447911123456", ""),
    linkage_row(7, "Zofia", "Kowalska", "2015-06-30", "GX10 4DG", "", ""),
    linkage_row(8, "Kowalcyzk", "Anna", "1986-03-09", "GX10 4DG", "", ""),
    linkage_row(9, "Kowalczyk", "Ann", "1986-03-09", "", "", ""),
    linkage_row(10, "Kowalska", "Zofi", None, "", "", ""),
    linkage_row(11, "Lee", "Ann", None, "", "", ""),
    linkage_row(12, "Ann", "Lea", None, "", "", ""),
]


def test_jaro_winkler_and_levenshtein_match_duckdb() -> None:
    import duckdb

    words = ["martha", "marhta", "dwayne", "duane", "dixon", "dicksonx", "anna", "ann", "a", "", "kowalczyk"]
    for a, b in itertools.product(words, repeat=2):
        ((expected_jw, expected_lev),) = duckdb.execute(
            "SELECT jaro_winkler_similarity(?, ?), levenshtein(?, ?)", [a, b, a, b]
        ).fetchall()
        assert jaro_winkler(a, b) == pytest.approx(expected_jw, abs=1e-9), (a, b)
        assert levenshtein(a, b) == min(expected_lev, 3), (a, b)


def test_python_scores_equal_splinks_predictions_on_duckdb() -> None:
    from splink import DuckDBAPI, Linker

    model = current_model()
    api = DuckDBAPI()
    table = {c: [r[c] for r in ROWS] for c in ROWS[0]}
    settings = settings_creator("dedupe_only", model.splink_settings)
    settings.blocking_rules_to_generate_predictions = ["1 = 1"]  # every pair
    settings.retain_intermediate_calculation_columns = True  # the term-frequency adjustments, to set aside
    linker = Linker(api.register(table), settings, log_level=None)
    # Splink's term frequencies come from the data; ours from the model file: compare without them.
    predictions = linker.inference.predict()
    by_id = {r["unique_id"]: r for r in ROWS}
    assert len(predictions.as_record_list()) == len(ROWS) * (len(ROWS) - 1) // 2
    for pair in predictions.as_record_list():
        left, right = by_id[pair["unique_id_l"]], by_id[pair["unique_id_r"]]
        python_levels = {c.name: c.levels[c.level_of(left, right)].label for c in COMPARISONS}
        assert _levels(pair) == python_levels
        score = model.score(left, right)
        tf = sum(pair.get(f"mw_tf_adj_{name}") or 0 for name in ("given_name", "family_name"))
        ours_tf = (
            score.match_weight
            - sum(model.parameters[c.name][score.level_index[c.name]].log2_bayes_factor for c in COMPARISONS)
            - model.prior_weight
        )
        assert score.match_weight - ours_tf == pytest.approx(pair["match_weight"] - tf, abs=1e-6), python_levels
