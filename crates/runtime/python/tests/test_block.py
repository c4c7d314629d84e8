"""One block run in the current process (`wand_runtime.block.run`).

Sensors wait as Mage's do (mage_ai/data_preparation/models/block/__init__.py, `SensorBlock` in Mage 0.9.80): a
sensor that returns a falsy value is called again every 60 seconds until it returns a truthy one, and has no output.
Wand's process does not sleep between checks: a check that does not hold answers "waiting", and Wand queues the
block run for its next check (issue 10, point 2)."""

import functools
import inspect

from wand_runtime import block, outputs

SENSOR = """
import os

if 'sensor' not in globals():
    from mage_ai.data_preparation.decorators import sensor


@sensor
def ready(*args, **kwargs):
    print('checking')
    return os.path.exists(kwargs['flag'])
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
        "sensor_interval": 60,
    }


def test_a_sensor_that_does_not_hold_answers_waiting_without_sleeping(tmp_path, capsys):
    result = block.run(request(tmp_path, flag=str(tmp_path / "flag")))
    assert result == {"status": "waiting"}
    assert capsys.readouterr().out == "checking\nSensor sleeping for 60 seconds...\n"
    assert not (tmp_path / "out").exists(), "a check that did not hold stores nothing"


def test_a_sensor_that_holds_completes_with_an_empty_list(tmp_path):
    # As on Mage 0.9.80's server (shared/tools/mage-oracle): the block after a sensor received `([],)`.
    (tmp_path / "flag").touch()
    result = block.run(request(tmp_path, flag=str(tmp_path / "flag")))
    assert result["status"] == "completed", result
    assert outputs.load_one(result["stored"]["outputs"][0]) == [], "a sensor's output is an empty list"


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


def test_a_scratchpad_runs_its_code_as_it_stands_and_has_no_output(tmp_path, capsys):
    # The editor's run of a scratchpad (Mage's notebook runs the cell as it is: no decorated function, no output).
    source = "total = sum([1, 2, 3])\nprint(f'total {total}')\n"
    result = block.run(request(tmp_path, source=source, block_type="scratchpad", file="scratchpads/pad.py"))
    assert result["status"] == "completed", result
    assert capsys.readouterr().out == "total 6\n"
    assert outputs.load_one(result["stored"]["outputs"][0]) is None


def test_a_plain_functions_shape_read_from_its_code_is_the_one_its_signature_gives():
    # `_call` reads a plain function's parameters from its code object (a forked child then touches fewer pages
    # than `inspect.signature` makes it touch); both readings must agree for every kind of parameter.
    sources = [
        "def f(): pass",
        "def f(data): pass",
        "def f(data, other=None): pass",
        "def f(data, /, other, *, flag=None): pass",
        "def f(*args): pass",
        "def f(data, *args, flag=None): pass",
        "def f(data, *args, **kwargs): pass",
        "def f(*, execution_date=None, env=None): pass",
        "def f(a, /, b=None, *args, c, d=1, **kwargs): pass",
    ]
    for source in sources:
        namespace = {}
        exec(source, namespace)
        function = namespace["f"]
        assert block._plain_shape(function) == block._signature_shape(inspect.signature(function)), source


def test_a_wrapped_block_function_is_called_with_the_parameters_of_the_function_it_wraps():
    def transform(data, env=None):
        return (data, env)

    @functools.wraps(transform)
    def logged(*args, **kwargs):
        return transform(*args, **kwargs)

    assert block._plain_shape(logged) is None
    assert block._call(logged, [1], {"env": "dev", "other": 3}) == (1, "dev")
