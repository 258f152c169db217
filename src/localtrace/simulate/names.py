"""Name, heritage and language lists (data/*.csv) and drawing from them.

The lists aim at the mix of names seen in England and Wales, not at any real person:
given and family names are drawn independently, so combinations are arbitrary.
"""

from __future__ import annotations

import csv
import dataclasses
from functools import cache
from importlib import resources

import numpy as np

FEMALE, MALE, OTHER_SEX = 0, 1, 2


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("localtrace.simulate").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclasses.dataclass(frozen=True)
class Heritage:
    """A naming tradition with its share of the population and its preferred languages."""

    name: str
    weight_england: float
    weight_wales: float
    languages_england: tuple[tuple[str, float], ...]
    languages_wales: tuple[tuple[str, float], ...]


@dataclasses.dataclass(frozen=True)
class NameBook:
    """All name lists, with per-heritage index ranges for fast vectorised draws."""

    heritages: tuple[Heritage, ...]
    given_names: tuple[str, ...]
    # given_by[heritage][sex] -> array of indices into given_names
    given_by: tuple[tuple[np.ndarray, np.ndarray], ...]
    family_names: tuple[str, ...]
    family_by: tuple[np.ndarray, ...]
    family_weights: tuple[np.ndarray, ...]
    languages: tuple[str, ...]
    place_names_en: tuple[str, ...]
    place_names_cy: tuple[str, ...]
    street_names_en: tuple[str, ...]
    street_names_cy: tuple[str, ...]

    def heritage_weights(self, welsh: bool) -> np.ndarray:
        weights = np.array([h.weight_wales if welsh else h.weight_england for h in self.heritages])
        return weights / weights.sum()

    def draw_heritage(self, rng: np.random.Generator, count: int, welsh: bool) -> np.ndarray:
        return rng.choice(len(self.heritages), size=count, p=self.heritage_weights(welsh)).astype(np.int8)

    def draw_family_names(self, rng: np.random.Generator, heritage: np.ndarray) -> np.ndarray:
        names = np.zeros(heritage.size, dtype=np.int16)
        for index in range(len(self.heritages)):
            where = np.flatnonzero(heritage == index)
            if where.size:
                names[where] = rng.choice(self.family_by[index], size=where.size, p=self.family_weights[index])
        return names

    def draw_given_names(self, rng: np.random.Generator, heritage: np.ndarray, sex: np.ndarray) -> np.ndarray:
        names = np.zeros(heritage.size, dtype=np.int16)
        # People of other sex take a name from either list.
        list_sex = np.where(sex == OTHER_SEX, rng.integers(0, 2, size=sex.size), sex)
        for index in range(len(self.heritages)):
            for sex_index in (FEMALE, MALE):
                where = np.flatnonzero((heritage == index) & (list_sex == sex_index))
                if where.size:
                    names[where] = rng.choice(self.given_by[index][sex_index], size=where.size)
        return names

    def draw_languages(self, rng: np.random.Generator, heritage: np.ndarray, welsh: np.ndarray) -> np.ndarray:
        """Index into self.languages of each person's preferred language (0 is English)."""
        chosen = np.zeros(heritage.size, dtype=np.int8)
        draw = rng.random(heritage.size)
        for index, heritage_entry in enumerate(self.heritages):
            for in_wales, options in (
                (False, heritage_entry.languages_england),
                (True, heritage_entry.languages_wales),
            ):
                where = (heritage == index) & (welsh == in_wales)
                threshold = 0.0
                for language, share in options:
                    hit = where & (draw >= threshold) & (draw < threshold + share)
                    chosen[hit] = self.languages.index(language)
                    threshold += share
        return chosen


def _parse_languages(text: str) -> tuple[tuple[str, float], ...]:
    if not text:
        return ()
    pairs = []
    for item in text.split(";"):
        code, share = item.split(":")
        pairs.append((code, float(share)))
    return tuple(pairs)


@cache
def load() -> NameBook:
    """The name book, read once per process."""
    heritages = tuple(
        Heritage(
            name=row["group"],
            weight_england=float(row["weight_england"]),
            weight_wales=float(row["weight_wales"]),
            languages_england=_parse_languages(row["language_england"]),
            languages_wales=_parse_languages(row["language_wales"]),
        )
        for row in _read_csv("heritage.csv")
    )
    index_of = {heritage.name: number for number, heritage in enumerate(heritages)}

    given_rows = _read_csv("given_names.csv")
    given_names = tuple(row["name"] for row in given_rows)
    given_by: list[tuple[np.ndarray, np.ndarray]] = []
    for heritage in heritages:
        female, male = (
            np.array(
                [i for i, row in enumerate(given_rows) if row["group"] == heritage.name and row["sex"] == sex],
                dtype=np.int16,
            )
            for sex in ("female", "male")
        )
        given_by.append((female, male))

    family_rows = _read_csv("family_names.csv")
    family_names = tuple(row["name"] for row in family_rows)
    family_by = []
    family_weights = []
    for heritage in heritages:
        rows = [i for i, row in enumerate(family_rows) if row["group"] == heritage.name]
        weights = np.array([float(family_rows[i]["weight"]) for i in rows])
        family_by.append(np.array(rows, dtype=np.int16))
        family_weights.append(weights / weights.sum())
    unknown = {row["group"] for row in given_rows + family_rows} - set(index_of)
    if unknown:
        raise ValueError(f"name lists use heritages missing from heritage.csv: {sorted(unknown)}")

    languages = ["en"]
    for heritage in heritages:
        for code, _ in heritage.languages_england + heritage.languages_wales:
            if code not in languages:
                languages.append(code)

    places = _read_csv("place_names.csv")
    streets = _read_csv("street_names.csv")
    return NameBook(
        heritages=heritages,
        given_names=given_names,
        given_by=tuple(given_by),
        family_names=family_names,
        family_by=tuple(family_by),
        family_weights=tuple(family_weights),
        languages=tuple(languages),
        place_names_en=tuple(row["name"] for row in places if row["language"] == "en"),
        place_names_cy=tuple(row["name"] for row in places if row["language"] == "cy"),
        street_names_en=tuple(row["name"] for row in streets if row["language"] == "en"),
        street_names_cy=tuple(row["name"] for row in streets if row["language"] == "cy"),
    )
