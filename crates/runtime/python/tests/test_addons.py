"""Conditionals and callbacks run in the process of the block they are attached to (`wand_runtime.addons`).

The rules are Mage 0.9.80's (ConditionalBlock.execute_conditional and CallbackBlock.execute_callback in
mage_ai/data_preparation/models/block/__init__.py, BlockExecutor._execute_conditional and execute_callback in
mage_ai/data_preparation/executors/block_executor.py); the end-to-end tests in crates/cli/tests/it/addons.rs compare
whole runs with what Mage's server did."""

import json

from wand_runtime import block

LOADER = """
import json, os

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader


@data_loader
def load(*args, **kwargs):
    with open(os.path.join(kwargs['out_dir'], 'block_ran'), 'w') as file:
        json.dump([repr(arg) for arg in args], file)
    if kwargs.get('fail'):
        raise ValueError('no rows')
    return {'rows': 3}
"""

CONDITION = """
import json, os

if 'condition' not in globals():
    from mage_ai.data_preparation.decorators import condition


@condition
def check(*args, **kwargs):
    seen = {{'args': [repr(arg) for arg in args], 'block_uuid': kwargs['block_uuid'],
            'parent_block_uuid': kwargs['parent_block_uuid']}}
    with open(os.path.join(kwargs['out_dir'], '{name}.json'), 'w') as file:
        json.dump(seen, file)
    return {result}
"""

CALLBACK = """
import json, os

if 'callback' not in globals():
    from mage_ai.data_preparation.decorators import callback


def record(name, args, kwargs):
    seen = {'args': [repr(arg) for arg in args], 'block_uuid': kwargs['block_uuid'],
            'parent_block_uuid': kwargs['parent_block_uuid'], 'retry': kwargs['retry'],
            'error': repr(kwargs.get('__error'))}
    with open(os.path.join(kwargs['out_dir'], name + '.json'), 'w') as file:
        json.dump(seen, file)


@callback('success')
def on_success(*args, **kwargs):
    record('success', args, kwargs)


@callback('failure')
def on_failure(*args, **kwargs):
    record('failure', args, kwargs)
"""


def request(tmp_path, conditionals=(), callbacks=(), **variables):
    """A request for the data loader `load` of project `proj` with the given add-ons: (uuid, source) pairs."""
    project = tmp_path / "proj"
    out = tmp_path / "seen"
    out.mkdir(exist_ok=True)

    def write(file, source):
        (project / file).parent.mkdir(parents=True, exist_ok=True)
        (project / file).write_text(source)
        return file

    write("data_loaders/load.py", LOADER)
    addons = {"conditionals": [], "callbacks": []}
    for kind, entries in (("conditionals", conditionals), ("callbacks", callbacks)):
        for uuid, source in entries:
            addons[kind].append({"uuid": uuid, "file": write(f"{kind}/{uuid}.py", source)})
    return {
        "repo_path": str(project),
        "project_name": "proj",
        "data_dir": str(tmp_path / "data"),
        "pipeline_uuid": "p",
        "block_uuid": "load",
        "block_type": "data_loader",
        "run_id": 1,
        "file": "data_loaders/load.py",
        "execution_date": "2026-12-02T00:00:00+00:00",
        "execution_partition": "manual/20261202T000000",
        "env": "dev",
        "trigger_name": None,
        "variables": {"out_dir": str(out), **variables},
        "configuration": {},
        "inputs": [],
        "output_dir": str(tmp_path / "out"),
        "run_tests": True,
        "timeout": None,
        "sensor_interval": 60,
        "attempt": 1,
        "retries": 0,
        **addons,
    }


def seen(tmp_path, name):
    path = tmp_path / "seen" / name
    return json.loads(path.read_text()) if path.exists() else None


def test_a_false_condition_stops_the_block_before_it_runs(tmp_path, capsys):
    result = block.run(request(tmp_path, conditionals=[("never", CONDITION.format(name="never", result="False"))]))
    assert result == {"status": "condition_failed"}
    assert seen(tmp_path, "block_ran") is None, "the block did not run"
    assert seen(tmp_path, "never.json") == {"args": [], "block_uuid": "never", "parent_block_uuid": "load"}
    log = capsys.readouterr().out
    assert "Conditional block never evaluated as False for block load" in log
    assert "This block run and downstream blocks will be set as CONDITION_FAILED." in log


def test_every_conditional_is_evaluated_and_all_must_hold(tmp_path):
    both = [
        ("yes", CONDITION.format(name="yes", result="True")),
        ("no", CONDITION.format(name="no", result="0")),
    ]
    assert block.run(request(tmp_path, conditionals=both))["status"] == "condition_failed"
    assert seen(tmp_path, "yes.json") and seen(tmp_path, "no.json"), "both were evaluated"
    holds = [("yes", CONDITION.format(name="yes", result="['truthy']"))]
    assert block.run(request(tmp_path, conditionals=holds))["status"] == "completed"
    assert seen(tmp_path, "block_ran") == []


def test_a_conditional_that_raises_counts_as_false_and_its_traceback_is_logged(tmp_path, capsys):
    raises = CONDITION.format(name="raises", result="1 / 0")
    result = block.run(request(tmp_path, conditionals=[("raises", raises)]))
    assert result == {"status": "condition_failed"}
    err = capsys.readouterr().err
    assert "Failed to execute conditional block raises for block load." in err
    assert "ZeroDivisionError" in err


