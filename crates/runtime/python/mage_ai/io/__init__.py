"""Mage's `mage_ai.io` package: io_config.yaml profiles and the connectors Mage users import (files, DuckDB,
PostgreSQL, MySQL, S3, BigQuery, Snowflake, Redshift, MSSQL, ClickHouse, Trino, MongoDB, Google Cloud Storage, Azure
Blob Storage, Google Sheets), each importing its driver on first use."""

# A real `mage-ai` installed in the environment supplies the modules Wand does not (`mage_ai.io.bigquery`...):
# the installed package's folder joins this one's search path, after it.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
