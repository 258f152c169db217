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

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Lookup
from django.db.models.sql.compiler import SQLCompiler


@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[Any]:
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def process_rhs(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        values = [self.lhs.output_field.get_db_prep_value(value, connection, prepared=True) for value in self.rhs]
        if connection.vendor == "postgresql":
            return "%s", [values]
        return "%s", [json.dumps(values, default=_json_value)]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]
        # lhs and rhs are compiled SQL fragments with placeholders, never values.
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]  # noqa: S608


def _json_value(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be an any_of value")
