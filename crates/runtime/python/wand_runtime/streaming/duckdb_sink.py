"""Mage's DuckDB sink (`connector_type: duckdb`, one of its generic-IO sinks): the `profile` of io_config.yaml
(default `default`) names the database, and `config` holds the export's keyword arguments (`table_name`, `schema_name`,
...; `if_exists` defaults to `append`, as in Mage). Each write is one DuckDB transaction (Wand's `DuckDB.export`).
"""

import os

from wand_runtime.streaming.connectors import ConfigError, check_keys

KEYS = ("profile", "config")


class DuckDBSink:
    idempotent = False  # a redelivered batch is written again (the engine counts it under duplicates)

    def __init__(self, config, log):
        check_keys(config, "duckdb", KEYS)
        from mage_ai.io.config import ConfigFileLoader
        from mage_ai.io.duckdb import DuckDB

        extra = config.get("config") or {}
        if not isinstance(extra, dict) or not extra.get("table_name"):
            raise ConfigError("connector_type 'duckdb' needs config: {table_name: ...} (the table to append to)")
        self.export_kwargs = {"if_exists": "append", **extra}
        profile = config.get("profile") or "default"
        repo = os.environ.get("WAND_REPO_PATH", ".")
        self.client = DuckDB.with_config(ConfigFileLoader(os.path.join(repo, "io_config.yaml"), profile))
        log(f"writing to DuckDB table {extra['table_name']} (io_config profile {profile})")

    def write(self, messages):
        if not messages:
            return
        import pandas as pd

        self.client.export(pd.DataFrame.from_records(messages), **self.export_kwargs)

    def close(self):
        self.client.close()
