"""Mage's `BaseSink` as a Python sink sees it: `init_client()` when made, `batch_write(messages)` per batch,
`destroy()` at the end (wand_runtime/streaming/python_classes.py runs them)."""


class BaseSink:
    def __init__(self, config=None, **kwargs):
        self.config = config
        self.global_vars = kwargs.get("global_vars") or {}
        self.init_client()

    def init_client(self):
        """Opens the client of the sink."""

    def batch_write(self, messages):
        """Writes a batch: each message the data, or {"data": ..., "metadata": ...}."""
        raise NotImplementedError(f"{type(self).__name__} implements no batch_write(messages)")

    def destroy(self):
        """Closes the client."""

    def _print(self, message):
        print(message, flush=True)
