"""SQL blocks on Mage's warehouse providers: BigQuery, Snowflake, Redshift, SQL Server (`mssql`), ClickHouse and
Trino, each a `Database` (see `databases.py`) with the semantics of Mage 0.9.80's SQL block for it
(mage_ai/data_preparation/models/block/sql/<provider>.py and its branch in sql/__init__.py).

How `{{ df_n }}` names an upstream table, as Mage writes it: BigQuery `project.dataset.table`, Snowflake
`"DB"."SCHEMA"."TABLE"` (upper case), Redshift `database.schema.table`, SQL Server `schema.table`, ClickHouse the bare
table (in the profile's database), Trino `catalog.schema.table`. The database part is `data_provider_database` when
set, else the profile's (BigQuery: the client's project).

Upstream outputs go through the connector's own bulk path where the driver has one, as in Mage: BigQuery a load job,
Snowflake `write_pandas`, ClickHouse `insert_df` (into a Memory-engine table, as Mage creates it). Redshift, SQL Server
and Trino get a typed CREATE TABLE and multi-row parameterised INSERTs (Mage's one INSERT of literals or one
round trip per row would not carry a large table).

Where Mage 0.9.80 writes a table in one place and reads it from another (SQL Server and ClickHouse when the schema or
database is not the connection's, BigQuery and Trino with a `data_provider_database` other than the profile's), Wand
names the same table in both.
"""

import re

from wand_runtime.sql.databases import Database, Postgres, _cleaned, _plain_decimals, _rows_to_arrow, _textual_nested


def _literal(text):
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _has_rows(database, sql):
    return len(database.fetch(sql)) > 0


class BigQuery(Database):
    title = "BigQuery"
    requires_schema = True
    quote_char = "`"
    line_pattern = re.compile(r"\bat \[(\d+):\d+\]")

    def connector_class(self):
        from mage_ai.io.bigquery import BigQuery

        return BigQuery

    def connect(self):
        return self.connector.client

    def default_catalog(self):
        return self.configuration.get("data_provider_database") or self.connector.default_database()

    def qualified(self, schema, table, catalog=None):
        # The statements Wand writes quote the whole path (a project may have dashes).
        return "`" + ".".join(part for part in (catalog or self.catalog, schema, table) if part) + "`"

    def upstream_ref(self, schema, table, catalog=None):
        return ".".join(part for part in (catalog or self.catalog, schema, table) if part)

    def execute(self, sql, params=None):
        self.connection.query(sql).result()

    def fetch(self, sql):
        return _plain_decimals(self.connection.query(sql).result().to_arrow())

    def exists(self, schema, table):
        # Mage's look-up (mage_ai/io/bigquery.py export).
        return _has_rows(
            self,
            f"SELECT 1 FROM `{self.catalog}.{schema}.__TABLES_SUMMARY__` WHERE table_id = {_literal(table)}",
        )

    def create_schema(self, schema):
        self.connection.create_dataset(f"{self.catalog}.{schema}", exists_ok=True)

    def write_upstream(self, table, schema, name, catalog=None):
        # A load job with WRITE_TRUNCATE, as Mage's create_upstream_block_tables (sql/bigquery.py) exports it.
        self.connector.export(table.to_pandas(), f"{catalog or self.catalog}.{schema}.{name}", if_exists="replace")

    def commit(self):
        pass

    def rollback(self):
        pass

    def close(self):
        self.connection.close()


# Mage's table_name_parts_from_query (sql/utils/shared.py): a non-raw Snowflake block whose SQL reads
# `FROM db.schema.table` writes its table to that database and schema.
_FROM_THREE_PARTS = re.compile(r"[^.+]from\s(\S+)\.(\S+)\.(\S+[^;\s]+)", re.IGNORECASE)


