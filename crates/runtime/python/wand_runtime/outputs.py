"""Block outputs: tables as Arrow IPC, JSON-able values as JSON, anything else pickled.

A block's return value is stored as `output_0`; a tuple element by element (`output_0`, `output_1`, ...) like Mage's
output variables, and comes back to the downstream block as a tuple. A small JSON value's text (at most
`INLINE_MAX_BYTES`) is kept in its description (`text`), which Wand keeps with the block run in its database and hands
to the blocks below: no folder, no file, nothing to read back. The text is kept as Python wrote it, so the value comes
back as a file would give it (key order, integers of any size, floats as floats) whatever database holds it. Any
other value is a file `<name>.<ext>` in the block run's output folder.
"""

import json
import math
import os
import pickle

ARROW, JSON, PICKLE = "arrow", "json", "pickle"
_EXTENSIONS = {ARROW: ".arrow", JSON: ".json", PICKLE: ".pkl"}
# The longest JSON text kept in an output's description instead of a file. A trivial block's folder and file cost
# two inode creations (0.05 to 0.6 ms each on the benchmark VM's ext4) and the block below a read
# (bench/RESULTS.md, "Issue 17, fourth session").
INLINE_MAX_BYTES = 4096


class UnstorableOutput(Exception):
    """A value that none of the formats can hold (e.g. an open file or a lambda)."""


def save(value, out_dir, frame=None):
    """Store a block's return value; returns {"container": "single"|"tuple", "outputs": [meta, ...]}.

    `frame` names the kind of DataFrame a downstream block gets back for an Arrow table (a SQL block's Arrow rows
    come back as pandas, as in Mage); by default the kind that was returned."""
    # The paths go into the run history and are read back by later runs, which may start elsewhere.
    out_dir = os.path.abspath(out_dir)
    if isinstance(value, tuple) and type(value) is tuple:
        metas = [save_one(item, out_dir, f"output_{index}", frame) for index, item in enumerate(value)]
        return {"container": "tuple", "outputs": metas}
    return {"container": "single", "outputs": [save_one(value, out_dir, "output_0", frame)]}


def save_one(value, out_dir, name, read_as=None):
    """Store one value, in its description or as `<out_dir>/<name>.<ext>`, and describe it."""
    frame = _frame_kind(value)
    if frame is not None:
        path = _file(out_dir, name, ARROW)
        table = _to_arrow(value, frame)
        _write_arrow(table, path)
        returned_as = read_as or frame
        return {
            "name": name,
            "kind": ARROW,
            "frame": returned_as,
            "path": path,
            "type": "pandas.core.frame.DataFrame" if returned_as == "pandas" else _type_name(value),
            "rows": table.num_rows,
            "columns": table.num_columns,
        }
    if _is_json_faithful(value):
        text = json.dumps(value)
        if len(text) <= INLINE_MAX_BYTES:  # ASCII: `json.dumps` escapes the rest
            return {"name": name, "kind": JSON, "text": text, "type": _type_name(value)}
        path = _file(out_dir, name, JSON)
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        return {"name": name, "kind": JSON, "path": path, "type": _type_name(value)}
    path = _file(out_dir, name, PICKLE)
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # pickle raises many types: TypeError, PicklingError, AttributeError...
        raise UnstorableOutput(
            f"{name} is a {_type_name(value)}, which cannot be stored ({error}); "
            "return a DataFrame, a JSON-able value or a picklable object"
        ) from error
    with open(path, "wb") as file:
        file.write(payload)
    return {"name": name, "kind": PICKLE, "path": path, "type": _type_name(value)}


def _file(out_dir, name, kind):
    """The path of output `name` stored as `kind`, its folder made (only a value stored as a file has one)."""
    os.makedirs(out_dir, exist_ok=True)
    return os.path.join(out_dir, name + _EXTENSIONS[kind])


def load(stored):
    """The value a downstream block receives for one upstream block (the inverse of `save`)."""
    values = [load_one(meta) for meta in stored["outputs"]]
    if stored.get("container") == "tuple":
        return tuple(values)
    return values[0] if values else None


def load_one(meta, frame=None):
    """The Python value one stored output was; `frame` overrides the kind of DataFrame a table comes back as."""
    if "text" in meta:
        return json.loads(meta["text"])
    return load_path(meta["path"], frame or meta.get("frame"))


def load_path(path, frame=None):
    """Read a stored output by its path; the extension tells the format."""
    if path.endswith(_EXTENSIONS[ARROW]):
        import pyarrow as pa

        with pa.memory_map(path, "r") as source:
            table = pa.ipc.open_file(source).read_all()
        if frame == "pyarrow":
            return table
        if frame == "polars":
            import polars

            return polars.from_arrow(table)
        return table.to_pandas()
    if path.endswith(_EXTENSIONS[JSON]):
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    with open(path, "rb") as file:
        return pickle.load(file)


def _frame_kind(value):
    module = type(value).__module__ or ""
    name = type(value).__name__
    if module.startswith("pandas") and name == "DataFrame":
        return "pandas"
    if module.startswith("polars") and name == "DataFrame":
        return "polars"
    if module.startswith("pyarrow") and name == "Table":
        return "pyarrow"
    return None


def _to_arrow(value, frame):
    if frame == "pyarrow":
        return value
    if frame == "polars":
        return value.to_arrow()
    import pyarrow as pa

    return pa.Table.from_pandas(value)


def _write_arrow(table, path):
    import pyarrow as pa

    with pa.OSFile(path, "wb") as sink:
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)


def _is_json_faithful(value, depth=0):
    """True when a JSON round trip gives back an equal value of the same types."""
    if depth > 100:
        return False
    if value is None or type(value) in (bool, int, str):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is list:
        return all(_is_json_faithful(item, depth + 1) for item in value)
    if type(value) is dict:
        return all(type(key) is str and _is_json_faithful(item, depth + 1) for key, item in value.items())
    return False


def _type_name(value):
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
