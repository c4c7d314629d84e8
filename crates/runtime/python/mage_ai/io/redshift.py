"""Mage's `Redshift` connector: load a query, run SQL, export a DataFrame to a table of a Redshift cluster.

It uses `redshift_connector` (`redshift-connector`), as Mage does, with database credentials or an IAM profile.
Exports write the rows as one `INSERT ... VALUES` statement of literals, as Mage does.
"""

from mage_ai.io import base
from mage_ai.io.base import ExportWritePolicy, write_policy
from mage_ai.io.config import ConfigKey
from mage_ai.io.sql import QUERY_ROW_LIMIT, BaseSQL, frame_from_cursor, python_kind

_CONNECT_KEYS = (
    "access_key_id", "cluster_identifier", "database", "db_user", "host", "iam", "password", "port", "profile",
    "region", "secret_access_key", "user",
)  # fmt: skip
_TYPES = {"int": "BIGINT", "float": "FLOAT8", "bool": "BOOLEAN", "datetime": "TIMESTAMP", "str": "VARCHAR"}


class Redshift(BaseSQL):
    def __init__(self, **kwargs):
        kwargs.pop("verbose", None)
        super().__init__(verbose=True, **kwargs)

    @classmethod
    def with_config(cls, config, database=None, **kwargs):
        """A connector from the REDSHIFT_* and AWS_* settings: an IAM profile or temporary credentials."""
        if ConfigKey.REDSHIFT_DBNAME not in config:
            raise ValueError("AWS Redshift client requires REDSHIFT_DBNAME setting to connect.")
        kwargs["database"] = database or config[ConfigKey.REDSHIFT_DBNAME]
        iam = (ConfigKey.REDSHIFT_CLUSTER_ID, ConfigKey.REDSHIFT_DBUSER, ConfigKey.REDSHIFT_IAM_PROFILE)
        credentials = (
            ConfigKey.REDSHIFT_TEMP_CRED_USER,
            ConfigKey.REDSHIFT_TEMP_CRED_PASSWORD,
            ConfigKey.REDSHIFT_HOST,
        )
        if all(key in config for key in iam):
            kwargs.update(
                cluster_identifier=config[ConfigKey.REDSHIFT_CLUSTER_ID],
                db_user=config[ConfigKey.REDSHIFT_DBUSER],
                profile=config[ConfigKey.REDSHIFT_IAM_PROFILE],
                iam=True,
            )
        elif all(key in config for key in credentials):
            kwargs.update(
                user=config[ConfigKey.REDSHIFT_TEMP_CRED_USER],
                password=config[ConfigKey.REDSHIFT_TEMP_CRED_PASSWORD],
                host=config[ConfigKey.REDSHIFT_HOST],
                port=config[ConfigKey.REDSHIFT_PORT],
            )
        else:
            raise ValueError(
                "No valid configuration found for initializing AWS Redshift client: set REDSHIFT_TEMP_CRED_USER, "
                "REDSHIFT_TEMP_CRED_PASSWORD and REDSHIFT_HOST, or REDSHIFT_CLUSTER_ID, REDSHIFT_DBUSER and "
                "REDSHIFT_IAM_PROFILE."
            )
        kwargs["access_key_id"] = config[ConfigKey.AWS_ACCESS_KEY_ID]
        kwargs["secret_access_key"] = config[ConfigKey.AWS_SECRET_ACCESS_KEY]
        kwargs["region"] = config[ConfigKey.AWS_REGION]
        if ConfigKey.REDSHIFT_SCHEMA in config:
            kwargs["schema"] = config[ConfigKey.REDSHIFT_SCHEMA]
        return cls(**kwargs)

    @classmethod
    def with_temporary_credentials(cls, database, host, user, password, port=5439, **kwargs):
        return cls(database=database, host=host, user=user, password=password, port=port, **kwargs)

    @classmethod
    def with_iam(cls, cluster_identifier, database, db_user, profile="default", **kwargs):
        return cls(
            cluster_identifier=cluster_identifier,
            database=database,
            profile=profile,
            db_user=db_user,
            iam=True,
            **kwargs,
        )

    def default_database(self):
        return self.settings["database"]

    def default_schema(self):
        return self.settings.get("schema")

    def execute(self, query_string, **kwargs):
        with self._cursor() as cursor:
            cursor.execute(self._clean_query(query_string), **kwargs)

    def execute_query_raw(self, query, **kwargs):
        """Run each statement of a multi-statement string, then commit."""
        results = []
        with self._cursor() as cursor:
            for statement in (part.strip() for part in query.split(";")):
                if statement:
                    results.append(cursor.execute(statement))
        self.conn.commit()
        return results

    def load(self, query_string, limit=QUERY_ROW_LIMIT, display_query=None, verbose=True, *args, **kwargs):
        query_string = self._clean_query(query_string)
        with self._cursor() as cursor:
            cursor.execute(self._enforce_limit(query_string, limit), *args, **kwargs)
            return frame_from_cursor(cursor)

    def table_exists(self, schema_name, table_name):
        with self._cursor() as cursor:
            cursor.execute(f"SET search_path TO {schema_name}")
            cursor.execute(
                "\nSELECT 1\nFROM information_schema.tables\n"
                f"WHERE table_schema = '{schema_name}'\nAND table_name = '{table_name}'\n"
            )
            return len(cursor.fetchall()) >= 1

    def export(
        self,
        df,
        table_name=None,
        schema=None,
        schema_name=None,
        if_exists=ExportWritePolicy.APPEND,
        index=False,
        verbose=True,
        query_string=None,
        drop_table_on_replace=False,
        cascade_on_drop=False,
        create_schema=False,
        overwrite_types=None,
    ):
        """Write `df` (or the result of `query_string`) to a table; `table_name` may be `schema.table`."""

        if table_name is None:
            raise ValueError("Please provide a table_name argument in the export method.")
        policy = write_policy(if_exists)
        df = base.as_frame(df)
        schema_name = schema_name or schema
        if schema_name:
            full_table_name = f"{schema_name}.{table_name}"
        elif table_name.count(".") == 1:
            schema_name, table_name = table_name.split(".")
            full_table_name = f"{schema_name}.{table_name}"
        else:
            schema_name, full_table_name = "public", table_name
        columns = []
        if not query_string:
            if index:
                df = df.reset_index()
            df = self._clean_frame(df)
            columns = [(name, _TYPES[python_kind(df.dtypes[name])]) for name in df.columns]

        exists = self.table_exists(schema_name, table_name)
        with self._cursor() as cursor:
            if schema_name and create_schema:
                cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema_name};")
            create = self._apply_write_policy(
                cursor, full_table_name, exists, policy, drop_table_on_replace, cascade_on_drop
            )
            if query_string:
                self._write_query(cursor, full_table_name, query_string, create)
            else:
                if create:
                    types = [(name, (overwrite_types or {}).get(name, kind)) for name, kind in columns]
                    definitions = ", ".join(f"{name} {kind}" for name, kind in types)
                    cursor.execute(f"CREATE TABLE IF NOT EXISTS {full_table_name} ({definitions})")
                if len(df):
                    values = ", ".join("(" + ", ".join(format_value(value) for value in row) + ")" for row in df.values)
                    names = ", ".join(name for name, _ in columns)
                    cursor.execute(f"INSERT INTO {full_table_name} ({names})\nVALUES {values}")
            self.conn.commit()

    def _connect(self):
        import warnings

        connect = _redshift_connector().connect
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return connect(**{key: self.settings[key] for key in _CONNECT_KEYS if self.settings.get(key)})


def format_value(value):
    """A Python value as a SQL literal (Mage's `format_value`): NULL, TRUE/FALSE, a number or a quoted string."""
    import pandas as pd

    if not isinstance(value, list) and (value is None or pd.isnull(value)):
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if type(value) in (int, float):
        return str(value)
    text = str(value).replace("'", "''").replace('"', '\\"')
    return f"'{text}'"


def _redshift_connector():
    try:
        import redshift_connector
    except ImportError:
        raise ImportError(
            "the Redshift connector needs `redshift_connector`; add `redshift-connector` to the project's "
            "requirements.txt"
        ) from None
    return redshift_connector