class Snowflake(Database):
    title = "Snowflake"
    requires_schema = True
    line_pattern = re.compile(r"\bline (\d+) at position \d+")

    def __init__(self, settings, configuration=None, text=""):
        self.named = (None, None)
        found = None if (configuration or {}).get("use_raw_sql") else _FROM_THREE_PARTS.search(text)
        if found:
            self.named = (found.group(1).strip('"'), found.group(2).strip('"'))
        super().__init__(settings, configuration, text)

    def connector_class(self):
        from mage_ai.io.snowflake import Snowflake

        return Snowflake

    def open_connector(self, settings):
        # As Mage opens it: the session's database and schema are the block's when it names them.
        database = self.named[0] or self.configuration.get("data_provider_database") or None
        schema = self.named[1] or self.configuration.get("data_provider_schema") or None
        return self.connector_class().with_config(settings, database=database, schema=schema)

    def default_catalog(self):
        return (self.connector.default_database() or "").upper() or None

    def block_schema(self):
        return (self.connector.default_schema() or "").upper() or None

    def qualified(self, schema, table, catalog=None):
        parts = (catalog or self.catalog, schema, table)
        return ".".join('"' + part.upper().replace('"', '""') + '"' for part in parts if part)

    def exists(self, schema, table):
        catalog = f"{self.qualified(None, None)}." if self.catalog else ""
        return _has_rows(
            self,
            f"SELECT 1 FROM {catalog}information_schema.tables WHERE table_schema = {_literal(schema.upper())} "
            f"AND table_name = {_literal(table.upper())}",
        )

    def create_schema(self, schema):
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.qualified(None, schema)}")

    def write_upstream(self, table, schema, name, catalog=None):
        # write_pandas, as Mage's create_upstream_block_tables (sql/snowflake.py) exports it; column names as they are.
        catalog = (catalog or self.catalog).upper()
        self.connector.export(table.to_pandas(), name.upper(), catalog, schema.upper(), if_exists="replace")


class Redshift(Postgres):
    title = "Redshift"
    line_pattern = None
    # Mage's connector runs a whole text one statement at a time (mage_ai/io/redshift.py execute_query_raw).
    runs_text_whole = False
    insert_rows, insert_params = 1000, 30000

    column_types = (
        ("is_boolean", "BOOLEAN"),
        ("is_integer", "BIGINT"),
        ("is_floating", "DOUBLE PRECISION"),
        ("is_decimal", lambda kind: f"NUMERIC({min(kind.precision, 38)}, {min(kind.scale, 37)})"),
        ("is_timestamp", lambda kind: "TIMESTAMPTZ" if kind.tz else "TIMESTAMP"),
        ("is_date", "DATE"),
        ("is_time", "TIME"),
        ("is_binary", "VARBYTE(65535)"),
        ("is_large_binary", "VARBYTE(65535)"),
    )
    text_type = "VARCHAR(MAX)"

    def connector_class(self):
        from mage_ai.io.redshift import Redshift

        return Redshift

    def open_connector(self, settings):
        # REDSHIFT_DBNAME, or the block's `data_provider_database` (Mage names it in `{{ df_n }}` and the tables it
        # writes would otherwise be in another database).
        database = self.configuration.get("data_provider_database") or None
        return self.connector_class().with_config(settings, database=database)

    def default_catalog(self):
        return self.connector.default_database()

    def default_schema(self):
        return self.connector.default_schema() or "public"

    def upstream_ref(self, schema, table, catalog=None):
        return ".".join(self.ident(part) for part in (catalog or self.catalog, schema, table) if part)

    def exists(self, schema, table):
        return _has_rows(
            self,
            f"SELECT 1 FROM information_schema.tables WHERE table_schema = {_literal(schema)} "
            f"AND table_name = {_literal(table)}",
        )

    def write_upstream(self, table, schema, name, catalog=None):
        self.create_schema(schema)
        _replace_with_rows(self, self.qualified(schema, name), table, "%s")

    def error_message(self, error):
        fields = _redshift_fields(error)
        return fields["M"] if "M" in fields else super().error_message(error)

    def error_line(self, error, sql):
        # Redshift names the character position in the statement it got.
        position = _redshift_fields(error).get("P", "")
        return sql.count("\n", 0, int(position) - 1) + 1 if position.isdigit() else None


def _redshift_fields(error):
    """The fields of a Redshift error response (redshift_connector raises its errors with them as a dict)."""
    first = error.args[0] if error.args else None
    return first if isinstance(first, dict) else {}


