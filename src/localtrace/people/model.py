"""The trained linkage model: Splink's parameters, and the real-time scorer that reads them.

The model file holds Splink's own settings (as `linker.misc.save_model_to_json` writes them),
the term frequencies of the name columns, and how it was trained. The default ships with the
package (`people/linkage_model.json`); `localtrace linkage train` writes a deployment's own, and
the setting `LINKAGE_MODEL_PATH` chooses which one is used.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from localtrace.people.comparisons import COMPARISONS, Comparison, Row, one_slip

DEFAULT_MODEL_PATH = Path(__file__).with_name("linkage_model.json")
MODEL_FORMAT = "localtrace-linkage-model/1"


class ModelError(ValueError):
    """The model file is missing, unreadable or does not fit this version's comparisons."""


@dataclass(frozen=True)
class LevelParameters:
    label: str
    is_null: bool
    log2_bayes_factor: float  # 0 for the null level
    u_probability: float
    tf_column: str | None
    tf_weight: float
    tf_minimum_u: float


@dataclass(frozen=True)
class Score:
    match_weight: float
    match_probability: float
    levels: dict[str, str]  # comparison → level label
    level_index: dict[str, int]
    # The given names fall in "different" but are one slip apart (see comparisons.one_slip).
    given_name_slip: bool = False

    @property
    def given_name_differs(self) -> bool:
        return self.levels.get("given_name") == "different" and not self.given_name_slip

    def agrees_on_identity(self) -> bool:
        """False when the given name or the date of birth plainly disagree.

        Twins, and a father and son at one address, share a household's surname, postcode,
        phone and email; those agreements are not independent evidence, so a pair whose given
        name or date of birth differs outright is never linked without a person looking at it.
        Not plainly different: a given name within Jaro–Winkler 0.8 or one slip away (two letters
        transposed, one dropped or added); a date of birth with day and month swapped or one or
        two characters different (a digit mistyped, two digits transposed).
        """
        return not self.given_name_differs and self.levels.get("date_of_birth") != "different"

    def plausible(self) -> bool:
        """False for a different given name without a date of birth that agrees: another member of the household.

        A mother and child, or a partner named as a household contact without a date of birth,
        share a surname, postcode and phone; those are the household's, not the person's, so
        such a pair is not even worth a reviewer's time.
        """
        if not self.given_name_differs:
            return True
        return self.levels.get("date_of_birth") in DOB_AGREES


DOB_AGREES = frozenset({"exact", "day and month swapped", "one character different"})


def probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds = 2.0**weight
    return odds / (1 + odds)


class LinkageModel:
    def __init__(self, document: dict[str, Any], path: Path | None = None) -> None:
        if document.get("format") != MODEL_FORMAT:
            raise ModelError(f"{path or 'The model'} is not a localtrace linkage model ({MODEL_FORMAT}).")
        self.document = document
        self.path = path
        splink = document["splink_settings"]
        self.splink_settings: dict[str, Any] = splink
        prior = float(splink["probability_two_random_records_match"])
        self.prior_weight = math.log2(prior / (1 - prior))
        self.term_frequencies: dict[str, dict[str, float]] = document.get("term_frequencies", {})
        self._tf_floor = {column: min(values.values()) for column, values in self.term_frequencies.items() if values}
        by_name = {c["output_column_name"]: c for c in splink["comparisons"]}
        self.parameters: dict[str, list[LevelParameters]] = {}
        for comparison in COMPARISONS:
            trained = by_name.get(comparison.name)
            if trained is None:
                raise ModelError(f"The model has no comparison for {comparison.name}: retrain it.")
            levels = trained["comparison_levels"]
            labels = [level.get("label_for_charts") for level in levels]
            if labels != [level.label for level in comparison.levels]:
                raise ModelError(f"The model's levels for {comparison.name} ({labels}) do not match this version.")
            self.parameters[comparison.name] = [self._level(level) for level in levels]

    @staticmethod
    def _level(level: dict[str, Any]) -> LevelParameters:
        is_null = bool(level.get("is_null_level"))
        m, u = level.get("m_probability"), level.get("u_probability")
        if is_null:
            weight, u = 0.0, 1.0
        else:
            if m is None or u is None:
                raise ModelError(f"Level {level.get('label_for_charts')!r} has no trained m or u probability.")
            weight = math.log2(max(m, 1e-12) / max(u, 1e-12))
        return LevelParameters(
            label=level.get("label_for_charts", ""),
            is_null=is_null,
            log2_bayes_factor=weight,
            u_probability=float(u),
            tf_column=level.get("tf_adjustment_column"),
            tf_weight=float(level.get("tf_adjustment_weight", 1.0) or 0.0),
            tf_minimum_u=float(level.get("tf_minimum_u_value", 0.0) or 0.0),
        )

    @property
    def description(self) -> str:
        return str(self.document.get("trained_on", ""))

    def _term_frequency(self, column: str, value: str) -> float | None:
        table = self.term_frequencies.get(column)
        if not table:
            return None
        return table.get(value, self._tf_floor[column])

    def score(self, left: Row, right: Row) -> Score:
        weight = self.prior_weight
        levels: dict[str, str] = {}
        indices: dict[str, int] = {}
        for comparison in COMPARISONS:
            index = comparison.level_of(left, right)
            level = self.parameters[comparison.name][index]
            weight += level.log2_bayes_factor
            if level.tf_column and level.tf_weight:
                tf = self._term_frequency(level.tf_column, left[level.tf_column])
                if tf is not None:
                    tf = max(tf, level.tf_minimum_u)
                    weight += level.tf_weight * math.log2(level.u_probability / tf)
            levels[comparison.name] = level.label
            indices[comparison.name] = index
        slip = levels["given_name"] == "different" and one_slip(left["given_name"], right["given_name"])
        return Score(weight, probability(weight), levels, indices, given_name_slip=slip)

    def comparison(self, name: str) -> Comparison:
        return next(c for c in COMPARISONS if c.name == name)


def load_model(path: str | Path) -> LinkageModel:
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"There is no linkage model at {path}.") from None
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"The linkage model at {path} cannot be read: {error}") from None
    return LinkageModel(document, path)


@functools.lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> LinkageModel:
    return load_model(path)


def current_model() -> LinkageModel:
    """The configured model, reloaded when its file changes (after `localtrace linkage train`)."""
    path = Path(getattr(settings, "LINKAGE_MODEL_PATH", "") or DEFAULT_MODEL_PATH)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise ModelError(f"There is no linkage model at {path}.") from None
    return _cached(str(path), mtime)


@dataclass(frozen=True)
class Thresholds:
    link_above: float
    review_above: float


def thresholds() -> Thresholds:
    return Thresholds(
        link_above=float(getattr(settings, "LINKAGE_LINK_ABOVE", 0.99)),
        review_above=float(getattr(settings, "LINKAGE_REVIEW_ABOVE", 0.5)),
    )
