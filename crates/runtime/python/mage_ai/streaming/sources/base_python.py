"""Mage's `BasePythonSource`: the class a `@streaming_source` block subclasses (no YAML config)."""

from mage_ai.streaming.sources.base import BaseSource


class BasePythonSource(BaseSource):
    def __init__(self, **kwargs):
        super().__init__(None, **kwargs)
