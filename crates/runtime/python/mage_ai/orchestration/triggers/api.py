"""Mage's `trigger_pipeline`: a block starts a run of another pipeline of the project, and may wait for it.

Under Wand the block asks the Wand process running it (`wand run` or `wand start`) through `wand_runtime.context.call`:
Wand creates the run as any manual run (the other pipeline's current code, the given variables), and when
`check_status` is set, waits for it and answers with its final status (it wakes when the run ends, so
`poll_interval` has nothing to set). Mage's signature is kept
(Mage 0.9.80); `repo_path` must be this project, and `remote_blocks` are Mage Pro's, which Wand refuses.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional

from mage_ai.orchestration.triggers.constants import DEFAULT_POLL_INTERVAL, TRIGGER_NAME_FOR_TRIGGER_CREATED_FROM_CODE

_ENDED = ("completed", "failed", "cancelled")


@dataclass
class PipelineRun:
    """What Wand tells of the run it started (the fields of Mage's `PipelineRun` that blocks read)."""

    id: int
    pipeline_uuid: str
    status: str
    variables: Dict

    @property
    def pipeline_schedule_name(self):
        return TRIGGER_NAME_FOR_TRIGGER_CREATED_FROM_CODE


def trigger_pipeline(
    pipeline_uuid: str,
    repo_path: str = None,
    variables: Dict = None,
    check_status: bool = False,
    error_on_failure: bool = False,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    poll_timeout: Optional[float] = None,
    schedule_name: str = None,
    verbose: bool = True,
    remote_blocks: List = None,
    return_remote_blocks: bool = False,
    _should_schedule: bool = False,
) -> PipelineRun:
    """Starts a run of `pipeline_uuid` with `variables`; with `check_status`, waits until it ends (at most
    `poll_timeout` seconds) and, with `error_on_failure`, raises when it failed, as Mage does."""
    from wand_runtime import context

    if remote_blocks or return_remote_blocks:
        raise NotImplementedError("remote_blocks are a Mage Pro feature that Wand does not run")
    running = context.current()
    if repo_path is not None and running is not None and repo_path.rstrip("/") != running.repo_path.rstrip("/"):
        raise ValueError(f"trigger_pipeline under Wand starts pipelines of this project only, not of {repo_path}")
    variables = dict(variables or {})
    started = context.call({"op": "trigger_pipeline", "pipeline_uuid": pipeline_uuid, "variables": variables})
    run = PipelineRun(started["run_id"], pipeline_uuid, started["status"], variables)
    if not check_status:
        return run
    waited = context.call({"op": "wait_for_run", "run_id": run.id, "timeout": poll_timeout})
    run.status = waited["status"]
    message = f"Pipeline run {run.id} for pipeline {pipeline_uuid}: {run.status}."
    if run.status == "failed" and error_on_failure:
        raise Exception(message)
    if run.status not in _ENDED:
        raise Exception(
            f"Pipeline run {run.id} for pipeline {pipeline_uuid}: time out after {poll_timeout} seconds. "
            f"Last status was {run.status}."
        )
    if verbose:
        print(message)
    return run
