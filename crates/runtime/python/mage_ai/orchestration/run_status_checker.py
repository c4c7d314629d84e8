"""Mage's `check_status` (mage_ai/orchestration/run_status_checker.py in Mage 0.9.80): lets a sensor wait on another
pipeline's run (issue 10, point 2).

A block process never sees the database: `check_status` looks its query up in the answers Wand's worker put in the
block request. A query not answered yet ends the check with "asks"; the worker answers it from the run history and
runs the check again at once with the answer (a sensor is an idempotent check). Mage's rules then apply as they are.
"""

from datetime import datetime, timedelta, timezone

from wand_runtime import context

PIPELINE_FAILURE_STATUSES = ["cancelled", "failed"]

BLOCK_FAILURE_STATUSES = ["cancelled", "failed"]


def check_status(
    pipeline_uuid: str,
    execution_date: datetime,
    repo_path: str = None,
    block_uuid: str = None,
    hours: int = 24,
) -> bool:
    """Whether the run of `pipeline_uuid` (or its block run of `block_uuid`) with the latest execution date in the
    `hours` before `execution_date` completed; raises if it failed or was cancelled, or if the pipeline (or the
    block) does not exist. `repo_path` is the current project's, as in Mage."""
    execution_date = execution_date.replace(tzinfo=timezone.utc)
    answer = context.run_status(
        {
            "pipeline_uuid": pipeline_uuid,
            "block_uuid": block_uuid,
            "since": (execution_date - timedelta(hours=hours)).isoformat(),
            "until": execution_date.isoformat(),
        }
    )

    if not answer["pipeline_exists"]:
        raise Exception("Pipeline not found, stopping sensor...")
    if block_uuid is not None and not answer["block_exists"]:
        raise Exception("Block not found in pipeline, stopping sensor...")

    run_status = answer["run_status"]
    if run_status is None:
        return False

    if block_uuid is not None:
        block_run_status = answer["block_run_status"]
        if block_run_status is None:
            return False
        if block_run_status in BLOCK_FAILURE_STATUSES:
            raise Exception("Upstream block run failed, stopping sensor...")
        return block_run_status == "completed"
    if run_status in PIPELINE_FAILURE_STATUSES:
        raise Exception("Upstream pipeline run failed, stopping sensor...")
    return run_status == "completed"
