"""Mage's `mage_ai.io.sql.BaseSQL`: the export, load and multi-query rules the DB-API connectors share.

MySQL, MSSQL, Redshift and Trino build on it. Each names its SQL (types, table creation, the limit wrapper) and
its driver; the order of the statements an export sends is Mage's: create the schema, look the table up, then
fail, delete the rows or drop the table by `if_exists`, create the table when needed, insert the rows, commit.
"""

from contextlib import closing

from mage_ai.io import base
from mage_ai.io.base import ExportWritePolicy, clean_name, write_policy

QUERY_ROW_LIMIT = 10_000_000

UNIQUE_CONFLICT_METHOD_IGNORE = "IGNORE"
UNIQUE_CONFLICT_METHOD_UPDATE = "UPDATE"


class BaseSQL(base.BaseSQL):
    """A DB-API connection with Mage's `load`, `export`, `execute` and `execute_queries`."""

    def __init__(self, verbose=True, **settings):
        self.verbose = verbose
        self.settings = settings

    @classmethod
    def with_config(cls, config):
        raise NotImplementedError(f"{cls.__name__} does not read io_config settings")

    def default_database(self):
        return None

    def default_schema(self):
        return None

    # What each database says differently.

    def get_type(self, column, dtype):
        """The SQL type of a column, from its pandas inferred type (`pandas.api.types.infer_dtype`)."""
        raise NotImplementedError

    def table_exists(self, schema_name, table_name):
        raise NotImplementedError

    def build_create_schema_command(self, schema_name):
        return f"CREATE SCHEMA IF NOT EXISTS {schema_name};"

    def build_create_table_command(
        self,
        dtypes,
        schema_name,
        table_name,
        auto_clean_name=True,
        case_sensitive=False,
        unique_constraints=None,
        overwrite_types=None,
        skip_semicolon_at_end=False,
        **kwargs,
    ):
        """`CREATE TABLE schema.table ("column" TYPE, ...)`, as Mage's `gen_table_creation_query` writes it."""
        full_table_name = f"{schema_name}.{table_name}" if schema_name else table_name
        columns = []
        for name, column_type in _with_overrides(dtypes, overwrite_types).items():
            columns.append(f'"{_column_name(name, auto_clean_name, case_sensitive)}" {column_type}')
        if unique_constraints:
            cleaned = [_column_name(name, auto_clean_name, case_sensitive) for name in unique_constraints]
            index_name = "_".join([clean_name(full_table_name, case_sensitive)] + cleaned)
            quoted = ", ".join(f'"{name}"' for name in cleaned)
            columns.append(f"CONSTRAINT {f'unique{index_name}'[:64]} UNIQUE ({quoted})")
        command = f"CREATE TABLE {full_table_name} (" + ",".join(columns) + ")"
        return command if skip_semicolon_at_end else command + ";"

    def build_create_table_as_command(self, table_name, query_string):
        return f"CREATE TABLE {table_name} AS\n{query_string}"

    def upload_dataframe(self, cursor, df, db_dtypes, dtypes, full_table_name, buffer=None, **kwargs):
        """Insert the frame's rows into the table (one `executemany` of `INSERT ... VALUES`)."""
        raise NotImplementedError

    def _enforce_limit(self, query, limit=QUERY_ROW_LIMIT):
        query = query.strip(";")
        return f"\nWITH subquery AS (\n    {query}\n)\n\nSELECT *\nFROM subquery\nLIMIT {limit}\n"

    # Mage's methods.

    def execute(self, query_string, **query_vars):
        """Send one statement; like Mage, this does not commit (call `commit()`, or use `execute_queries`)."""
        with self._cursor() as cursor:
            cursor.execute(self._clean_query(query_string), **query_vars)

    def execute_query_raw(self, query, **kwargs):
        with self._cursor() as cursor:
            result = cursor.execute(query)
        self.conn.commit()
        return result

    def execute_queries(self, queries, query_variables=None, commit=False, fetch_query_at_indexes=None):
        """Run the queries in order on one cursor; the ones flagged in `fetch_query_at_indexes` return DataFrames."""
        results = []
        with self._cursor() as cursor:
            for index, query in enumerate(queries):
                variables = query_variables[index] if query_variables and index < len(query_variables) else {}
                query = self._clean_query(query)
                if fetch_query_at_indexes and index < len(fetch_query_at_indexes) and fetch_query_at_indexes[index]:
                    results.append(self.fetch_query(cursor, query))
                else:
                    results.append(cursor.execute(query, **variables))
        if commit:
            self.conn.commit()
        return results

    def fetch_query(self, cursor, query):
        """The rows of a query as a DataFrame (Mage reads it with `pandas.read_sql`)."""
        cursor.execute(query)
        return frame_from_cursor(cursor)

    def load(self, query_string, limit=QUERY_ROW_LIMIT, display_query=None, verbose=True, **kwargs):
        """The rows of a query, at most `limit` of them, as a DataFrame. Mage's display options only print."""
        query_string = self._clean_query(query_string)
        with self._cursor() as cursor:
            cursor.execute(self._enforce_limit(query_string, limit), **kwargs)
            return frame_from_cursor(cursor)

    def sample(self, schema, table, size=QUERY_ROW_LIMIT, **kwargs):
        return self.load(f"SELECT * FROM {schema}.{table} LIMIT {size!s};", **kwargs)

    def export(
        self,
        df,
        schema_name=None,
        table_name=None,
        if_exists=ExportWritePolicy.REPLACE,
        index=False,
        verbose=True,
        allow_reserved_words=False,
        auto_clean_name=True,
        case_sensitive=False,
        cascade_on_drop=False,
        drop_table_on_replace=False,
        overwrite_types=None,
        query_string=None,
        unique_conflict_method=None,
        unique_constraints=None,
        skip_semicolon_at_end=False,
        **kwargs,
    ):
        """Write `df` (or the result of `query_string`) to `schema_name.table_name`, creating it when missing.

        When the table exists, `if_exists` decides: 'replace' deletes its rows (or drops and recreates it with
        `drop_table_on_replace=True`), 'append' adds the rows, 'fail' raises a ValueError.
        """

        if table_name is None:
            raise ValueError("Please provide a table_name argument in the export method.")
        policy = write_policy(if_exists)
        if schema_name is None:
            schema_name = self.default_schema()
        df = base.as_frame(df)
        full_table_name = f"{schema_name}.{table_name}" if schema_name else table_name
        dtypes = {}
        if not query_string:
            if index:
                df = df.reset_index()
            df = self._clean_frame(df)
            if auto_clean_name:
                df = df.rename(columns=lambda name: clean_name(name, case_sensitive))
            dtypes = infer_dtypes(df)

        exists = self.table_exists(schema_name, table_name)
        with self._cursor() as cursor:
            if schema_name:
                cursor.execute(self.build_create_schema_command(schema_name))
            create = self._apply_write_policy(
                cursor, full_table_name, exists, policy, drop_table_on_replace, cascade_on_drop
            )
            if query_string:
                self._write_query(cursor, full_table_name, query_string, create)
            else:
                db_dtypes = {name: self.get_type(df[name], dtypes[name]) for name in dtypes}
                if create:
                    cursor.execute(
                        self.build_create_table_command(
                            dict(db_dtypes),
                            schema_name,
                            table_name,
                            auto_clean_name=auto_clean_name,
                            case_sensitive=case_sensitive,
                            unique_constraints=unique_constraints,
                            overwrite_types=overwrite_types,
                            skip_semicolon_at_end=skip_semicolon_at_end,
                        )
                    )
                self.upload_dataframe(
                    cursor,
                    df,
                    db_dtypes,
                    dtypes,
                    full_table_name,
                    case_sensitive=case_sensitive,
                    unique_conflict_method=unique_conflict_method,
                    unique_constraints=unique_constraints,
                )
        self.conn.commit()

    # Helpers.

    def _apply_write_policy(self, cursor, full_table_name, exists, policy, drop_table_on_replace, cascade_on_drop):
        """Mage's `if_exists` on an existing table: fail, or for replace drop it (`drop_table_on_replace`) or delete its
        rows. Returns whether the table is to be created."""
        if not exists:
            return True
        if policy == ExportWritePolicy.FAIL:
            raise ValueError(f"Table '{full_table_name}' already exists in database.")
        if policy == ExportWritePolicy.REPLACE and drop_table_on_replace:
            cursor.execute(f"DROP TABLE {full_table_name}" + (" CASCADE" if cascade_on_drop else ""))
            return True
        if policy == ExportWritePolicy.REPLACE:
            cursor.execute(f"DELETE FROM {full_table_name}")
        return False

    def _write_query(self, cursor, full_table_name, query_string, create):
        """A query's rows into the table: created from it, or inserted into the table kept (Mage would try to create
        a kept table again)."""
        if create:
            cursor.execute(self.build_create_table_as_command(full_table_name, query_string))
        else:
            cursor.execute(f"INSERT INTO {full_table_name}\n{query_string}")

    def _cursor(self):
        return closing(self.conn.cursor())

    def _clean_query(self, query_string):
        return query_string.strip(" \n\t")

    def _clean_frame(self, df):
        """Categoricals as text and durations as integers, as Mage's `BaseSQL.clean` leaves them."""
        df = df.copy()
        for name in df.columns:
            kind = infer_dtype(df[name])
            if kind == "categorical":
                df[name] = df[name].astype(str)
            elif kind in ("timedelta", "timedelta64", "period"):
                df[name] = df[name].astype("int64")
        return df


