"""Mage's block-variable helpers: read another block's stored output, and set a pipeline's global variable."""

import json
import os

from wand_runtime import context, outputs

_EXTENSIONS = (".arrow", ".json", ".pkl")


class VariableNotFound(KeyError):
    """No stored run output matches what `get_variable` asked for."""

    def __str__(self):
        return str(self.args[0])


def get_variable(pipeline_uuid, block_uuid, variable_name="output_0", partition=None, **_mage_options):
    """The output `variable_name` of `block_uuid` from the newest run of `pipeline_uuid` that stored it.

    `partition` picks one run id instead of the newest. Mage's other options (variable_type, spark, ...) are ignored.
    In a block run Wand answers from its database, which describes every output (a small JSON value is kept there,
    not in a file) and fetches one written on another machine. Elsewhere (a Python shell with `WAND_DATA_DIR` set)
    the output files are read: `<data_dir>/runs/<pipeline_uuid>/<run_id>/<block_uuid>/<variable_name>.<ext>`.
    """
    if context.has_channel():
        call = {
            "op": "get_variable",
            "pipeline_uuid": pipeline_uuid,
            "block_uuid": block_uuid,
            "variable_name": variable_name,
            "partition": None if partition is None else str(partition),
        }
        try:
            return outputs.load_one(context.call(call)["output"])
        except context.CallFailed as failure:
            raise VariableNotFound(str(failure)) from None
    runs_dir = os.path.join(_data_dir(), "runs", pipeline_uuid)
    run_ids = [str(partition)] if partition is not None else _run_ids_newest_first(runs_dir)
    for run_id in run_ids:
        for extension in _EXTENSIONS:
            path = os.path.join(runs_dir, run_id, block_uuid, variable_name + extension)
            if os.path.isfile(path):
                return outputs.load_path(path)
    which = f"run {partition}" if partition is not None else f"any of {len(run_ids)} run(s)"
    raise VariableNotFound(
        f"no stored output {variable_name!r} of block {block_uuid!r} in pipeline {pipeline_uuid!r} "
        f"({which} under {runs_dir}; a small JSON output is kept in Wand's database, which get_variable reads in a "
        "block run)"
    )


def set_global_variable(pipeline_uuid, key, value):
    """Set `variables.<key>` of a pipeline; Wand writes it into the pipeline's metadata.yaml when the block ends."""
    running = context.current()
    if running is None:
        raise RuntimeError(
            "set_global_variable works only inside a block run by Wand; "
            f"to change {pipeline_uuid!r} by hand, edit variables: in its metadata.yaml"
        )
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"global variable {key!r} must be a JSON-like value (str, finite number, bool, None, list, dict): {error}"
        ) from None
    requests = running.effects.setdefault("set_global_variable", [])
    requests.append({"pipeline_uuid": pipeline_uuid, "key": key, "value": value})


def _data_dir():
    running = context.current()
    if running is not None and running.data_dir:
        return running.data_dir
    data_dir = os.environ.get("WAND_DATA_DIR")
    if not data_dir:
        raise RuntimeError("get_variable needs Wand's data folder: run it in a block, or set WAND_DATA_DIR")
    return data_dir


def _run_ids_newest_first(runs_dir):
    try:
        names = os.listdir(runs_dir)
    except FileNotFoundError:
        return []
    return sorted((name for name in names if name.isdigit()), key=int, reverse=True)
