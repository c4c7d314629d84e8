"""The connectors a streaming pipeline's YAML blocks may name (Mage's `connector_type`), and their shared types.

One registry line per connector: `connector_type: "module:Class"`, imported only when a pipeline uses it, so a
project installs only its own broker's client.
"""

import importlib
from dataclasses import dataclass, field
from typing import Any

SOURCES = {
    "kafka": "wand_runtime.streaming.kafka:KafkaSource",
    "nats": "wand_runtime.streaming.nats:NatsSource",
    "rabbitmq": "wand_runtime.streaming.rabbitmq:RabbitMQSource",
}

SINKS = {
    "postgres": "wand_runtime.streaming.postgres_sink:PostgresSink",
    "duckdb": "wand_runtime.streaming.duckdb_sink:DuckDBSink",
    "file": "wand_runtime.streaming.file_sink:FileSink",
    "kafka": "wand_runtime.streaming.kafka:KafkaSink",
}

# Mage 0.9.80's other connector types (mage_ai/streaming/constants.py): known, not run by Wand.
MAGE_ONLY_SOURCES = (
    "activemq",
    "amazon_sqs",
    "azure_event_hub",
    "google_cloud_pubsub",
    "influxdb",
    "kinesis",
    "mongodb",
)
MAGE_ONLY_SINKS = (
    "activemq",
    "amazon_s3",
    "azure_data_lake",
    "bigquery",
    "clickhouse",
    "druid",
    "dummy",
    "elasticsearch",
    "google_cloud_pubsub",
    "google_cloud_storage",
    "influxdb",
    "kinesis",
    "mongodb",
    "mssql",
    "mysql",
    "opensearch",
    "oracledb",
    "rabbitmq",
    "redshift",
    "snowflake",
    "trino",
)


class ConfigError(Exception):
    """A streaming block's YAML names an unknown connector or key, or misses a required one."""


@dataclass
class Batch:
    """What one `read` returned: each element of `calls` is one transformer call's first argument, as Mage gives
    it; `kwargs` are extra keyword arguments for the transformers; `count` is how many messages the batch holds;
    `token` is the source's own note of what `commit` acknowledges (offsets, messages)."""

    calls: list
    kwargs: dict = field(default_factory=dict)
    count: int = 0
    token: Any = None


def source_class(connector_type, file):
    return _pick(SOURCES, MAGE_ONLY_SOURCES, connector_type, file, "source")


def sink_class(connector_type, file):
    return _pick(SINKS, MAGE_ONLY_SINKS, connector_type, file, "sink")


def _pick(registry, mage_only, connector_type, file, role):
    if connector_type in registry:
        module, name = registry[connector_type].split(":")
        return getattr(importlib.import_module(module), name)
    known = ", ".join(sorted(registry))
    if connector_type in mage_only:
        raise ConfigError(
            f"{file}: connector_type {connector_type!r} is a Mage {role} that Wand does not run yet; "
            f"Wand's {role}s: {known}"
        )
    raise ConfigError(f"{file}: unknown connector_type {connector_type!r}; Wand's {role}s: {known}")


def require(module, package, connector_type):
    """Imports the broker client `module`, or raises ConfigError naming the `package` to add to requirements.txt."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f"connector_type {connector_type!r} needs the {package} package: add `{package}` to the project's "
            "requirements.txt"
        ) from None


def check_keys(config, connector_type, allowed, required=()):
    """Raises ConfigError for a key the connector does not know or a required key that is missing."""
    unknown = sorted(set(config) - set(allowed))
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r} for connector_type {connector_type!r}; known: {', '.join(sorted(allowed))}"
        )
    missing = [key for key in required if config.get(key) in (None, "")]
    if missing:
        raise ConfigError(f"connector_type {connector_type!r} needs {', '.join(missing)}")