def infer_dtypes(df):
    """Each column's pandas inferred type (`integer`, `floating`, `string`, `datetime64`, ...), as Mage uses them."""
    return {name: infer_dtype(df[name]) for name in df.columns}


def infer_dtype(series):
    import pandas as pd

    return pd.api.types.infer_dtype(series, skipna=True)


def python_kind(dtype):
    """Mage's `convert_pandas_dtype_to_python_type`, as a name: int, float, bool, datetime or str."""
    dtype = str(dtype)
    if dtype in ("int64", "integer"):
        return "int"
    if "float" in dtype:
        return "float"
    if dtype in ("bool", "boolean"):
        return "bool"
    if "datetime" in dtype:
        return "datetime"
    return "str"


def frame_from_cursor(cursor):
    """The cursor's pending rows as a DataFrame with its column names (empty when the statement had no rows)."""
    import pandas as pd

    if cursor.description is None:
        return pd.DataFrame()
    columns = [column[0] for column in cursor.description]
    return pd.DataFrame.from_records(list(cursor.fetchall()), columns=columns, coerce_float=True)


def rows_for_insert(df):
    """The frame's rows as tuples of plain Python values; NaN, NaT and NA become None, timestamps text."""
    import math

    import pandas as pd

    def plain(value):
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, pd.Timestamp):
            return str(value)
        if hasattr(value, "item") and type(value).__module__ == "numpy":
            return value.item()
        return value

    for row in df.astype(object).itertuples(index=False, name=None):
        yield tuple(plain(value) for value in row)


def serialize_object(value):
    """A dict, an array or a list of dicts as JSON text (how Mage writes them to a text column)."""
    import json

    import numpy as np

    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, dict) or (isinstance(value, list) and value and isinstance(value[0], dict)):
        return json.dumps(value, default=str)
    return value


def _with_overrides(dtypes, overwrite_types):
    return {name: (overwrite_types or {}).get(name, column_type) for name, column_type in dtypes.items()}


def _column_name(name, auto_clean_name, case_sensitive):
    return clean_name(name, case_sensitive) if auto_clean_name else name