class MSSQL(Database):
    title = "SQL Server"
    line_pattern = None
    # SQL Server takes at most 2,100 parameters and 1,000 rows per INSERT.
    insert_rows, insert_params = 1000, 2000

    column_types = (
        ("is_boolean", "BIT"),
        ("is_integer", "BIGINT"),
        ("is_floating", "FLOAT"),
        ("is_decimal", lambda kind: f"DECIMAL({min(kind.precision, 38)}, {min(kind.scale, 38)})"),
        ("is_timestamp", lambda kind: "DATETIMEOFFSET" if kind.tz else "DATETIME2"),
        ("is_date", "DATE"),
        ("is_time", "TIME"),
        ("is_binary", "VARBINARY(MAX)"),
        ("is_large_binary", "VARBINARY(MAX)"),
    )
    text_type = "NVARCHAR(MAX)"

    def connector_class(self):
        from mage_ai.io.mssql import MSSQL

        return MSSQL

    def default_schema(self):
        return self.connector.default_schema()

    def create_as(self, target):
        # Mage's build_create_table_as_command (mage_ai/io/mssql.py); the closing parenthesis on a line of its own so
        # that a comment on the statement's last line does not swallow it.
        return [(f"SELECT * INTO {target}\nFROM (", "\n) AS prev")]

    def select_rows(self, target, limit):
        return f"SELECT TOP {limit} * FROM {target}"

    def exists(self, schema, table):
        return _has_rows(
            self,
            f"SELECT 1 FROM information_schema.tables WHERE table_schema = {_literal(schema)} "
            f"AND table_name = {_literal(table)}",
        )

    def create_schema(self, schema):
        # Mage's build_create_schema_command (mage_ai/io/mssql.py).
        create = _literal(f"CREATE SCHEMA {self.ident(schema)}")
        self.execute(
            f"IF NOT EXISTS (SELECT * FROM information_schema.schemata WHERE schema_name = {_literal(schema)})\n"
            f"BEGIN EXEC({create}) END"
        )

    def write_upstream(self, table, schema, name, catalog=None):
        self.create_schema(schema)
        _replace_with_rows(self, self.qualified(schema, name), table, "?")

    def error_message(self, error):
        # pyodbc raises (SQLSTATE, message).
        if len(error.args) == 2 and all(isinstance(arg, str) for arg in error.args):
            return error.args[1].strip()
        return super().error_message(error)


class ClickHouse(Database):
    title = "ClickHouse"
    has_schemas = False
    upstream_has_schema = False
    quote_char = "`"
    line_pattern = re.compile(r"\(line (\d+), col \d+\)")

    def connector_class(self):
        from mage_ai.io.clickhouse import ClickHouse

        return ClickHouse

    def connect(self):
        return self.connector.client

    def default_catalog(self):
        return self.configuration.get("data_provider_database") or self.connector.default_database()

    def qualified(self, schema, table, catalog=None):
        return f"{self.ident(catalog or self.catalog)}.{self.ident(table)}"

    def upstream_ref(self, schema, table, catalog=None):
        # Mage writes the bare table name, which the server looks up in the profile's database.
        if (catalog or self.catalog) == self.connector.default_database():
            return self.ident(table)
        return self.qualified(schema, table, catalog)

    def create_as(self, target):
        # Mage's export of a query (mage_ai/io/clickhouse.py): an empty Memory table shaped by the query, then its rows.
        return [
            (f"CREATE TABLE IF NOT EXISTS {target} ENGINE = Memory EMPTY AS\n", ""),
            (f"INSERT INTO {target}\n", ""),
        ]

    def drop(self, target):
        return f"DROP TABLE IF EXISTS {target}"

    def execute(self, sql, params=None):
        self.connection.command(sql)

    def fetch(self, sql):
        return _plain_decimals(self.connection.query_arrow(sql, use_strings=True))

    def exists(self, schema, table):
        return str(self.connection.command(f"EXISTS TABLE {self.qualified(schema, table)}")).strip() == "1"

    def create_schema(self, schema):
        pass

    def write_upstream(self, table, schema, name, catalog=None):
        # insert_df into a Memory table, as Mage's create_upstream_block_tables (sql/clickhouse.py) exports it.
        self.connector.export(table.to_pandas(), name, database=catalog or self.catalog, if_exists="replace")

    def commit(self):
        pass

    def rollback(self):
        pass

    def close(self):
        self.connection.close()


