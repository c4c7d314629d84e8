"""Mage's `MySQL` connector (MySQL and MariaDB): load a query, run SQL, export a DataFrame to a table.

It uses the `mysql.connector` driver (`mysql-connector-python`), as Mage does. MySQL has no schemas apart from
databases, so a table is `table_name` in the connection's database unless `schema_name` names another database.
"""

from mage_ai.io.base import clean_name
from mage_ai.io.config import ConfigKey
from mage_ai.io.sql import (
    QUERY_ROW_LIMIT,
    UNIQUE_CONFLICT_METHOD_UPDATE,
    BaseSQL,
    rows_for_insert,
    serialize_object,
)


class MySQL(BaseSQL):
    def __init__(
        self,
        database,
        host,
        password,
        user,
        port=3306,
        allow_local_infile=False,
        verbose=True,
        **kwargs,
    ):
        super().__init__(
            database=database,
            host=host,
            password=password,
            port=port or 3306,
            user=user,
            verbose=verbose,
            allow_local_infile=allow_local_infile,
            **kwargs,
        )

    @classmethod
    def with_config(cls, config):
        """A connector from the MYSQL_* settings of an io_config profile (a `ConfigFileLoader`)."""
        settings = dict(
            database=config[ConfigKey.MYSQL_DATABASE],
            host=config[ConfigKey.MYSQL_HOST],
            password=config[ConfigKey.MYSQL_PASSWORD],
            port=config[ConfigKey.MYSQL_PORT],
            user=config[ConfigKey.MYSQL_USER],
        )
        if config[ConfigKey.MYSQL_ALLOW_LOCAL_INFILE] is not None:
            settings["allow_local_infile"] = config[ConfigKey.MYSQL_ALLOW_LOCAL_INFILE]
        return cls(**settings)

    def default_database(self):
        """The database the connection uses (Mage's MySQL block names tables without one)."""
        return self.settings.get("database")

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
        """`CREATE TABLE table (`column` TYPE NULL, ...);` with the unique constraint Mage names."""
        columns = []
        for name, column_type in dtypes.items():
            column_type = (overwrite_types or {}).get(name, column_type)
            column = clean_name(name, case_sensitive) if auto_clean_name else name
            columns.append(f"`{column}` {column_type} NULL")
        if unique_constraints:
            cleaned = [clean_name(name, case_sensitive) for name in unique_constraints]
            index_name = f"unique{'_'.join([clean_name(table_name, case_sensitive)] + cleaned)}"[:64]
            columns.append(f"CONSTRAINT {index_name} Unique({', '.join(cleaned)})")
        return f"CREATE TABLE {table_name} (" + ",".join(columns) + ");"

    def table_exists(self, schema_name, table_name):
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT * FROM information_schema.tables \n"
                f"WHERE table_schema = '{self.settings['database']}' AND table_name = '{table_name}'\n"
                "LIMIT 1"
            )
            return len(cursor.fetchall()) >= 1

    def upload_dataframe(
        self,
        cursor,
        df,
        db_dtypes,
        dtypes,
        full_table_name,
        buffer=None,
        case_sensitive=False,
        unique_constraints=None,
        unique_conflict_method=None,
        **kwargs,
    ):
        """One `executemany` of `INSERT INTO table (`a`, ...) VALUES (%s, ...)` (an upsert with Mage's options)."""
        frame = df.copy()
        for name in frame.columns:
            if frame[name].dtype == object:
                frame[name] = frame[name].map(serialize_object)
        columns = [clean_name(name, case_sensitive) for name in frame.columns]
        query = [
            f"INSERT INTO {full_table_name} ({', '.join(f'`{name}`' for name in columns)})",
            f"VALUES ({', '.join(['%s'] * len(columns))})",
        ]
        if unique_constraints and unique_conflict_method == UNIQUE_CONFLICT_METHOD_UPDATE:
            updates = ", ".join(f"{name} = new.{name}" for name in columns)
            query += ["AS new", f"ON DUPLICATE KEY UPDATE {updates}"]
        cursor.executemany("\n".join(query), list(rows_for_insert(frame)))

    def get_type(self, column, dtype):
        """The MySQL type Mage gives a column of this pandas inferred type."""
        if dtype in ("datetime", "datetime64"):
            return "TIMESTAMP"
        return _TYPES.get(dtype, "CHAR(255)")

    def _enforce_limit(self, query, limit=QUERY_ROW_LIMIT):
        query = query.strip(";")
        return f"\nSELECT *\nFROM (\n    {query}\n) a\nLIMIT {limit}\n"

    def _connect(self):
        connect = _connector().connect
        return connect(**{key: value for key, value in self.settings.items() if value is not None})


_TYPES = {
    "mixed": "TEXT",
    "unknown-array": "TEXT",
    "complex": "TEXT",
    "time": "TIME",
    "date": "DATE",
    "string": "TEXT",
    "categorical": "TEXT",
    "bytes": "VARBINARY(255)",
    "floating": "DECIMAL",
    "decimal": "DECIMAL",
    "mixed-integer-float": "DECIMAL",
    "integer": "BIGINT",
    "boolean": "CHAR(52)",
    "timedelta": "BIGINT",
    "timedelta64": "BIGINT",
    "period": "BIGINT",
    "empty": "CHAR(255)",
}


def _connector():
    try:
        import mysql.connector
    except ImportError:
        raise ImportError(
            "the MySQL connector needs the `mysql.connector` driver; add `mysql-connector-python` "
            "to the project's requirements.txt"
        ) from None
    return mysql.connector
