"""Mage's `MSSQL` connector (Microsoft SQL Server): load a query, run SQL, export a DataFrame to a table.

It uses `pyodbc` with the ODBC driver named by MSSQL_DRIVER, as Mage does. Exports insert the rows with one
`executemany`; Mage's SQLAlchemy fast path (`fast_execute`) is not used.
"""

from mage_ai.io.config import ConfigKey
from mage_ai.io.sql import QUERY_ROW_LIMIT, BaseSQL, rows_for_insert, serialize_object

DEFAULT_DRIVER = "ODBC Driver 18 for SQL Server"


class MSSQL(BaseSQL):
    def __init__(
        self,
        database,
        host,
        password,
        user,
        authentication=None,
        schema=None,
        port=1433,
        verbose=True,
        **kwargs,
    ):
        super().__init__(
            authentication=authentication,
            database=database,
            server=host,
            user=user,
            password=password,
            schema=schema,
            port=port,
            verbose=verbose,
            **kwargs,
        )

    @classmethod
    def with_config(cls, config):
        """A connector from the MSSQL_* settings of an io_config profile (a `ConfigFileLoader`)."""
        return cls(
            authentication=config[ConfigKey.MSSQL_AUTHENTICATION],
            database=config[ConfigKey.MSSQL_DATABASE],
            schema=config[ConfigKey.MSSQL_SCHEMA],
            driver=config[ConfigKey.MSSQL_DRIVER],
            host=config[ConfigKey.MSSQL_HOST],
            password=config[ConfigKey.MSSQL_PASSWORD],
            port=config[ConfigKey.MSSQL_PORT],
            user=config[ConfigKey.MSSQL_USER],
        )

    @property
    def connection_string(self):
        """The ODBC connection string Mage builds (encrypted, trusting the server's certificate)."""
        parts = [
            f"DRIVER={{{self.settings.get('driver') or DEFAULT_DRIVER}}}",
            f"SERVER={self.settings['server']}",
            f"DATABASE={self.settings['database']}",
            f"UID={self.settings['user']}",
            f"PWD={self.settings['password']}",
            "ENCRYPT=yes",
            "TrustServerCertificate=yes",
        ]
        if self.settings.get("authentication"):
            parts.append(f"Authentication={self.settings['authentication']}")
        return ";".join(parts)

    def default_schema(self):
        return self.settings.get("schema") or "dbo"

    def build_create_schema_command(self, schema_name):
        return "\n".join(
            [
                "IF NOT EXISTS (",
                f"SELECT * FROM information_schema.schemata WHERE schema_name = '{schema_name}')",
                f"BEGIN EXEC('CREATE SCHEMA {schema_name}') END",
            ]
        )

    def build_create_table_as_command(self, table_name, query_string):
        return f"SELECT * INTO {table_name}\nFROM ({query_string}) AS prev"

    def table_exists(self, schema_name, table_name):
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT TOP 1 * FROM information_schema.tables \n"
                f"WHERE table_schema = '{schema_name}' AND table_name = '{table_name}'"
            )
            return len(cursor.fetchall()) >= 1

    def upload_dataframe(self, cursor, df, db_dtypes, dtypes, full_table_name, buffer=None, **kwargs):
        """One `executemany` of `INSERT INTO schema.table VALUES (?, ...)`."""
        frame = df.copy()
        for name in frame.columns:
            if frame[name].dtype == object:
                frame[name] = frame[name].map(serialize_object)
        slots = ", ".join(["?"] * len(frame.columns))
        cursor.executemany(f"INSERT INTO {full_table_name} VALUES ({slots})", list(rows_for_insert(frame)))

    def get_type(self, column, dtype):
        """The SQL Server type Mage gives a column of this pandas inferred type."""
        return _TYPES.get(dtype, "char(255)")

    def _enforce_limit(self, query, limit=QUERY_ROW_LIMIT):
        # SQL Server allows no WITH inside a subquery, so Mage sends the query as written.
        return query

    def _connect(self):
        return _pyodbc().connect(self.connection_string)


_TYPES = {
    "mixed": "text",
    "unknown-array": "text",
    "complex": "text",
    "object": "text",
    "datetime": "datetime2",
    "datetime64": "datetime2",
    "time": "time",
    "date": "date",
    "string": "char(255)",
    "categorical": "text",
    "bytes": "varbinary(255)",
    "floating": "decimal",
    "decimal": "decimal",
    "mixed-integer-float": "decimal",
    "integer": "bigint",
    "boolean": "char(52)",
    "timedelta": "bigint",
    "timedelta64": "bigint",
    "period": "bigint",
    "empty": "char(255)",
}


def _pyodbc():
    try:
        import pyodbc
    except ImportError:
        raise ImportError(
            "the MSSQL connector needs the `pyodbc` driver; add `pyodbc` to the project's requirements.txt "
            "(and install Microsoft's ODBC driver for SQL Server)"
        ) from None
    return pyodbc
