"""Mage's `mage_ai.io` package: io_config.yaml profiles and the file, PostgreSQL and DuckDB connectors."""
