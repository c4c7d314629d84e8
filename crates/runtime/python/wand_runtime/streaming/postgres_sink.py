"""Mage's PostgreSQL sink (`connector_type: postgres`): rows appended to `schema.table`, one transaction per write.

With `unique_constraints` the table gets Mage's `CONSTRAINT unique<table>_<cols> UNIQUE (...)` when Wand creates it,
and rows go in with `ON CONFLICT (...) DO NOTHING` (`unique_conflict_method: IGNORE`, Mage's default) or
`DO UPDATE SET` every column (`UPDATE`): a batch the broker redelivers after a crash is then stored once.
A missing table is created from the first batch's columns (types as Wand's `Postgres.export` infers them).
"""

from mage_ai.io.base import clean_name, quote, table_frame
from mage_ai.io.postgres import _driver, _rows, column_type

from wand_runtime.streaming.connectors import ConfigError, check_keys

KEYS = (
    "database",
    "host",
    "password",
    "schema",
    "table",
    "username",
    "port",
    "unique_conflict_method",
    "unique_constraints",
    "allow_reserved_words",
    "auto_clean_name",
    "case_sensitive",
)
METHODS = ("IGNORE", "UPDATE")


class PostgresSink:
    def __init__(self, config, log):
        check_keys(config, "postgres", KEYS, required=("database", "host", "schema", "table", "username"))
        self.log = log
        self.schema = str(config["schema"])
        self.table = str(config["table"])
        self.auto_clean = config.get("auto_clean_name", True)
        self.case_sensitive = bool(config.get("case_sensitive", False))
        method = str(config.get("unique_conflict_method") or "IGNORE").upper()
        if method not in METHODS:
            raise ConfigError(f"unique_conflict_method must be one of {', '.join(METHODS)}, not {method!r}")
        self.method = method
        self.unique = [self._column(name) for name in config.get("unique_constraints") or []]
        # With a unique key a redelivered batch is stored once; without one it is appended again.
        self.idempotent = bool(self.unique)
        settings = {
            "dbname": config["database"],
            "user": config["username"],
            "password": config.get("password"),
            "host": config["host"],
            "port": int(config.get("port") or 5432),
        }
        self.connection = _driver().connect(**{key: value for key, value in settings.items() if value is not None})
        self.full_name = f"{quote(self.schema)}.{quote(self.table)}"
        self.ready = False
        log(f"writing to {config['host']}/{config['database']} {self.schema}.{self.table}")

    def _column(self, name):
        return clean_name(name, self.case_sensitive) if self.auto_clean else name

    def write(self, messages):
        if not messages:
            return
        import pandas as pd

        frame = table_frame(pd.DataFrame.from_records(messages), False, self.auto_clean, self.case_sensitive)
        cursor = self.connection.cursor()
        try:
            if not self.ready:
                self._create_table(cursor, frame)
            names = ", ".join(quote(name) for name in frame.columns)
            slots = ", ".join(["%s"] * len(frame.columns))
            statement = f"INSERT INTO {self.full_name} ({names}) VALUES ({slots})"
            if self.unique:
                statement += f" ON CONFLICT ({', '.join(quote(name) for name in self.unique)})"
                if self.method == "UPDATE":
                    updates = ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in frame.columns)
                    statement += f" DO UPDATE SET {updates}"
                else:
                    statement += " DO NOTHING"
            cursor.executemany(statement, list(_rows(frame)))
            self.connection.commit()
        except Exception:
            self.connection.rollback()
            raise
        finally:
            cursor.close()

    def _create_table(self, cursor, frame):
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (self.schema, self.table),
        )
        if not cursor.fetchall():
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema)}")
            columns = [f"{quote(name)} {column_type(frame[name])}" for name in frame.columns]
            if self.unique:
                index = (
                    f"unique{clean_name(f'{self.schema}.{self.table}', self.case_sensitive)}_{'_'.join(self.unique)}"
                )
                columns.append(f"CONSTRAINT {quote(index[:63])} UNIQUE ({', '.join(quote(u) for u in self.unique)})")
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {self.full_name} ({', '.join(columns)})")
        self.ready = True

    def close(self):
        self.connection.close()
