"""Mage's `BaseSource` as a Python source sees it: `init_client()` when made, `consume_method` saying whether Wand's
engine calls `batch_read(handler)` (a list of messages per call, the default) or `read(handler)` (one message per
call), and `destroy()` at the end (wand_runtime/streaming/python_classes.py runs them)."""

from enum import Enum


class SourceConsumeMethod(str, Enum):
    BATCH_READ = "BATCH_READ"
    READ = "READ"
    READ_ASYNC = "READ_ASYNC"


class BaseSource:
    consume_method = SourceConsumeMethod.BATCH_READ

    def __init__(self, config=None, **kwargs):
        self.config = config
        self.global_vars = kwargs.get("global_vars") or {}
        self.init_client()

    def init_client(self):
        """Opens the client of the source."""

    def read(self, handler):
        """Reads messages one by one, calling `handler(message)` for each (consume_method READ)."""
        raise NotImplementedError(f"{type(self).__name__} implements no read(handler)")

    def batch_read(self, handler):
        """Reads messages in batches, calling `handler(messages)` for each list (consume_method BATCH_READ)."""
        raise NotImplementedError(f"{type(self).__name__} implements no batch_read(handler)")

    def destroy(self):
        """Closes the client."""

    def _print(self, message):
        print(message, flush=True)
