"""Batch deduplication over every person: DuckDB by default, the same job on a local Spark session."""

from __future__ import annotations

import datetime as dt
import io
import shutil

import pytest
from django.core.management import call_command
from django.db import connection

from localtrace.people.dedupe import dedupe
from localtrace.people.models import DuplicateReview, Merge, Person
from tests.personas import World


def population() -> dict[str, Person]:
    """A sure duplicate, an unsure one, a kept-apart pair, a household, and strangers."""

    def person(given: str, family: str, born: dt.date | None, **more: str) -> Person:
        return Person.objects.create(given_name=given, family_name=family, date_of_birth=born, **more)

    people = {
        "anna": person("Anna", "Kowalczyk", dt.date(1986, 3, 9), postcode="FX1 1AB", phone="+447911123456"),
        "anna_typo": person("Anna", "Kowalcyzk", dt.date(1986, 3, 9), postcode="FX1 1AB", phone="+447911123456"),
        "zofia": person("Zofia", "Kowalczyk", dt.date(2015, 6, 30), postcode="FX1 1AB", phone="+447911123456"),
        "david": person("David", "Evans", dt.date(1962, 7, 21), postcode="FX1 1AB", email="d.evans@example.org"),
        "david_son": person("David", "Evans", dt.date(1994, 2, 11), postcode="FX1 1AB", email="d.evans@example.org"),
        "huw": person("Huw", "Jenkins", dt.date(1990, 1, 1), postcode="GX10 4DG"),
        "hugh": person("Hugh", "Jenkins", dt.date(1990, 1, 1), postcode="GX10 4DG"),
        "erin": person("Erin", "Delacy", dt.date(1977, 8, 14), postcode="GX10 4DG", phone="+447700900123"),
        # Names swapped, and the family name misspelt as well: a level of its own on either engine.
        "erin_swapped": person("Delcay", "Erin", dt.date(1977, 8, 14), postcode="GX10 4DG", phone="+447700900123"),
    }
    for n in range(20):
        person(f"Stranger{n}", f"Family{n}", dt.date(1950 + n, 1 + n % 12, 1 + n), postcode="FX1 1AB")
    first, second = sorted((people["huw"].pk, people["hugh"].pk))
    DuplicateReview.objects.create(
        first_id=first, second_id=second, match_probability=0.8, match_weight=2,
        status=DuplicateReview.Status.KEPT_APART,
    )  # fmt: skip
    return people


def check(report, people: dict[str, Person]) -> None:  # type: ignore[no-untyped-def]
    assert report.auto_linked == 2
    assert Person.objects.get(pk=people["anna_typo"].pk).merged_into_id == people["anna"].pk
    assert Person.objects.get(pk=people["erin_swapped"].pk).merged_into_id == people["erin"].pk
    for merge in Merge.objects.all():
        assert merge.review is not None and merge.review.source == DuplicateReview.Source.DEDUPE
    # The father and son share a name, an address and an email: a person decides.
    review = DuplicateReview.objects.get(first=people["david"], second=people["david_son"])
    assert review.status == DuplicateReview.Status.OPEN
    assert report.sent_to_review == 1
    assert report.already_decided == 1  # Huw and Hugh were kept apart before
    assert not DuplicateReview.objects.filter(second=people["zofia"]).exists()
    assert report.people == 29 + 2  # and the two people of the test world


@pytest.mark.django_db
def test_dedupe_on_duckdb_links_the_sure_pairs_and_queues_the_unsure(world: World) -> None:
    people = population()
    report = dedupe(engine="duckdb")
    check(report, people)
    again = dedupe(engine="duckdb")
    assert again.auto_linked == 0 and again.sent_to_review == 0  # decided pairs are not asked about again


@pytest.mark.django_db
def test_the_command_prints_its_report(world: World) -> None:
    population()
    out = io.StringIO()
    call_command("dedupe", stdout=out, stderr=io.StringIO())
    assert "Linked automatically: 2" in out.getvalue()
    assert "Sent to review: 1" in out.getvalue()


@pytest.mark.spark
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java, which is not installed")
# The people are read from the database the same way for either engine, and DuckDB's run is tested on both
# databases; Spark's minute is spent once.
@pytest.mark.skipif(connection.vendor == "postgresql", reason="Spark's job does not depend on the database")
@pytest.mark.django_db
def test_dedupe_on_spark_reaches_the_same_decisions(world: World) -> None:
    people = population()
    check(dedupe(engine="spark"), people)
