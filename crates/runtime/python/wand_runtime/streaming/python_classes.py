"""Streaming sources and sinks written as Python classes, as Mage writes them: a block file with one class decorated
`@streaming_source` (subclassing `BasePythonSource`, with `batch_read(handler)` or, for `consume_method = READ`,
`read(handler)`) or `@streaming_sink` (subclassing `BasePythonSink`, with `batch_write(messages)`). Mage makes the
class with `global_vars=<the pipeline's variables>`, which calls its `init_client()`.

The engine pulls batches (`read`) while Mage's classes push them (`handler(messages)` inside the class's own loop), so
the class's loop runs on a thread of its own and each `handler` call waits until the engine stored the batch in every
sink and committed it: when `handler` returns, the batch is stored, so a source that acknowledges after `handler`
returns (as Mage's own sources do) loses nothing in a crash. A `batch_read` that returns ends the stream; one that
raises fails the run with its error.
"""

import queue
import threading

from wand_runtime.streaming.connectors import Batch, ConfigError


class StreamStopped(Exception):  # noqa: N818  (raised into the class's loop to end it, not an error)
    """Raised from `handler` when the engine stops, so the class's loop ends."""


def _decorated_class(request, file, kind):
    """Loads the block file as a module and returns its one `@streaming_<kind>` class."""
    from wand_runtime import block, decorators

    decorators.reset()
    block._load_module(request, file)
    found = decorators.REGISTRY[f"streaming_{kind}s"]
    if not found:
        raise ConfigError(
            f"{file}: a Python streaming {kind} is a class decorated with @streaming_{kind} "
            f"(subclassing BasePython{kind.capitalize()}); none found"
        )
    return found[0]


class PythonSource:
    """A `@streaming_source` class behind the engine's read/commit contract."""

    # What the class's `handler` had not returned from before a crash, it may deliver again: counted as duplicates in
    # sinks that are not idempotent.
    redelivers = True

    def __init__(self, request, file, variables, log):
        cls = _decorated_class(request, file, "source")
        self.log = log
        self.source = cls(global_vars=variables)
        method = str(getattr(self.source, "consume_method", "BATCH_READ"))
        method = method.rsplit(".", 1)[-1].upper()
        if method not in ("BATCH_READ", "READ"):
            raise ConfigError(f"{file}: consume_method {method} is not run by Wand; use BATCH_READ or READ")
        self.one_by_one = method == "READ"
        self.batches = queue.Queue(maxsize=1)
        self.stopping = threading.Event()
        self.ended = None  # ("done", None) or ("failed", exception) once the class's loop is over
        self.thread = threading.Thread(target=self._consume, name="streaming-source", daemon=True)
        self.thread.start()
        log(f"reading with {cls.__name__}.{'read' if self.one_by_one else 'batch_read'}(handler)")

    def _consume(self):
        try:
            if self.one_by_one:
                self.source.read(handler=self._handle)
            else:
                self.source.batch_read(handler=self._handle)
            self.ended = ("done", None)
        except StreamStopped:
            self.ended = ("done", None)
        except BaseException as error:  # noqa: BLE001  (handed to the engine, which fails the run with it)
            self.ended = ("failed", error)
        self.batches.put(None)

    def _handle(self, messages, **kwargs):
        if self.stopping.is_set():
            raise StreamStopped()
        stored = threading.Event()
        calls = [[messages]] if self.one_by_one else [messages]
        count = 1 if self.one_by_one else len(messages)
        self.batches.put(Batch(calls=calls, kwargs=kwargs, count=count, token=stored))
        while not stored.wait(0.5):
            if self.stopping.is_set():
                raise StreamStopped()
        if self.stopping.is_set() and not stored.is_set():
            raise StreamStopped()

    def read(self, timeout):
        try:
            batch = self.batches.get(timeout=timeout)
        except queue.Empty:
            return None
        if batch is None:
            state, error = self.ended or ("done", None)
            if state == "failed":
                raise error
            raise EndOfStream()
        return batch

    def commit(self, batch):
        batch.token.set()
        return batch.count

    def lag(self):
        return None

    def close(self):
        self.stopping.set()
        self.source.destroy()


class EndOfStream(Exception):  # noqa: N818  (the normal end of a finite source)
    """The source's `batch_read` returned: the stream is over."""


class PythonSink:
    """A `@streaming_sink` class behind the engine's sink contract. Not idempotent (Wand cannot know)."""

    idempotent = False

    def __init__(self, request, file, variables, log):
        cls = _decorated_class(request, file, "sink")
        self.sink = cls(global_vars=variables)
        log(f"writing with {cls.__name__}.batch_write(messages)")

    def write(self, messages):
        if messages:
            self.sink.batch_write(messages)

    def close(self):
        self.sink.destroy()
