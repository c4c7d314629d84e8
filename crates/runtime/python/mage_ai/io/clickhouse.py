"""Mage's `ClickHouse` connector: load a query, run commands, export a DataFrame to `database.table`.

It uses `clickhouse_connect` (`clickhouse-connect`), as Mage does: `query_df` for reads, `command` for
statements, `insert_df` for exports. Tables it creates use the Memory engine, as Mage's do.
"""

from mage_ai.io import base
from mage_ai.io.base import ExportWritePolicy, write_policy
from mage_ai.io.config import ConfigKey
from mage_ai.io.sql import QUERY_ROW_LIMIT, infer_dtypes, python_kind

_TYPES = {
    "int": "Nullable(Int64)",
    "float": "Nullable(Float64)",
    "bool": "Nullable(Boolean)",
    "datetime": "Nullable(Datetime64)",
    "str": "Nullable(String)",
}


class ClickHouse:
    def __init__(self, **kwargs):
        kwargs.pop("verbose", None)
        self.verbose = True
        self.database = kwargs.get("database", "default")
        self.client = _clickhouse_connect().get_client(**kwargs)

    @classmethod
    def with_config(cls, config):
        """A connector from the CLICKHOUSE_* settings of an io_config profile (a `ConfigFileLoader`)."""
        if ConfigKey.CLICKHOUSE_HOST not in config:
            raise ValueError("No valid configuration settings found for ClickHouse. You must specify host.")
        return cls(
            database=config[ConfigKey.CLICKHOUSE_DATABASE],
            host=config[ConfigKey.CLICKHOUSE_HOST],
            interface=config[ConfigKey.CLICKHOUSE_INTERFACE],
            password=config[ConfigKey.CLICKHOUSE_PASSWORD],
            port=config[ConfigKey.CLICKHOUSE_PORT],
            username=config[ConfigKey.CLICKHOUSE_USERNAME],
        )

    def default_database(self):
        return self.database

    def execute(self, command_string, **kwargs):
        self.client.command(command_string.strip(" \n\t"), **kwargs)

    def execute_query(self, query, parameters=None, **kwargs):
        return self.client.query_df(query.strip(" \n\t"), parameters=parameters)

    def execute_query_raw(self, query, **kwargs):
        return self.client.command(query)

    def execute_queries(self, queries, query_variables=None, fetch_query_at_indexes=None, **kwargs):
        """Run the queries in order; the ones flagged in `fetch_query_at_indexes` return DataFrames."""
        results = []
        for index, query in enumerate(queries):
            parameters = query_variables[index] if query_variables and index < len(query_variables) else {}
            query = query.strip(" \n\t")
            if fetch_query_at_indexes and index < len(fetch_query_at_indexes) and fetch_query_at_indexes[index]:
                results.append(self.client.query_df(query, parameters=parameters))
            else:
                results.append(self.client.command(query, parameters=parameters))
        return results

    def load(self, query_string, limit=QUERY_ROW_LIMIT, display_query=None, verbose=True, **kwargs):
        """The rows of a query, at most `limit` of them, as a DataFrame."""
        return self.client.query_df(self._enforce_limit(query_string.strip(" \n\t"), limit), **kwargs)

    def get_type(self, column, dtype):
        return _TYPES[python_kind(dtype)]

    def build_create_table_command(self, df, table_name, database, overwrite_types=None, **kwargs):
        dtypes = infer_dtypes(df)
        fields = [
            f"{name} {(overwrite_types or {}).get(name) or self.get_type(df[name], dtypes[name])}" for name in dtypes
        ]
        return f"CREATE TABLE {database}.{table_name} (" + ", ".join(fields) + ") ENGINE = Memory"

    def export(
        self,
        df,
        table_name=None,
        database=None,
        if_exists="append",
        index=False,
        query_string=None,
        create_table_statement=None,
        verbose=True,
        overwrite_types=None,
        **kwargs,
    ):
        """Write `df` (or the result of `query_string`) to `database.table_name`; 'replace' drops the table first."""

        if table_name is None:
            raise ValueError("Please provide a table_name argument in the export method.")
        policy = write_policy(if_exists)
        database = database or self.default_database()
        df = base.as_frame(df)
        full_name = f"{database}.{table_name}"
        existing = self.client.query_df(f"\nEXISTS TABLE {full_name}\n")
        exists = not existing.empty and existing.iloc[0, 0] == 1
        create = not exists
        if exists and policy == ExportWritePolicy.FAIL:
            raise ValueError(f"Table '{table_name}' already exists in database {database}.")
        if exists and policy == ExportWritePolicy.REPLACE:
            self.client.command(f"DROP TABLE IF EXISTS {full_name}")
            create = True
        if query_string:
            self.client.command(f"USE {database}")
            if create:
                self.client.command(
                    f"\nCREATE TABLE IF NOT EXISTS {full_name} ENGINE = Memory EMPTY AS\n{query_string}\n"
                )
            self.client.command(f"\nINSERT INTO {full_name}\n{query_string}\n")
            return
        if create:
            self.client.command(
                create_table_statement
                or self.build_create_table_command(
                    df=df, table_name=table_name, database=database, overwrite_types=overwrite_types
                )
            )
        self.client.insert_df(full_name, df)

    def sample(self, schema, table, size=QUERY_ROW_LIMIT, **kwargs):
        """Up to `size` rows of `schema.table` (not a random sample)."""
        return self.load(f"SELECT * FROM {schema}.{table} LIMIT {size};", **kwargs)

    def _enforce_limit(self, query, limit=QUERY_ROW_LIMIT):
        query = query.strip(";")
        return f"\nWITH subquery AS (\n    {query}\n)\n\nSELECT *\nFROM subquery\nLIMIT {limit}\n"


def _clickhouse_connect():
    try:
        import clickhouse_connect
    except ImportError:
        raise ImportError(
            "the ClickHouse connector needs `clickhouse_connect`; add `clickhouse-connect` to the project's "
            "requirements.txt"
        ) from None
    return clickhouse_connect
