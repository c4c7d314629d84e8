"""`mage_ai.orchestration.triggers.api.trigger_pipeline` keeps Mage's signature and asks Wand through the block's call
channel (the end-to-end runs are in crates/cli/tests/it/trigger_pipeline.rs)."""

import inspect

import pytest

from mage_ai.orchestration.triggers.api import trigger_pipeline
from mage_ai.orchestration.triggers.constants import DEFAULT_POLL_INTERVAL
from wand_runtime import context

# Mage 0.9.80, mage_ai/orchestration/triggers/api.py: the parameters and defaults of trigger_pipeline.
MAGE_PARAMETERS = [
    ("pipeline_uuid", inspect.Parameter.empty),
    ("repo_path", None),
    ("variables", None),
    ("check_status", False),
    ("error_on_failure", False),
    ("poll_interval", 60),
    ("poll_timeout", None),
    ("schedule_name", None),
    ("verbose", True),
    ("remote_blocks", None),
    ("return_remote_blocks", False),
    ("_should_schedule", False),
]


def test_the_signature_is_mages():
    parameters = inspect.signature(trigger_pipeline).parameters.values()
    assert [(p.name, p.default) for p in parameters] == MAGE_PARAMETERS
    assert DEFAULT_POLL_INTERVAL == 60


def test_outside_a_block_run_it_says_so():
    with pytest.raises(RuntimeError, match="trigger_pipeline works only inside a block run by Wand"):
        trigger_pipeline("other")


def test_a_call_goes_out_as_one_line_and_its_reply_comes_back(monkeypatch):
    import json
    import os

    call_r, call_w = os.pipe()
    reply_r, reply_w = os.pipe()
    os.write(reply_w, b'{"ok": true, "run_id": 9, "status": "initial"}\n')
    monkeypatch.setattr(context, "_channel", (call_w, reply_r))
    run = trigger_pipeline("other", variables={"a": 1})
    assert (run.id, run.pipeline_uuid, run.status, run.variables) == (9, "other", "initial", {"a": 1})
    assert json.loads(os.read(call_r, 1 << 16)) == {
        "op": "trigger_pipeline",
        "pipeline_uuid": "other",
        "variables": {"a": 1},
    }
    os.write(reply_w, b'{"ok": false, "error": "there is no pipeline `nope`"}\n')
    with pytest.raises(context.CallFailed, match="there is no pipeline `nope`"):
        trigger_pipeline("nope")
