"""Mage's `Trino` connector: load a query, run SQL, export a DataFrame to `catalog.schema.table`.

It uses the `trino` Python client (`trino.dbapi.connect`), as Mage does. Like Mage, `load` and `execute_queries`
try up to three times when Trino answers with a user error, printing it each time.
"""

import time

from mage_ai.io import base
from mage_ai.io.base import ExportWritePolicy, clean_name, write_policy
from mage_ai.io.config import ConfigKey
from mage_ai.io.sql import QUERY_ROW_LIMIT, BaseSQL, infer_dtypes, python_kind, rows_for_insert

ATTEMPTS = 3


class Trino(BaseSQL):
    QUERY_MAX_LENGTH = 100_000
    RETRY_DELAY_SECONDS = 1

    def __init__(
        self,
        catalog,
        host,
        user,
        password=None,
        port=8080,
        schema=None,
        verbose=True,
        **kwargs,
    ):
        super().__init__(
            verbose=verbose,
            catalog=catalog,
            host=host,
            user=user,
            password=password,
            port=port,
            schema=schema,
            **kwargs,
        )

    @classmethod
    def with_config(cls, config):
        """A connector from an io_config profile: its `trino:` mapping if it has one, else the TRINO_* keys."""
        settings = config.get("trino")
        if settings:
            return cls(
                **{
                    key: settings.get(key)
                    for key in (
                        "catalog", "host", "http_headers", "http_scheme", "password", "port", "schema",
                        "session_properties", "source", "user", "verify", "data_type_properties",
                        "overwrite_types",
                    )
                }
            )  # fmt: skip
        return cls(
            catalog=config[ConfigKey.TRINO_CATALOG],
            host=config[ConfigKey.TRINO_HOST],
            user=config[ConfigKey.TRINO_USER],
            password=config[ConfigKey.TRINO_PASSWORD],
            port=config[ConfigKey.TRINO_PORT],
            schema=config[ConfigKey.TRINO_SCHEMA],
        )

    def default_database(self):
        return self.settings.get("catalog")

    def default_schema(self):
        return self.settings.get("schema")

    def build_create_table_command(
        self,
        dtypes,
        schema_name,
        table_name,
        auto_clean_name=True,
        case_sensitive=False,
        unique_constraints=None,
        overwrite_types=None,
        **kwargs,
    ):
        columns = []
        for name, column_type in dtypes.items():
            column_type = (overwrite_types or {}).get(name, column_type)
            column = clean_name(name, case_sensitive) if auto_clean_name else name
            columns.append(f'"{column}" {column_type}')
        full_table_name = ".".join(part for part in (schema_name, table_name) if part)
        return f"CREATE TABLE {full_table_name} (" + ",".join(columns) + ")"

    def execute_queries(self, queries, **kwargs):
        return self._retrying(lambda: super(Trino, self).execute_queries(queries, **kwargs)) or []

    def load(self, query_string, **kwargs):
        return self._retrying(lambda: super(Trino, self).load(query_string, **kwargs))

    def table_exists(self, schema_name, table_name):
        catalog = self.default_database()
        with self._cursor() as cursor:
            cursor.execute(f"SHOW SCHEMAS FROM {catalog} LIKE '{schema_name}'")
            if len(cursor.fetchall()) == 0:
                return False
            cursor.execute(f"SHOW TABLES FROM {catalog}.{schema_name} LIKE '{table_name}'")
            return len(cursor.fetchall()) >= 1

    def upload_dataframe(self, cursor, df, dtypes, full_table_name, buffer=None, **kwargs):
        """One `executemany` of `INSERT INTO catalog.schema.table VALUES (?, ...)`; objects as JSON text."""
        import json

        frame = df.copy()
        for name in frame.columns:
            if frame[name].dtype == object:
                frame[name] = frame[name].map(
                    lambda value: json.dumps(value, default=str) if isinstance(value, (dict, list)) else value
                )
        slots = ", ".join(["?"] * len(frame.columns))
        cursor.executemany(f"INSERT INTO {full_table_name} VALUES ({slots})", list(rows_for_insert(frame)))

    def get_type(self, column, dtype, settings):
        """The Trino type for a column of this pandas inferred type (`data_type_properties` sets timestamps' precision)."""
        properties = (settings or {}).get("data_type_properties") or {}
        kind = python_kind(dtype)
        if kind == "datetime" and properties.get("timestamp_precision") is not None:
            return f"TIMESTAMP({properties['timestamp_precision']})"
        return _TYPES[kind]

    def export(
        self,
        df,
        schema_name=None,
        table_name=None,
        if_exists=ExportWritePolicy.REPLACE,
        index=False,
        verbose=True,
        query_string=None,
        drop_table_on_replace=False,
        cascade_on_drop=False,
    ):
        """Write `df` (or the result of `query_string`) to `catalog.schema_name.table_name`, as Mage's Trino does."""

        if table_name is None:
            raise ValueError("Please provide a table_name argument in the export method.")
        policy = write_policy(if_exists)
        if schema_name is None:
            schema_name = self.default_schema()
        df = base.as_frame(df)
        catalog = self.default_database()
        full_table_name = f"{catalog}.{schema_name}.{table_name}"
        dtypes = {}
        if not query_string:
            if index:
                df = df.reset_index()
            df = self._clean_frame(df)
            dtypes = infer_dtypes(df)

        exists = self.table_exists(schema_name, table_name)
        with self._cursor() as cursor:
            if schema_name:
                cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {catalog}.{schema_name}")
            create = self._apply_write_policy(
                cursor, full_table_name, exists, policy, drop_table_on_replace, cascade_on_drop
            )
            if query_string:
                self._write_query(cursor, full_table_name, query_string, create)
            else:
                if create:
                    db_dtypes = {name: self.get_type(df[name], dtypes[name], settings=self.settings) for name in dtypes}
                    cursor.execute(
                        self.build_create_table_command(
                            db_dtypes, schema_name, table_name, overwrite_types=self.settings.get("overwrite_types")
                        )
                    )
                self.upload_dataframe(cursor, df, dtypes, full_table_name)
        self.conn.commit()

    def _enforce_limit(self, query, limit=QUERY_ROW_LIMIT):
        return f"SELECT * FROM ({query.strip(';')}) AS subquery LIMIT {limit}"

    def _retrying(self, attempt):
        user_error = _trino().exceptions.TrinoUserError
        for attempt_number in range(ATTEMPTS):
            if attempt_number:
                time.sleep(self.RETRY_DELAY_SECONDS)
            try:
                return attempt()
            except user_error as error:
                print(error)
        return None

    def _connect(self):
        trino = _trino()
        settings = {
            key: self.settings.get(key)
            for key in (
                "catalog", "host", "http_headers", "http_scheme", "port", "schema", "session_properties", "source",
                "user", "verify",
            )
            if self.settings.get(key) is not None
        }  # fmt: skip
        if self.settings.get("password"):
            settings["auth"] = trino.auth.BasicAuthentication(self.settings["user"], self.settings["password"])
            settings.setdefault("http_scheme", "https")
        return trino.dbapi.connect(**settings)


_TYPES = {"int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "datetime": "TIMESTAMP", "str": "VARCHAR"}


def _trino():
    try:
        import trino
        import trino.auth
        import trino.dbapi
        import trino.exceptions
    except ImportError:
        raise ImportError(
            "the Trino connector needs the `trino` client; add `trino` to the project's requirements.txt"
        ) from None
    return trino
