"""The connectors a streaming pipeline's YAML blocks may name (Mage's `connector_type`), and their shared types.

One registry line per connector: `connector_type: "module:Class"`, imported only when a pipeline uses it, so a
project installs only its own broker's client. (Minimal version on the `kafka` branch; the engine's branch owns the
final shape.)
"""

import importlib
from dataclasses import dataclass, field
from typing import Any

SOURCES = {
    "kafka": "wand_runtime.streaming.kafka:KafkaSource",
    "nats": "wand_runtime.streaming.nats:NatsSource",
}

SINKS = {
    "kafka": "wand_runtime.streaming.kafka:KafkaSink",
}


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
    return _pick(SOURCES, connector_type, file, "source")


def sink_class(connector_type, file):
    return _pick(SINKS, connector_type, file, "sink")


def _pick(registry, connector_type, file, role):
    if connector_type not in registry:
        raise ConfigError(f"{file}: unknown connector_type {connector_type!r}; Wand's {role}s: {', '.join(registry)}")
    module, name = registry[connector_type].split(":")
    return getattr(importlib.import_module(module), name)


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
