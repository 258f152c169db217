"""insert_returning_ids stores exactly the values given and returns ids in order, on both databases
(COPY on PostgreSQL, multi-row INSERT on SQLite): the two paths must store identical rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from localtrace.core.bulk import ROWS_PER_STATEMENT, insert_returning_ids
from localtrace.people.matching import PERSON_COLUMNS
from localtrace.people.models import Person

AWKWARD = ["Ann", "O'Brien", "Zoë", "tab\there", "line\nbreak", "cr\rhere", "back\\slash", "\\N", "", "%s", '"q"']
# Every column a new person is written with (the intake's own list).
COLUMNS = PERSON_COLUMNS


@pytest.mark.django_db
def test_the_rows_read_back_exactly_as_given_and_the_ids_come_back_in_order() -> None:
    created = timezone.now().replace(microsecond=123456)
    rows = [
        (
            "" if i % 3 else "9434765919",
            AWKWARD[i % len(AWKWARD)],
            AWKWARD[(i * 7) % len(AWKWARD)] + str(i),
            None if i % 5 == 0 else dt.date(1950, 1, 1) + dt.timedelta(days=i),
            "female",
            AWKWARD[(i * 3) % len(AWKWARD)],
            "FX1 1AB",
            "+447911123456" if i % 2 else "",
            f"p{i}@example.org",
            "cy",
            f"key|{i}",
            "",
            "b|1950-01-01",
            "1950-01-01|FX11AB",
            f"given{i}|FX11AB",
            created,
        )
        for i in range(ROWS_PER_STATEMENT + 37)  # more than one statement's worth on SQLite
    ]
    ids = insert_returning_ids(Person, COLUMNS, rows)

    assert len(ids) == len(rows) == len(set(ids))
    stored = {values[0]: values[1:] for values in Person.objects.values_list("pk", *COLUMNS)}
    assert [stored[pk] for pk in ids] == rows


@pytest.mark.django_db
def test_no_rows_insert_nothing() -> None:
    assert insert_returning_ids(Person, COLUMNS, []) == []
    assert not Person.objects.exists()
