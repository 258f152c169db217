"""Fast multi-row inserts for the intake's hot path, on SQLite and PostgreSQL alike.

Django's bulk_create prepares every value of every row through the field machinery;
for a million results that is most of the import time. Here each column's
converter is chosen once, and rows go in as multi-row INSERT … RETURNING id.
On SQLite, new ids are matched to rows by sorting them (rows of one statement are
numbered in the order given); on PostgreSQL the ids are drawn from the sequence first
and the rows are copied in with them, which is several times faster again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

ROWS_PER_STATEMENT = 500


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(
        field, models.ForeignKey | models.CharField | models.TextField | models.IntegerField | models.BooleanField
    ):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


def insert_returning_ids(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert the rows (values in `columns` order, foreign keys as ids) and return their new ids, in order."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_returning_ids(model, columns, rows)
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    converters = [_converter(field) for field in fields]  # type: ignore[arg-type]
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote(str(field.column)) for field in fields)  # type: ignore[union-attr]
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            params = [convert(value) for row in chunk for convert, value in zip(converters, row, strict=True)]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({column_sql}) VALUES {', '.join([one_row] * len(chunk))} "  # noqa: S608
                f"RETURNING {quote(meta.pk.column)}",
                params,
            )
            # Ids rise in insertion order within one statement, whatever order RETURNING reports.
            ids.extend(sorted(row[0] for row in cursor.fetchall()))
    if len(ids) != len(rows):
        raise RuntimeError(f"Inserted {len(rows)} rows into {meta.db_table} but got {len(ids)} ids back.")
    return ids


def _copy_returning_ids(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """PostgreSQL: take ids from the table's sequence, then COPY the rows in (the fastest way in)."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in columns]
    pk_column = str(meta.pk.column)
    with connection.cursor() as cursor:
        # The sequence's name is looked up once: pg_get_serial_sequence() inside the statement ran
        # once per row and cost several times what nextval() itself does.
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, pk_column])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, len(rows)])
        ids = [row[0] for row in cursor.fetchall()]
        column_sql = ", ".join(quote(c) for c in [pk_column, *(str(f.column) for f in fields)])  # type: ignore[union-attr]
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({column_sql}) FROM STDIN") as copy:
            for new_id, row in zip(ids, rows, strict=True):
                copy.write_row((new_id, *row))
    return ids
