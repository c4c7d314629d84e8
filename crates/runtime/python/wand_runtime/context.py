"""The block run the current process is executing; set by the supervisor in the forked child."""

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
