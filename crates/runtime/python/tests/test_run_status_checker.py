"""Mage's `check_status` (mage_ai/orchestration/run_status_checker.py in Mage 0.9.80) on the answers Wand's worker
gives: a question not answered yet ends the check with "asks"; answered, Mage's rules apply (issue 10, point 2)."""

from datetime import datetime, timezone

import pytest

from mage_ai.orchestration.run_status_checker import check_status
from wand_runtime import block, context
from test_block import request

DATE = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
QUERY = {
    "pipeline_uuid": "other",
    "block_uuid": None,
    "since": "2026-12-02T10:00:00+00:00",
    "until": "2026-12-02T12:00:00+00:00",
}


def answer(pipeline_exists=True, block_exists=True, run_status=None, block_run_status=None):
    return {
        "pipeline_exists": pipeline_exists,
        "block_exists": block_exists,
        "run_status": run_status,
        "block_run_status": block_run_status,
    }


@pytest.fixture
def answers():
    """The answers the current block's request carries; the test fills them in."""
    known = []
    context.set_current(
        context.BlockContext(
            repo_path="/p", project_name="p", data_dir="/d", pipeline_uuid="p", block_uuid="s", run_id=1,
            run_statuses=known,
        )
    )
    yield known
    context.set_current(None)


def test_an_unanswered_question_is_asked_with_its_window_in_utc(answers):
    with pytest.raises(context.Asks) as asked:
        check_status("other", DATE.replace(tzinfo=None), hours=2)
    assert asked.value.query == QUERY
    with pytest.raises(context.Asks) as asked:
        check_status("other", DATE, block_uuid="b")
    assert asked.value.query == {**QUERY, "block_uuid": "b", "since": "2026-12-01T12:00:00+00:00"}


@pytest.mark.parametrize(
    "run_status, holds",
    [(None, False), ("initial", False), ("running", False), ("completed", True)],
)
def test_the_latest_runs_status_decides(answers, run_status, holds):
    answers.append({"query": QUERY, "answer": answer(run_status=run_status)})
    assert check_status("other", DATE, hours=2) is holds


@pytest.mark.parametrize("run_status", ["failed", "cancelled"])
def test_a_failed_or_cancelled_run_stops_the_sensor(answers, run_status):
    answers.append({"query": QUERY, "answer": answer(run_status=run_status)})
    with pytest.raises(Exception, match="Upstream pipeline run failed, stopping sensor..."):
        check_status("other", DATE, hours=2)


def test_an_unknown_pipeline_or_block_stops_the_sensor(answers):
    answers.append({"query": QUERY, "answer": answer(pipeline_exists=False, block_exists=False)})
    with pytest.raises(Exception, match="Pipeline not found, stopping sensor..."):
        check_status("other", DATE, hours=2)
    answers.append({"query": {**QUERY, "block_uuid": "b"}, "answer": answer(block_exists=False)})
    with pytest.raises(Exception, match="Block not found in pipeline, stopping sensor..."):
        check_status("other", DATE, block_uuid="b", hours=2)


@pytest.mark.parametrize(
    "run_status, block_run_status, holds",
    [
        (None, None, False),
        ("running", None, False),
        ("running", "running", False),
        ("failed", "upstream_failed", False),
        ("failed", "completed", True),
        ("running", "completed", True),
    ],
)
def test_with_a_block_its_block_run_decides(answers, run_status, block_run_status, holds):
    query = {**QUERY, "block_uuid": "b"}
    answers.append({"query": query, "answer": answer(run_status=run_status, block_run_status=block_run_status)})
    assert check_status("other", DATE, block_uuid="b", hours=2) is holds


@pytest.mark.parametrize("block_run_status", ["failed", "cancelled"])
def test_a_failed_or_cancelled_block_run_stops_the_sensor(answers, block_run_status):
    query = {**QUERY, "block_uuid": "b"}
    answers.append({"query": query, "answer": answer(run_status="failed", block_run_status=block_run_status)})
    with pytest.raises(Exception, match="Upstream block run failed, stopping sensor..."):
        check_status("other", DATE, block_uuid="b", hours=2)


SENSOR = """
from mage_ai.orchestration.run_status_checker import check_status

if 'sensor' not in globals():
    from mage_ai.data_preparation.decorators import sensor


@sensor
def other_done(*args, **kwargs):
    try:
        return check_status('other', kwargs['execution_date'], hours=2)
    except Exception:
        return False  # a block's `except Exception` does not swallow the question
"""


def test_a_sensor_asks_then_holds_with_the_answer(tmp_path, capsys):
    asking = request(tmp_path, SENSOR, file="sensors/other_done.py")
    asking["execution_date"] = DATE.isoformat()
    assert block.run(asking) == {"status": "asks", "queries": [QUERY]}
    assert capsys.readouterr() == ("", ""), "a question prints nothing"
    answered = dict(asking, run_statuses=[{"query": QUERY, "answer": answer(run_status="completed")}])
    assert block.run(answered)["status"] == "completed"
    answered = dict(asking, run_statuses=[{"query": QUERY, "answer": answer(run_status="running")}])
    assert block.run(answered) == {"status": "waiting"}
