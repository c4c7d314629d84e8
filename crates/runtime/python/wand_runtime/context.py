"""The block run the current process is executing; set by the supervisor in the forked child."""

import os
from dataclasses import dataclass, field


@dataclass
class BlockContext:
    repo_path: str
    project_name: str
    data_dir: str
    pipeline_uuid: str
    block_uuid: str
    run_id: int
    variables: dict = field(default_factory=dict)
    # Side effects a block asks for that the Rust side applies after the block completes,
    # e.g. {"set_global_variable": [{"pipeline_uuid": ..., "key": ..., "value": ...}]}.
    effects: dict = field(default_factory=dict)
    # The answers to a sensor's questions about other runs (`check_status`), as the worker gave them:
    # [{"query": {...}, "answer": {...}}].
    run_statuses: list = field(default_factory=list)


_current = None
# The pipes to Wand of the block run this process executes: (call pipe to write, reply pipe to read).
_channel = None


def set_current(context):
    global _current
    _current = context


class Asks(BaseException):
    """A question about the run history the request carries no answer to: the worker answers it and runs the block
    again. A BaseException, so that a block's `except Exception` does not swallow it."""

    def __init__(self, query):
        super().__init__(query)
        self.query = query


def run_status(query):
    """The worker's answer to `query` (see `mage_ai.orchestration.run_status_checker`), or `Asks` for it."""
    if _current is None:
        raise RuntimeError("check_status runs only inside a block run")
    for known in _current.run_statuses:
        if known.get("query") == query:
            return known["answer"]
    raise Asks(query)


def current():
    """The running block's context, or None outside a block run (e.g. in a plain Python shell)."""
    return _current


def has_channel():
    """Whether this process runs a block for Wand and can `call` it."""
    return _channel is not None


def set_channel(call_fd, reply_fd):
    global _channel
    _channel = (call_fd, reply_fd)


class CallFailed(RuntimeError):
    """Wand could not do what the block asked (the reply's `error`)."""


def call(request):
    """Asks Wand for something while the block runs (`request` is a JSON object with an `op`) and waits for the
    reply; a reply that is not `ok` raises `CallFailed` with Wand's reason."""
    import json

    if _channel is None:
        raise RuntimeError(f"{request.get('op')} works only inside a block run by Wand")
    call_fd, reply_fd = _channel
    payload = json.dumps(request).encode() + b"\n"
    view = memoryview(payload)
    while view:
        view = view[os.write(call_fd, view) :]
    line = bytearray()
    while not line.endswith(b"\n"):
        data = os.read(reply_fd, 1 << 16)
        if not data:
            raise CallFailed("Wand stopped before it replied")
        line += data
    reply = json.loads(line)
    if not reply.get("ok"):
        raise CallFailed(reply.get("error") or "Wand refused the call")
    return reply
