"""Parquet snapshots of the tables cluster detection reads, and DuckDB over them.

`export_snapshot` writes one Parquet file per table (only the columns detection needs, no names,
no contact details: addresses are there because households are found from them), streamed in
batches so memory does not grow with history. `duckdb_over` opens an in-memory DuckDB whose views
carry the operational tables' names, so `detection.DETECTION_SQL` runs on it unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from localtrace.places.detection import TABLES

BATCH = 100_000
_INTEGER_COLUMNS = {"id", "case_id", "setting_id", "visited_day", "area_id", "person_id", "source_contact_id"}


def schema_for(table: str) -> Any:
    import pyarrow as pa

    return pa.schema([(column, pa.int64() if column in _INTEGER_COLUMNS else pa.string()) for column in TABLES[table]])


def export_snapshot(folder: Path, *, using: str = "default") -> dict[str, int]:
    """Write <folder>/<table>.parquet for each table detection reads; returns rows written per table."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import connections

    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    connection = connections[using]
    for table, columns in TABLES.items():
        schema = schema_for(table)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        target = folder / f"{table}.parquet"
        partial = target.with_suffix(".parquet.partial")
        count = 0
        with connection.cursor() as cursor, pq.ParquetWriter(partial, schema) as writer:
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)} ORDER BY id")  # noqa: S608
            while rows := cursor.fetchmany(BATCH):
                writer.write_table(pa.Table.from_pylist([dict(zip(columns, row, strict=True)) for row in rows], schema))
                count += len(rows)
        partial.replace(target)  # a reader never sees half a snapshot file
        written[table] = count
    return written


def duckdb_over(folder: Path) -> Any:
    """An in-memory DuckDB connection with a view per snapshot table, named as in the operational database."""
    import duckdb

    connection = duckdb.connect()
    for table in TABLES:
        path = folder / f"{table}.parquet"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: export a snapshot first")
        literal = str(path).replace("'", "''")
        connection.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{literal}')")  # noqa: S608
    return connection
