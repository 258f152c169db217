"""The fictional geography: ONSPD-style postcodes in a strict UK format, and named areas."""

from __future__ import annotations

import re

from localtrace.simulate import Summary
from localtrace.simulate.constants import POSTCODE_COLUMNS, REAL_POSTCODE_AREAS

from .helpers import read_csv, read_rows

# Strict UK postcode format: area letters (no Q, V, X first; no I, J, Z second), a district
# of 9, 99, 9A forms, then a digit and two letters other than C, I, K, M, O, V.
POSTCODE = re.compile(
    r"^(?P<area>[A-PR-UWYZ][A-HK-Y]?)"
    r"(?P<district>[0-9][0-9]?|[0-9][A-HJKPSTUW]|[0-9][ABEHMNPRVWXY])"
    r" [0-9][ABD-HJLNP-UW-Z]{2}$"
)


def test_postcode_file_has_exactly_the_onspd_header(small_run: Summary) -> None:
    header, rows = read_rows(small_run.paths["postcodes"])
    assert header == list(POSTCODE_COLUMNS)
    assert rows


def test_every_postcode_is_strictly_formatted_and_in_no_real_postcode_area(small_run: Summary) -> None:
    for row in read_csv(small_run.paths["postcodes"]):
        match = POSTCODE.match(row["pcds"])
        assert match, row["pcds"]
        assert match["area"] not in REAL_POSTCODE_AREAS


def test_seven_and_eight_character_forms_follow_onspd(small_run: Summary) -> None:
    for row in read_csv(small_run.paths["postcodes"]):
        outward, inward = row["pcds"].split(" ")
        assert len(row["pcd"]) == 7 and row["pcd"].endswith(inward)
        assert row["pcd"].replace(" ", "") == outward + inward
        assert len(row["pcd2"]) == 8 and row["pcd2"] == f"{outward:<4} {inward}"


def test_area_codes_are_fictional_and_named(small_run: Summary) -> None:
    areas = {row["code"]: row for row in read_csv(small_run.paths["area_names"])}
    assert {row["level"] for row in areas.values()} <= {"nation", "region", "county", "unitary", "district"}
    postcodes = read_csv(small_run.paths["postcodes"])
    for row in postcodes:
        assert row["ctry"] in ("E92000001", "W92000004")
        assert row["ctry"] in areas
        assert row["oslaua"] in areas
        assert re.fullmatch(r"[EW]0[67]0009\d\d", row["oslaua"])
        if row["oslaua"].startswith("E07"):
            assert re.fullmatch(r"E100009\d\d", row["oscty"]) and row["oscty"] in areas
            assert row["rgn"] in areas and row["rgn"].startswith("E12")
        else:
            assert row["oscty"] in ("E99999999", "W99999999")
    welsh = [row for row in postcodes if row["ctry"] == "W92000004"]
    assert welsh and all(row["oslaua"].startswith("W06") for row in welsh)


def test_a_few_postcodes_are_terminated_and_nobody_lives_at_one(outbreak_run: Summary) -> None:
    postcodes = read_csv(outbreak_run.paths["postcodes"])
    for row in postcodes:
        assert re.fullmatch(r"(19|20)\d\d(0[1-9]|1[0-2])", row["dointr"])
        if row["doterm"]:
            assert re.fullmatch(r"(19|20)\d\d(0[1-9]|1[0-2])", row["doterm"])
            assert row["doterm"] > row["dointr"]
    terminated = {row["pcds"] for row in postcodes if row["doterm"]}
    assert 0 < len(terminated) < 0.05 * len(postcodes)
    households = read_csv(outbreak_run.paths["households"])
    assert not terminated & {household["postcode"] for household in households}
    assert {household["postcode"] for household in households} <= {row["pcds"] for row in postcodes}
