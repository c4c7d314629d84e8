"""The databases a SQL block runs on: how each connects from an io_config.yaml profile, names and quotes tables,
receives an upstream output as a table, runs statements and returns rows.

Each connects through the `mage_ai.io` connector of its provider (`with_config` on the profile), so a SQL block and a
Python block using that connector reach the same database the same way, and a missing driver is the connector's error
naming the package for requirements.txt. Upstream outputs arrive as Arrow tables (every table output is stored as
Arrow): DuckDB creates its table straight from the Arrow data, PostgreSQL receives it with `COPY ... FROM STDIN`,
MySQL/MariaDB with batched multi-row INSERTs. The warehouses (BigQuery, Snowflake, Redshift, SQL Server, ClickHouse,
Trino) are in `warehouses.py`, on the same `Database` base.
"""

import io
import json
import re

from mage_ai.io.base import clean_name
from mage_ai.io.config import ConfigKey

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_REGISTERED = "__wand_upstream"


def _cleaned(table):
    """The Arrow table with Mage's cleaned column names (lower case, non-word characters as `_`)."""
    return table.rename_columns([clean_name(name) for name in table.column_names])


class Database:
    """What every SQL dialect provides. `schema` arguments may be None where the database has no schemas; `catalog`
    (a BigQuery project, a Snowflake, Redshift or ClickHouse database, a Trino catalog) is None where tables are not
    named by one."""

    title = "SQL"
    has_schemas = True
    # Whether upstream tables are written to a schema of their own (Mage writes DuckDB's to the default one).
    upstream_has_schema = True
    # Whether the block cannot name its tables without a schema (BigQuery's dataset has no default).
    requires_schema = False
    # Whether `disable_query_preprocessing` text goes to the database in one call (else statement by statement).
    runs_text_whole = True
    # Whether `unique_upstream_table_name` gives upstream tables a suffix (Mage reads it for Trino only).
    unique_upstream_names = False
    quote_char = '"'
    # Where an error message names the line of the statement it failed at (its one group is the number).
    line_pattern = re.compile(r"\bLINE (\d+):")

    def __init__(self, settings, configuration=None, text=""):
        self.settings = settings
        self.configuration = configuration or {}
        self.connector = self.open_connector(settings)
        self.connection = self.connect()
        self.catalog = self.default_catalog()

    def connector_class(self):
        """The `mage_ai.io` class that opens the connection."""
        raise NotImplementedError

    def open_connector(self, settings):
        return self.connector_class().with_config(settings)

    def connect(self):
        """What statements run on: the DB-API connection (a client for BigQuery and ClickHouse)."""
        return self.connector.conn

    # Names

    def ident(self, name):
        """`name` as written in SQL: as is when it is a plain identifier (as Mage writes it), else quoted."""
        if _PLAIN_NAME.fullmatch(name):
            return name
        q = self.quote_char
        return q + name.replace(q, q + q) + q

    def qualified(self, schema, table, catalog=None):
        return f"{self.ident(schema)}.{self.ident(table)}" if schema else self.ident(table)

    def default_catalog(self):
        return None

    def default_schema(self):
        return None

    def block_schema(self):
        """The schema of the block's table: `data_provider_schema`, else the profile's."""
        return self.configuration.get("data_provider_schema") or self.default_schema()

    def upstream_ref(self, schema, table, catalog=None):
        """What `{{ df_n }}` becomes for an upstream table."""
        return self.qualified(schema, table, catalog)

    # The statements a block's table is written with

    def create_as(self, target):
        """How the last statement's rows become a new table: (prefix, suffix) pairs, each run around it in turn."""
        return [(f"CREATE TABLE {target} AS\n", "")]

    def insert_into(self, target):
        return (f"INSERT INTO {target}\n", "")

    def drop(self, target):
        return f"DROP TABLE {target}"

    def select_rows(self, target, limit):
        return f"SELECT * FROM {target} LIMIT {limit}"

    # Work

    def execute(self, sql, params=None):
        cursor = self.connection.cursor()
        try:
            if params is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, params)
        finally:
            cursor.close()

    def fetch(self, sql):
        """The rows of `sql` as an Arrow table (an empty DataFrame for a statement that returns no rows)."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            if cursor.description is None:
                import pandas as pd

                return pd.DataFrame()
            names = [column[0] for column in cursor.description]
            return _rows_to_arrow(names, cursor.fetchall())
        finally:
            cursor.close()

    def exists(self, schema, table):
        raise NotImplementedError

    def create_schema(self, schema):
        if schema:
            self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.ident(schema)}")

    def write_upstream(self, table, schema, name, catalog=None):
        """Replaces the table `schema.name` by the rows of an Arrow table."""
        raise NotImplementedError

    def commit(self):
        self.connection.commit()

    def rollback(self):
        self.connection.rollback()

    def close(self):
        self.connector.close()

    def column_type(self, kind):
        """The column type for an Arrow type: the first of `column_types` (`pyarrow.types` tests) that matches."""
        import pyarrow as pa

        for test, name in self.column_types:
            if getattr(pa.types, test)(kind):
                return name(kind) if callable(name) else name
        return self.text_type

    # Errors

    def error_message(self, error):
        return str(error).strip()

    def error_line(self, error, sql):
        """The line of the failing statement `sql` a database error points at (1-based), when it says."""
        found = self.line_pattern.search(str(error)) if self.line_pattern else None
        return int(found.group(1)) if found else None

    def relined(self, message, line):
        """The message with the statement's line number it names replaced by the rendered SQL's `line`."""
        if not self.line_pattern:
            return message

        def replace(found):
            start, end = found.start(1) - found.start(0), found.end(1) - found.start(0)
            return found.group(0)[:start] + str(line) + found.group(0)[end:]

        return self.line_pattern.sub(replace, message)


class DuckDB(Database):
    title = "DuckDB"
    upstream_has_schema = False

    def connector_class(self):
        from mage_ai.io.duckdb import DuckDB

        return DuckDB

    def default_schema(self):
        return self.settings.get(ConfigKey.DUCKDB_SCHEMA) or "main"

    def execute(self, sql, params=None):
        self.connection.execute(sql, params)

    def fetch(self, sql):
        """DuckDB hands its rows over as Arrow; they are stored as Arrow without a detour through pandas."""
        relation = self.connection.sql(sql)
        if relation is None:
            import pandas as pd

            return pd.DataFrame()
        return _plain_decimals(relation.to_arrow_table())

    def exists(self, schema, table):
        rows = self.connection.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema or self.default_schema(), table],
        ).fetchall()
        return bool(rows)

    def write_upstream(self, table, schema, name, catalog=None):
        # The Arrow data is scanned in place: no rows pass through Python.
        self.connection.register(_REGISTERED, _cleaned(table))
        try:
            target = self.qualified(schema or self.default_schema(), name)
            self.create_schema(schema or self.default_schema())
            self.connection.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {_REGISTERED}")
        finally:
            self.connection.unregister(_REGISTERED)

    def commit(self):
        pass

    def rollback(self):
        pass


class Postgres(Database):
    title = "PostgreSQL"

    column_types = (
        ("is_boolean", "BOOLEAN"),
        ("is_integer", "BIGINT"),
        ("is_floating", "DOUBLE PRECISION"),
        ("is_decimal", "NUMERIC"),
        ("is_timestamp", lambda kind: "TIMESTAMPTZ" if kind.tz else "TIMESTAMP"),
        ("is_date", "DATE"),
        ("is_time", "TIME"),
        ("is_duration", "INTERVAL"),
        ("is_binary", "BYTEA"),
        ("is_large_binary", "BYTEA"),
    )
    text_type = "TEXT"

    def connector_class(self):
        from mage_ai.io.postgres import Postgres

        return Postgres

    def default_schema(self):
        return self.settings.get(ConfigKey.POSTGRES_SCHEMA) or "public"

    def upstream_ref(self, schema, table, catalog=None):
        # As Mage writes it: the database quoted, then schema and table.
        database = self.settings.get(ConfigKey.POSTGRES_DBNAME)
        prefix = f'"{database}".' if database else ""
        return prefix + self.qualified(schema, table)

    def exists(self, schema, table):
        cursor = self.connection.cursor()
        try:
            cursor.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                (schema or self.default_schema(), table),
            )
            return bool(cursor.fetchall())
        finally:
            cursor.close()

    def write_upstream(self, table, schema, name, catalog=None):
        import pyarrow.csv as pacsv

        table = _cleaned(_textual_nested(table))
        target = self.qualified(schema, name)
        self.create_schema(schema)
        self.execute(f"DROP TABLE IF EXISTS {target}")
        columns = ", ".join(f"{self.ident(field.name)} {self.column_type(field.type)}" for field in table.schema)
        self.execute(f"CREATE TABLE {target} ({columns})")
        if table.num_rows == 0:
            return
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False, quoting_style="all_valid"))
        buffer.seek(0)
        names = ", ".join(self.ident(column) for column in table.column_names)
        copy = f"COPY {target} ({names}) FROM STDIN WITH (FORMAT csv)"
        cursor = self.connection.cursor()
        try:
            if hasattr(cursor, "copy_expert"):  # psycopg2
                cursor.copy_expert(copy, buffer)
            else:  # psycopg 3
                with cursor.copy(copy) as stream:
                    stream.write(buffer.getvalue())
        finally:
            cursor.close()


class MySQL(Database):
    title = "MySQL"
    has_schemas = False
    upstream_has_schema = False
    quote_char = "`"
    line_pattern = re.compile(r"\bat line (\d+)")
    batch_rows = 5000

    column_types = (
        ("is_boolean", "BOOLEAN"),
        ("is_integer", "BIGINT"),
        ("is_floating", "DOUBLE"),
        ("is_decimal", lambda kind: f"DECIMAL({min(kind.precision, 65)}, {min(kind.scale, 30)})"),
        ("is_timestamp", "DATETIME(6)"),
        ("is_date", "DATE"),
        ("is_time", "TIME(6)"),
        ("is_binary", "LONGBLOB"),
        ("is_large_binary", "LONGBLOB"),
    )
    text_type = "LONGTEXT"

    def connector_class(self):
        from mage_ai.io.mysql import MySQL

        return MySQL

    def qualified(self, schema, table, catalog=None):
        return self.ident(table)

    def create_schema(self, schema):
        pass

    def exists(self, schema, table):
        cursor = self.connection.cursor()
        try:
            cursor.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = %s", (table,)
            )
            return bool(cursor.fetchall())
        finally:
            cursor.close()

    def write_upstream(self, table, schema, name, catalog=None):
        table = _cleaned(_textual_nested(table))
        target = self.ident(name)
        self.execute(f"DROP TABLE IF EXISTS {target}")
        columns = ", ".join(f"{self.ident(field.name)} {self.column_type(field.type)}" for field in table.schema)
        self.execute(f"CREATE TABLE {target} ({columns})")
        names = ", ".join(self.ident(column) for column in table.column_names)
        slots = ", ".join(["%s"] * table.num_columns)
        insert = f"INSERT INTO {target} ({names}) VALUES ({slots})"
        cursor = self.connection.cursor()
        try:
            for batch in table.to_batches(self.batch_rows):
                columns = [column.to_pylist() for column in batch.columns]
                cursor.executemany(insert, list(zip(*columns)))
        finally:
            cursor.close()


def _rows_to_arrow(names, rows):
    """Driver rows (tuples) as an Arrow table, column types inferred from the values, decimals made plain."""
    import pyarrow as pa

    columns = list(zip(*rows)) if rows else [() for _ in names]
    arrays = [pa.array(list(values)) for values in columns]
    return _plain_decimals(pa.Table.from_arrays(arrays, names=names))


def _plain_decimals(table):
    """Decimal columns as Mage's downstream blocks get them: whole numbers (a SUM of integers is a HUGEINT in DuckDB,
    a NUMERIC in PostgreSQL) as int64, the others as float64."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for index, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            column = table.column(index)
            whole = field.type.scale == 0 and _fits_int64(pc, column)
            table = table.set_column(index, field.name, column.cast(pa.int64() if whole else pa.float64()))
    return table


def _fits_int64(pc, column):
    if column.null_count == len(column):
        return True
    bounds = pc.min_max(column)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    limit = 2**63
    return (low is None or low >= -limit) and (high is None or high < limit)


def _textual_nested(table):
    """Lists, structs and maps as JSON text, which every database can store."""
    import pyarrow as pa

    for index, field in enumerate(table.schema):
        if pa.types.is_nested(field.type):
            values = pa.array(
                [
                    None if value is None else json.dumps(value, default=str)
                    for value in table.column(index).to_pylist()
                ],
                pa.string(),
            )
            table = table.set_column(index, field.name, values)
    return table
