"""Mage's `Postgres` connector: run SQL, load a query into a DataFrame, export a DataFrame to a table.

It uses psycopg (version 3) or psycopg2, whichever the project installed.
"""

import math

from mage_ai.io.base import BaseSQL, ExportWritePolicy, quote, table_frame, write_policy
from mage_ai.io.config import ConfigKey


class Postgres(BaseSQL):
    def __init__(
        self,
        dbname=None,
        user=None,
        password=None,
        host=None,
        port=None,
        schema=None,
        connect_timeout=None,
        verbose=True,
        **_mage_options,
    ):
        self.settings = dict(
            dbname=dbname, user=user, password=password, host=host, port=port, connect_timeout=connect_timeout
        )
        self.schema = schema
        self.verbose = verbose

    @classmethod
    def with_config(cls, config):
        """A connector from the POSTGRES_* settings of an io_config profile (a `ConfigFileLoader`)."""
        return cls(
            dbname=config.get(ConfigKey.POSTGRES_DBNAME),
            user=config.get(ConfigKey.POSTGRES_USER),
            password=config.get(ConfigKey.POSTGRES_PASSWORD),
            host=config.get(ConfigKey.POSTGRES_HOST),
            port=config.get(ConfigKey.POSTGRES_PORT),
            schema=config.get(ConfigKey.POSTGRES_SCHEMA),
            connect_timeout=config.get(ConfigKey.POSTGRES_CONNECT_TIMEOUT),
        )

    def load(self, query_string, limit=None, display_query=None, verbose=None, **_mage_options):
        """The rows of a query as a DataFrame; `limit` caps the row count. Mage's display options are ignored."""

        if limit is not None:
            query_string = f"SELECT * FROM ({query_string.strip().rstrip(';')}) AS subquery LIMIT {int(limit)}"
        with self._transaction() as cursor:
            cursor.execute(query_string)
            return _frame(cursor)

    def execute(self, query_string, params=None):
        """Run one statement and commit it."""
        with self._transaction() as cursor:
            cursor.execute(query_string, params)

    def execute_queries(self, queries, query_variables=None, commit=False, fetch_query_at_indexes=None):
        """Run the queries in order on one cursor (Mage's `BaseSQL.execute_queries`).

        A query flagged in `fetch_query_at_indexes` returns its rows as a DataFrame, the others None. The work is
        committed when `commit` is true; an error rolls it back.
        """
        results = []
        cursor = self.conn.cursor()
        try:
            for index, query in enumerate(queries):
                variables = query_variables[index] if query_variables and index < len(query_variables) else None
                cursor.execute(query.strip(" \n\t"), variables or None)
                if fetch_query_at_indexes and index < len(fetch_query_at_indexes) and fetch_query_at_indexes[index]:
                    results.append(_frame(cursor))
                else:
                    results.append(None)
        except Exception:
            self.conn.rollback()
            raise
        finally:
            cursor.close()
        if commit:
            self.conn.commit()
        return results

    def default_database(self):
        return self.settings["dbname"]

    def default_schema(self):
        return self.schema

    def export(
        self,
        df,
        schema_name=None,
        table_name=None,
        if_exists="replace",
        index=False,
        drop_table_on_replace=False,
        auto_clean_name=True,
        case_sensitive=False,
        **_mage_options,
    ):
        """Write `df` to `schema_name.table_name`, creating the schema and the table when missing.

        When the table exists, `if_exists` decides: 'replace' deletes its rows (or drops and recreates it with
        `drop_table_on_replace=True`), 'append' adds the rows, 'fail' raises a ValueError.
        """
        if not table_name:
            raise ValueError("Postgres.export needs a table_name")
        policy = write_policy(if_exists)
        schema = schema_name or self.schema or "public"
        frame = table_frame(df, index, auto_clean_name, case_sensitive)
        full_name = f"{quote(schema)}.{quote(table_name)}"
        with self._transaction() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                (schema, table_name),
            )
            exists = bool(cursor.fetchall())
            if exists and policy == ExportWritePolicy.FAIL:
                raise ValueError(f"table {schema}.{table_name} already exists and if_exists is 'fail'")
            if exists and policy == ExportWritePolicy.REPLACE:
                if drop_table_on_replace:
                    cursor.execute(f"DROP TABLE {full_name}")
                    exists = False
                else:
                    cursor.execute(f"DELETE FROM {full_name}")
            if not exists:
                cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
                definitions = ", ".join(f"{quote(name)} {column_type(frame[name])}" for name in frame.columns)
                cursor.execute(f"CREATE TABLE {full_name} ({definitions})")
            if len(frame.columns) and len(frame):
                names = ", ".join(quote(name) for name in frame.columns)
                slots = ", ".join(["%s"] * len(frame.columns))
                cursor.executemany(f"INSERT INTO {full_name} ({names}) VALUES ({slots})", list(_rows(frame)))

    def _connect(self):
        driver = _driver()
        return driver.connect(**{key: value for key, value in self.settings.items() if value is not None})

    def _transaction(self):
        return _Transaction(self.conn)


class _Transaction:
    """A cursor whose work is committed on success and rolled back on any error."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        self.cursor = self.connection.cursor()
        return self.cursor

    def __exit__(self, exc_type, *_exc):
        self.cursor.close()
        if exc_type is None:
            self.connection.commit()
        else:
            self.connection.rollback()


def _frame(cursor):
    """The cursor's rows as a DataFrame with its column names (empty when the statement returned no rows)."""
    import pandas as pd

    if cursor.description is None:
        return pd.DataFrame()
    return pd.DataFrame(cursor.fetchall(), columns=[column[0] for column in cursor.description])


def column_type(series):
    """The PostgreSQL type for a pandas column."""
    import pandas as pd

    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind == "boolean":
        return "BOOLEAN"
    if kind == "integer":
        return "BIGINT"
    if kind in ("floating", "mixed-integer-float"):
        return "DOUBLE PRECISION"
    if kind == "decimal":
        return "NUMERIC"
    if kind in ("datetime64", "datetime"):
        return "TIMESTAMPTZ" if getattr(series.dtype, "tz", None) is not None else "TIMESTAMP"
    if kind == "date":
        return "DATE"
    if kind == "time":
        return "TIME"
    if kind in ("timedelta64", "timedelta"):
        return "INTERVAL"
    if kind == "bytes":
        return "BYTEA"
    return "TEXT"


def _rows(frame):
    """The frame's rows as tuples of plain Python values, with NaN, NaT and NA as None."""
    for row in frame.astype(object).itertuples(index=False, name=None):
        yield tuple(_plain(value) for value in row)


def _plain(value):
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    return value


def _driver():
    try:
        import psycopg

        return psycopg
    except ImportError:
        pass
    try:
        import psycopg2

        return psycopg2
    except ImportError:
        raise ImportError(
            "the Postgres connector needs a PostgreSQL driver; add `psycopg[binary]` "
            "(or `psycopg2-binary`) to the project's requirements.txt"
        ) from None
