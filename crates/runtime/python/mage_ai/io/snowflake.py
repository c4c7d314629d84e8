"""Mage's `Snowflake` connector: load a query, run SQL, export a DataFrame with `write_pandas`.

It uses `snowflake.connector` and its `pandas_tools.write_pandas` (`snowflake-connector-python[pandas]`), as Mage
does; a key-pair login reads the private key with `cryptography`.
"""

from mage_ai.io import base
from mage_ai.io.base import ExportWritePolicy, write_policy
from mage_ai.io.config import ConfigKey
from mage_ai.io.sql import QUERY_ROW_LIMIT, UNIQUE_CONFLICT_METHOD_UPDATE, frame_from_cursor

DEFAULT_LOGIN_TIMEOUT = 20
DEFAULT_NETWORK_TIMEOUT = 60 * 5


class Snowflake(base.BaseSQL):
    def __init__(self, **kwargs):
        kwargs.setdefault("login_timeout", DEFAULT_LOGIN_TIMEOUT)
        kwargs.setdefault("network_timeout", DEFAULT_NETWORK_TIMEOUT)
        kwargs.pop("verbose", None)
        self.verbose = True
        self.settings = kwargs

    @classmethod
    def with_config(cls, config, database=None, schema=None, **kwargs):
        """A connector from the SNOWFLAKE_* settings: a password, or a private key file (and its passphrase)."""
        settings = dict(
            account=config[ConfigKey.SNOWFLAKE_ACCOUNT],
            database=database or config[ConfigKey.SNOWFLAKE_DEFAULT_DB],
            schema=schema or config[ConfigKey.SNOWFLAKE_DEFAULT_SCHEMA],
            user=config[ConfigKey.SNOWFLAKE_USER],
            warehouse=config[ConfigKey.SNOWFLAKE_DEFAULT_WH],
        )
        if ConfigKey.SNOWFLAKE_TIMEOUT in config:
            settings["network_timeout"] = config[ConfigKey.SNOWFLAKE_TIMEOUT]
        if ConfigKey.SNOWFLAKE_ROLE in config:
            settings["role"] = config[ConfigKey.SNOWFLAKE_ROLE]
        if ConfigKey.SNOWFLAKE_PASSWORD in config:
            settings["password"] = config[ConfigKey.SNOWFLAKE_PASSWORD]
        elif ConfigKey.SNOWFLAKE_PRIVATE_KEY_PATH in config:
            passphrase = config.get(ConfigKey.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE)
            settings["private_key"] = _private_key_der(config[ConfigKey.SNOWFLAKE_PRIVATE_KEY_PATH], passphrase)
        return cls(**{**settings, **kwargs})

    def default_database(self):
        return self.settings.get("database")

    def default_schema(self):
        return self.settings.get("schema")

    @property
    def timeout(self):
        return self.settings.get("timeout")

    def execute(self, query_string, **kwargs):
        """Run one statement and return its rows."""
        with self._cursor() as cursor:
            return cursor.execute(query_string.strip(" \n\t"), timeout=self.timeout, **kwargs).fetchall()

    def execute_query_raw(self, query, **kwargs):
        with self._cursor() as cursor:
            return cursor.execute(query, timeout=self.timeout).fetchall()

    def execute_queries(self, queries, query_variables=None, fetch_query_at_indexes=None, **kwargs):
        """Run the queries in order; the ones flagged in `fetch_query_at_indexes` return DataFrames."""
        results = []
        with self._cursor() as cursor:
            for index, query in enumerate(queries):
                variables = query_variables[index] if query_variables and index < len(query_variables) else {}
                result = cursor.execute(query.strip(" \n\t"), timeout=self.timeout, **variables)
                if fetch_query_at_indexes and index < len(fetch_query_at_indexes) and fetch_query_at_indexes[index]:
                    result = frame_from_cursor(cursor)
                results.append(result)
        return results

    def get_columns(self, cursor, database=None, schema=None, table_name=None, full_table_name=None):
        if not full_table_name and database and schema and table_name:
            full_table_name = f'"{database}"."{schema}"."{table_name}"'
        if not full_table_name:
            return None
        rows = cursor.execute(f"DESCRIBE TABLE {full_table_name}", timeout=self.timeout).fetchall()
        return [row[0] for row in rows]

    def load(
        self,
        query_string,
        limit=QUERY_ROW_LIMIT,
        display_query=None,
        verbose=True,
        database=None,
        schema=None,
        table_name=None,
        full_table_name=None,
        *args,
        **kwargs,
    ):
        """The rows of a query, at most `limit` of them, as a DataFrame."""
        import pandas as pd

        query_string = query_string.strip(" \n\t")
        with self._cursor() as cursor:
            rows = cursor.execute(
                self._enforce_limit(query_string, limit), *args, timeout=self.timeout, **kwargs
            ).fetchall()
            columns = [column[0] for column in cursor.description or []]
            if not columns and rows:
                columns = [f"col{index}" for index in range(len(rows[0]))]
            return pd.DataFrame(rows, columns=columns)

    def export(
        self,
        df,
        table_name=None,
        database=None,
        schema=None,
        if_exists="append",
        query_string=None,
        unique_conflict_method=None,
        unique_constraints=None,
        verbose=True,
        **kwargs,
    ):
        """Write `df` (or the result of `query_string`) to `database.schema.table_name`.

        When the table exists, 'replace' drops it first, 'fail' raises, 'append' adds the rows (or merges them on
        `unique_constraints` when `unique_conflict_method` is given). Extra keyword arguments go to `write_pandas`.
        """

        if table_name is None:
            raise ValueError("Please provide a table_name argument in the export method.")
        policy = write_policy(if_exists)
        database = database or self.default_database()
        schema = schema or self.default_schema()
        df = base.as_frame(df)
        with self._cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {database}.{schema}", timeout=self.timeout)
            cursor.execute(f"USE DATABASE {database}", timeout=self.timeout)
            cursor.execute(
                f"SELECT * FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = "
                f"'{table_name}'",
                timeout=self.timeout,
            )
            exists = cursor.rowcount >= 1
            create = not exists
            if exists:
                if cursor.rowcount > 1:
                    raise ValueError(f"Two or more tables with the name {table_name} are found.")
                if policy == ExportWritePolicy.FAIL:
                    raise RuntimeError(
                        f"Table {table_name} already exists in the current warehouse, database, schema scenario."
                    )
                if policy == ExportWritePolicy.REPLACE:
                    cursor.execute(f"USE DATABASE {database}", timeout=self.timeout)
                    cursor.execute(f'DROP TABLE "{schema}"."{table_name}"', timeout=self.timeout)
                    create = True
            full_name = f'"{database}"."{schema}"."{table_name}"'
            write_options = {"database": database, "schema": schema, "use_logical_type": True, **kwargs}
            if unique_constraints and unique_conflict_method and df is not None:
                if create:
                    _write_pandas()(self.conn, df, table_name, **{"auto_create_table": True, **write_options})
                    return
                temporary = f"temp_{table_name}"
                _write_pandas()(
                    self.conn, df, temporary, table_type="temp", **{"auto_create_table": True, **write_options}
                )
                keys = [f'"{name}"' for name in unique_constraints]
                columns = [f'"{name}"' for name in df.columns]
                merge = [
                    f"MERGE INTO {full_name} AS a",
                    f'USING (SELECT * FROM "{database}"."{schema}"."{temporary}") AS b',
                    "ON " + " AND ".join(f"a.{key} = b.{key}" for key in keys),
                ]
                if unique_conflict_method == UNIQUE_CONFLICT_METHOD_UPDATE:
                    merge.append("WHEN MATCHED THEN UPDATE SET " + ", ".join(f"a.{c} = b.{c}" for c in columns))
                merge.append(
                    f"WHEN NOT MATCHED THEN INSERT ({', '.join(columns)}) "
                    f"VALUES ({', '.join(f'b.{c}' for c in columns)})"
                )
                cursor.execute("\n".join(merge), timeout=self.timeout)
            elif query_string:
                cursor.execute(f"USE DATABASE {database}", timeout=self.timeout)
                cursor.execute(f"USE SCHEMA {schema}", timeout=self.timeout)
                if create:
                    cursor.execute(
                        f"\nCREATE TABLE IF NOT EXISTS {full_name} AS\n{query_string}\n", timeout=self.timeout
                    )
                else:
                    cursor.execute(f"\nINSERT INTO {full_name}\n{query_string}\n", timeout=self.timeout)
            else:
                _write_pandas()(self.conn, df, table_name, **{"auto_create_table": create, **write_options})

    def sample(self, schema, table, size=QUERY_ROW_LIMIT, **kwargs):
        """Up to `size` rows of `schema.table` (not a random sample)."""
        return self.load(f"SELECT * FROM {schema}.{table} LIMIT {size};", **kwargs)

    def _enforce_limit(self, query, limit=QUERY_ROW_LIMIT):
        query = query.strip(";")
        return f"\nWITH subquery AS (\n    {query}\n)\n\nSELECT *\nFROM subquery\nLIMIT {limit}\n"

    def _cursor(self):
        from contextlib import closing

        return closing(self.conn.cursor())

    def _connect(self):
        return _connector().connect(**self.settings)


def _private_key_der(path, passphrase):
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        raise ImportError(
            "a Snowflake key-pair login needs `cryptography`; add `cryptography` to the project's requirements.txt"
        ) from None
    with open(path, "rb") as file:
        key = serialization.load_pem_private_key(file.read(), password=passphrase.encode() if passphrase else None)
    return key.private_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


_MISSING = (
    "the Snowflake connector needs `snowflake.connector`; add `snowflake-connector-python[pandas]` to the "
    "project's requirements.txt"
)


def _connector():
    try:
        import snowflake.connector
    except ImportError:
        raise ImportError(_MISSING) from None
    return snowflake.connector


def _write_pandas():
    try:
        from snowflake.connector.pandas_tools import write_pandas
    except ImportError:
        raise ImportError(_MISSING) from None
    return write_pandas
