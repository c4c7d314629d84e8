"""The block run the current process is executing; set by the worker in the forked child."""

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


_current = None


def set_current(context):
    global _current
    _current = context


def current():
    """The running block's context, or None outside a block run (e.g. in a plain Python shell)."""
    return _current
