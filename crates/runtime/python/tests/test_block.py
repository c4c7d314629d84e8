"""One block run in the current process (`wand_runtime.block.run`).

Sensors wait as Mage's do (mage_ai/data_preparation/models/block/__init__.py, `SensorBlock` in Mage 0.9.80): a
sensor that returns a falsy value is called again every 60 seconds until it returns a truthy one, and has no output.
Wand used to call it once and complete, so its downstream blocks ran before the condition held (issue 10, point 2)."""

import json

from wand_runtime import block

SENSOR = """
if 'sensor' not in globals():
    from mage_ai.data_preparation.decorators import sensor

CHECKS = []


@sensor
def ready(*args, **kwargs):
    CHECKS.append(1)
    print(f'check {len(CHECKS)}')
    return len(CHECKS) >= kwargs['ready_on']
"""


def request(tmp_path, source=SENSOR, block_type="sensor", file="sensors/ready.py", **variables):
    project = tmp_path / "proj"
    (project / file).parent.mkdir(parents=True, exist_ok=True)
    (project / file).write_text(source)
    return {
        "repo_path": str(project),
        "project_name": "proj",
        "data_dir": str(tmp_path / "data"),
        "pipeline_uuid": "p",
        "block_uuid": "ready",
        "block_type": block_type,
        "run_id": 1,
        "file": file,
        "execution_date": "2026-12-02T00:00:00+00:00",
        "execution_partition": "manual/20261202T000000",
        "env": "dev",
        "trigger_name": None,
        "variables": variables,
        "configuration": {},
        "inputs": [],
        "output_dir": str(tmp_path / "out"),
        "run_tests": True,
        "timeout": None,
    }


def test_a_sensor_is_checked_every_minute_until_it_holds(tmp_path, monkeypatch, capsys):
    waits = []
    monkeypatch.setattr(block.time, "sleep", waits.append)
    result = block.run(request(tmp_path, ready_on=3))
    assert result["status"] == "completed", result
    assert waits == [60, 60], "two falsy checks, each followed by a minute's wait"
    printed = capsys.readouterr().out
    assert "check 3" in printed and printed.count("Sensor sleeping for 60 seconds...") == 2
    with open(result["stored"]["outputs"][0]["path"]) as file:
        assert json.load(file) is None, "a sensor has no output"


def test_a_sensor_that_holds_at_once_does_not_wait(tmp_path, monkeypatch):
    waits = []
    monkeypatch.setattr(block.time, "sleep", waits.append)
    assert block.run(request(tmp_path, ready_on=1))["status"] == "completed"
    assert waits == []


def test_a_huge_exception_message_is_kept_short_in_the_run_history(tmp_path):
    source = (
        "if 'custom' not in globals():\n"
        "    from mage_ai.data_preparation.decorators import custom\n\n\n"
        "@custom\n"
        "def boom(*args, **kwargs):\n"
        "    raise ValueError('x' * 1_000_000)\n"
    )
    result = block.run(request(tmp_path, source, "custom", "custom/boom.py"))
    assert result["status"] == "failed"
    assert result["error"].startswith("ValueError: xxx") and "[truncated: 1000012 characters" in result["error"]
    assert len(result["error"]) < block.MAX_ERROR_CHARS + 200
    assert len(result["traceback"]) < block.MAX_ERROR_CHARS + 200
    assert result["traceback"].rstrip().endswith("x"), "a traceback keeps its end, where the exception is"