class Trino(Database):
    title = "Trino"
    requires_schema = True
    unique_upstream_names = True
    line_pattern = re.compile(r"\bline (\d+):\d+:")
    insert_rows, insert_params = 1000, 30000

    column_types = (
        ("is_boolean", "BOOLEAN"),
        ("is_integer", "BIGINT"),
        ("is_floating", "DOUBLE"),
        ("is_decimal", lambda kind: f"DECIMAL({min(kind.precision, 38)}, {min(kind.scale, 38)})"),
        ("is_timestamp", lambda kind: "TIMESTAMP(6) WITH TIME ZONE" if kind.tz else "TIMESTAMP(6)"),
        ("is_date", "DATE"),
        ("is_time", "TIME(6)"),
        ("is_binary", "VARBINARY"),
        ("is_large_binary", "VARBINARY"),
    )
    text_type = "VARCHAR"

    def connector_class(self):
        from mage_ai.io.trino import Trino

        return Trino

    def default_catalog(self):
        return self.configuration.get("data_provider_database") or self.connector.default_database()

    def default_schema(self):
        return self.connector.default_schema()

    def qualified(self, schema, table, catalog=None):
        return ".".join(self.ident(part) for part in (catalog or self.catalog, schema, table) if part)

    def execute(self, sql, params=None):
        # The Trino client runs a statement only as far as its results are read (and closing cancels it).
        cursor = self.connection.cursor()
        try:
            if params is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, params)
            cursor.fetchall()
        finally:
            cursor.close()

    def fetch(self, sql):
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            rows = cursor.fetchall()
            if cursor.description is None:
                import pandas as pd

                return pd.DataFrame()
            return _rows_to_arrow([column[0] for column in cursor.description], rows)
        finally:
            cursor.close()

    def exists(self, schema, table):
        return _has_rows(
            self,
            f"SELECT 1 FROM {self.ident(self.catalog)}.information_schema.tables "
            f"WHERE table_schema = {_literal(schema)} AND table_name = {_literal(table)}",
        )

    def create_schema(self, schema, catalog=None):
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.ident(catalog or self.catalog)}.{self.ident(schema)}")

    def write_upstream(self, table, schema, name, catalog=None):
        self.create_schema(schema, catalog)
        _replace_with_rows(self, self.qualified(schema, name, catalog), table, "?")

    def rollback(self):
        # Trino runs each statement in its own transaction unless one was started.
        if getattr(self.connection, "transaction", None) is not None:
            self.connection.rollback()

    def error_message(self, error):
        message, name = getattr(error, "message", None), getattr(error, "error_name", None)
        if isinstance(message, str) and name:
            return f"{name}: {message}"
        return super().error_message(error)

    def error_line(self, error, sql):
        location = getattr(error, "error_location", None)
        if location:
            return location[0]
        return super().error_line(error, sql)


WAREHOUSES = {
    "bigquery": BigQuery,
    "snowflake": Snowflake,
    "redshift": Redshift,
    "mssql": MSSQL,
    "clickhouse": ClickHouse,
    "trino": Trino,
}


def _replace_with_rows(database, target, table, slot):
    """Replaces `target` by the rows of an Arrow table: DROP TABLE IF EXISTS, CREATE TABLE with a typed column per
    Arrow column (Mage's cleaned names), then INSERTs of many rows each as parameters (`slot` is the driver's
    placeholder), at most `database.insert_rows` rows and `database.insert_params` values per statement."""
    table = _plain_values(_cleaned(_textual_nested(table)))
    database.execute(f"DROP TABLE IF EXISTS {target}")
    columns = ", ".join(f"{database.ident(field.name)} {database.column_type(field.type)}" for field in table.schema)
    database.execute(f"CREATE TABLE {target} ({columns})")
    names = ", ".join(database.ident(name) for name in table.column_names)
    row = "(" + ", ".join([slot] * table.num_columns) + ")"
    size = max(1, min(database.insert_rows, database.insert_params // max(table.num_columns, 1)))
    for batch in table.to_batches(size):
        values = [column.to_pylist() for column in batch.columns]
        rows = list(zip(*values))
        if rows:
            sql = f"INSERT INTO {target} ({names}) VALUES " + ", ".join([row] * len(rows))
            database.execute(sql, [value for one in rows for value in one])


def _plain_values(table):
    """Columns every driver binds: categoricals as their values, nanosecond timestamps as microseconds (Python's
    datetime), durations as integers (as Mage's connectors write them)."""
    import pyarrow as pa

    for index, field in enumerate(table.schema):
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        elif pa.types.is_timestamp(kind) and kind.unit == "ns":
            kind = pa.timestamp("us", tz=kind.tz)
        elif pa.types.is_duration(kind):
            kind = pa.int64()
        else:
            continue
        table = table.set_column(index, field.name, table.column(index).cast(kind, safe=False))
    return table