def test_a_success_callback_gets_the_output_and_the_failure_one_does_not_run(tmp_path):
    result = block.run(request(tmp_path, callbacks=[("notify", CALLBACK)]))
    assert result["status"] == "completed" and result["callback_errors"] == []
    assert seen(tmp_path, "success.json") == {
        "args": ["{'rows': 3}"],
        "block_uuid": "notify",
        "parent_block_uuid": "load",
        "retry": {"attempts": 1},
        "error": "None",
    }
    assert seen(tmp_path, "failure.json") is None


def test_failure_callbacks_run_after_the_last_attempt_only(tmp_path):
    first = {**request(tmp_path, callbacks=[("notify", CALLBACK)], fail=True), "retries": 1}
    assert block.run(first)["status"] == "failed"
    assert seen(tmp_path, "failure.json") is None, "a retry follows: no failure callback yet"
    last = {**first, "attempt": 2}
    assert block.run(last)["status"] == "failed"
    assert seen(tmp_path, "failure.json") == {
        "args": ["[]"],
        "block_uuid": "notify",
        "parent_block_uuid": "load",
        "retry": {"attempts": 2},
        "error": "ValueError('no rows')",
    }
    assert seen(tmp_path, "success.json") is None


def test_a_callback_that_raises_leaves_the_block_completed_and_is_reported(tmp_path, capsys):
    raising = CALLBACK.replace("record('success', args, kwargs)", "raise KeyError('url')")
    result = block.run(request(tmp_path, callbacks=[("notify", raising)]))
    assert result["status"] == "completed"
    assert result["callback_errors"] == ["success callback `notify` failed: KeyError: 'url'"]
    assert "Failed to execute success callback block notify for block load." in capsys.readouterr().err


LEGACY = """
import json, os

if 'on_success' not in globals():
    from mage_ai.data_preparation.decorators import on_success


@on_success
def done(**kwargs):
    with open(os.path.join(kwargs['out_dir'], 'legacy.json'), 'w') as file:
        json.dump(kwargs['block_uuid'], file)


@callback
def bare():
    with open(os.path.join(os.environ['WAND_TEST_OUT'], 'bare.json'), 'w') as file:
        json.dump('called', file)


@callback('success')
def keywords_only(**kwargs):
    with open(os.path.join(kwargs['out_dir'], 'keywords.json'), 'w') as file:
        json.dump(sorted(kwargs['__input']), file)
"""


def test_legacy_bare_and_keyword_only_callbacks_are_called_as_mage_calls_them(tmp_path, monkeypatch):
    monkeypatch.setenv("WAND_TEST_OUT", str(tmp_path / "seen"))
    result = block.run(request(tmp_path, callbacks=[("load_callback", LEGACY)]))
    assert result["status"] == "completed" and result["callback_errors"] == []
    assert seen(tmp_path, "legacy.json") == "load_callback"
    assert seen(tmp_path, "bare.json") == "called"
    assert seen(tmp_path, "keywords.json") == ["df_1", "load"]


CANCELLED = """
import json, os

if 'callback' not in globals():
    from mage_ai.data_preparation.decorators import callback


@callback('success')
def on_success(*args, **kwargs):
    raise AssertionError('a success callback does not run for a cancelled block run')


@on_failure
def legacy(**kwargs):
    raise AssertionError('Mage has no legacy kind for cancelled')


@callback('cancelled')
def on_cancelled(*args, **kwargs):
    with open(os.path.join(kwargs['out_dir'], 'cancelled.json'), 'w') as file:
        json.dump({'args': [repr(arg) for arg in args], 'kwargs': sorted(kwargs),
                   'block_uuid': kwargs['block_uuid'], 'parent_block_uuid': kwargs['parent_block_uuid']}, file)
"""


def test_cancelled_callbacks_run_alone_with_no_argument_and_mages_kwargs(tmp_path):
    """The request of a block run cancelled in a cancelled run (mode `cancelled_callbacks`): the block itself does not
    run; the kwargs are those Mage's cancellation job passes (fixtures/mage09 `cb_cancel` on Mage 0.9.80's server,
    crates/cli/tests/it/addons_expected/cb_cancel), here without Mage's `pipeline_run` object."""
    raising = CANCELLED.replace("@callback('cancelled')\ndef on_cancelled", "@callback('cancelled')\ndef first")
    raising = raising.replace(
        "    with open(os.path.join(kwargs['out_dir'], 'cancelled.json')",
        "    raise KeyError('url')\n    with open(os.path.join(kwargs['out_dir'], 'cancelled.json')",
        1,
    )
    cancelled = {
        **request(tmp_path, callbacks=[("explode", raising), ("notify", CANCELLED)]),
        "mode": "cancelled_callbacks",
    }
    result = block.run(cancelled)
    assert result == {
        "status": "callbacks_ran",
        "callback_errors": ["cancelled callback `explode` failed: KeyError: 'url'"],
    }
    assert seen(tmp_path, "block_ran") is None, "the block itself does not run"
    assert seen(tmp_path, "cancelled.json") == {
        "args": [],
        "kwargs": [
            "block_uuid",
            "configuration",
            "context",
            "ds",
            "env",
            "event",
            "execution_date",
            "execution_partition",
            "hr",
            "out_dir",
            "parent_block_uuid",
            "pipeline_run_id",
            "pipeline_uuid",
            "repo_path",
            "trigger_name",
        ],
        "block_uuid": "notify",
        "parent_block_uuid": "load",
    }
