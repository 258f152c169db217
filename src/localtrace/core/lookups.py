"""`field__any_of=values`: membership in a long list of values, sent as one parameter.

`field__in=[…2,000 values…]` makes 2,000 query parameters, which Django compiles one by one and
psycopg splices into the query text in Python: on the intake's per-batch lookups that cost more
than the queries. `any_of` sends the list as a single value: an array on PostgreSQL
(`= ANY(%s)`), a JSON array on SQLite (`IN (SELECT value FROM json_each(%s))`). Both use the
column's index.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Lookup
from django.db.models.sql.compiler import SQLCompiler

# Text values go to PostgreSQL as one string split on the server: psycopg writes an array literal
# in Python, element by element, which cost as much as the query on a 2,000-value list.
_SEPARATOR = "\x1f"  # the ASCII unit separator; a list holding it is sent as an array instead
_TEXT_FIELDS = {"CharField", "TextField", "EmailField", "SlugField"}


@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def _plain_text(self, values: list[Any]) -> bool:
        # Asked up to three times per query about the same list of thousands: worked out once.
        known = self.__dict__.get("_plain_text_of")
        if known is not None and known[0] is values:
            return bool(known[1])
        plain = self.lhs.output_field.get_internal_type() in _TEXT_FIELDS and set(map(type, values)) <= {str}
        self.__dict__["_plain_text_of"] = (values, plain)
        return plain

    def get_prep_lookup(self) -> list[Any]:
        values = list(self.rhs)
        if self._plain_text(values):
            return values
        return [self.lhs.output_field.get_prep_value(value) for value in values]

    def process_rhs(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        values = self.rhs
        if not self._plain_text(values):
            values = [self.lhs.output_field.get_db_prep_value(value, connection, prepared=True) for value in values]
        if connection.vendor == "postgresql":
            if self._plain_text(values):
                return text_array(values)
            return "%s", [values]
        return "%s", [json.dumps(values, default=_json_value)]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]
        # lhs and rhs are compiled SQL fragments with placeholders, never values.
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]  # noqa: S608


def text_array(values: list[str]) -> tuple[str, list[Any]]:
    """SQL and parameters for a PostgreSQL text array of `values`: one string split by the server when
    no value is empty or holds the separator, else an array psycopg writes element by element."""
    # Checked in C (all() on the list, `in` on one string): these lists run to thousands of values.
    if values and all(values) and _SEPARATOR not in "".join(values):
        return "string_to_array(%s, E'\\x1f')", [_SEPARATOR.join(values)]
    return "%s::text[]", [values]


def index_probes(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """PostgreSQL: run `sql`, a list (unnest) driving a LATERAL subquery with OFFSET 0 on a table, as
    one index probe per entry, with sequential scans, hash joins and merge joins off for the statement.

    Left to itself, while a table was young (a first large import, its statistics still those of an
    almost empty table), the planner hashed or scanned the whole table for every batch, or read all of
    it as the outer side of the join: costs that grew with every batch and passed those of the probes.
    The LATERAL subquery (OFFSET 0 keeps it from being flattened) fixes the list as the outer side.
    """
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"
        )
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        cursor.execute("RESET enable_seqscan; RESET enable_hashjoin; RESET enable_mergejoin")
    return rows


def _json_value(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be an any_of value")
