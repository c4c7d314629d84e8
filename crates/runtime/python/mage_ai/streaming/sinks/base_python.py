"""Mage's `BasePythonSink`: the class a `@streaming_sink` block subclasses (no YAML config)."""

from mage_ai.streaming.sinks.base import BaseSink


class BasePythonSink(BaseSink):
    def __init__(self, **kwargs):
        super().__init__(None, **kwargs)
