"""Mage's `DuckDB` connector: run SQL, load a query into a DataFrame, export a DataFrame to a table.

It uses the `duckdb` Python package of the project's environment.
"""

from mage_ai.io.base import BaseSQL, ExportWritePolicy, quote, table_frame, write_policy
from mage_ai.io.config import ConfigKey

_EXPORT_VIEW = "wand_export_frame"


class DuckDB(BaseSQL):
    def __init__(self, database=":memory:", schema=None, motherduck_token=None, verbose=True, **_mage_options):
        self.database = database or ":memory:"
        self.schema = schema
        self.motherduck_token = motherduck_token
        self.verbose = verbose

    @classmethod
    def with_config(cls, config):
        """A connector from the DUCKDB_* settings of an io_config profile (a `ConfigFileLoader`)."""
        return cls(
            database=config.get(ConfigKey.DUCKDB_DATABASE),
            schema=config.get(ConfigKey.DUCKDB_SCHEMA),
            motherduck_token=config.get(ConfigKey.MOTHERDUCK_TOKEN),
        )

    def load(self, query_string, limit=None, display_query=None, verbose=None, **_mage_options):
        """The rows of a query as a DataFrame; `limit` caps the row count. Mage's display options are ignored."""
        if limit is not None:
            query_string = f"SELECT * FROM ({query_string.strip().rstrip(';')}) AS subquery LIMIT {int(limit)}"
        return self.conn.execute(query_string).df()

    def execute(self, query_string, params=None):
        """Run one statement (DuckDB commits each statement by itself); any rows it returns are discarded."""
        self.conn.execute(query_string, params).fetchall()

    def execute_queries(self, queries, query_variables=None, commit=False, fetch_query_at_indexes=None):
        """Run the queries in order (Mage's `BaseSQL.execute_queries`); the flagged ones return DataFrames.

        DuckDB commits each statement by itself, so `commit` changes nothing.
        """
        results = []
        for index, query in enumerate(queries):
            variables = query_variables[index] if query_variables and index < len(query_variables) else None
            relation = self.conn.execute(query.strip(" \n\t"), variables or None)
            if fetch_query_at_indexes and index < len(fetch_query_at_indexes) and fetch_query_at_indexes[index]:
                results.append(relation.df())
            else:
                relation.fetchall()
                results.append(None)
        return results

    def default_database(self):
        """None, as in Mage (a DuckDB block's tables are named schema.table)."""

    def default_schema(self):
        return self.schema or "main"

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
        """Write `df` to `schema_name.table_name`, with the same `if_exists` rules as `Postgres.export`."""
        if not table_name:
            raise ValueError("DuckDB.export needs a table_name")
        policy = write_policy(if_exists)
        schema = schema_name or self.schema or "main"
        frame = table_frame(df, index, auto_clean_name, case_sensitive)
        full_name = f"{quote(schema)}.{quote(table_name)}"
        conn = self.conn
        exists = (
            conn.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                [schema, table_name],
            ).fetchall()
            != []
        )
        if exists and policy == ExportWritePolicy.FAIL:
            raise ValueError(f"table {schema}.{table_name} already exists and if_exists is 'fail'")
        conn.register(_EXPORT_VIEW, frame)
        try:
            conn.execute("BEGIN TRANSACTION")
            if exists and policy == ExportWritePolicy.REPLACE:
                if drop_table_on_replace:
                    conn.execute(f"DROP TABLE {full_name}")
                    exists = False
                else:
                    conn.execute(f"DELETE FROM {full_name}")
            if not exists:
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
                conn.execute(f"CREATE TABLE {full_name} AS SELECT * FROM {_EXPORT_VIEW}")
            else:
                names = ", ".join(quote(name) for name in frame.columns)
                conn.execute(f"INSERT INTO {full_name} ({names}) SELECT {names} FROM {_EXPORT_VIEW}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.unregister(_EXPORT_VIEW)

    def _connect(self):
        duckdb = _module()
        config = {"motherduck_token": self.motherduck_token} if self.motherduck_token else {}
        return duckdb.connect(self.database, config=config)


def _module():
    try:
        import duckdb
    except ImportError:
        raise ImportError(
            "the DuckDB connector needs the `duckdb` package; add `duckdb` to the project's requirements.txt"
        ) from None
    return duckdb
