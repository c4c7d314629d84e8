"""Block outputs survive the trip to disk and back with their types, or fail with a clear message."""

import json
import math
from collections import namedtuple

import numpy as np
import pandas as pd
import pytest

from wand_runtime import outputs


class Passenger:
    """A user-defined class at module level, so pickle can find it again."""

    def __init__(self, name, age):
        self.name = name
        self.age = age

    def __eq__(self, other):
        return isinstance(other, Passenger) and (self.name, self.age) == (other.name, other.age)


Split = namedtuple("Split", ["train", "test"])


def round_trip(value, out_dir):
    stored = outputs.save(value, str(out_dir))
    return stored, outputs.load(stored)


def kinds(stored):
    return [meta["kind"] for meta in stored["outputs"]]


def test_pandas_frame_is_stored_as_arrow(tmp_path):
    frame = pd.DataFrame({"Age": [22.0, None, 38.0], "Name": ["Owen", "Laina", "Lily"], "Survived": [0, 1, 1]})
    stored, loaded = round_trip(frame, tmp_path)
    assert kinds(stored) == ["arrow"]
    meta = stored["outputs"][0]
    assert (meta["rows"], meta["columns"], meta["frame"]) == (3, 3, "pandas")
    assert meta["path"].endswith("output_0.arrow")
    pd.testing.assert_frame_equal(loaded, frame)


def test_tuple_comes_back_as_a_tuple_of_its_elements(tmp_path):
    frame = pd.DataFrame({"a": [1, 2]})
    stored, loaded = round_trip((frame, {"rows": 2}, "done"), tmp_path)
    assert stored["container"] == "tuple"
    assert kinds(stored) == ["arrow", "json", "json"]
    assert [meta["name"] for meta in stored["outputs"]] == ["output_0", "output_1", "output_2"]
    assert isinstance(loaded, tuple) and len(loaded) == 3
    pd.testing.assert_frame_equal(loaded[0], frame)
    assert loaded[1:] == ({"rows": 2}, "done")


def test_json_faithful_dict_is_stored_as_json(tmp_path):
    value = {"name": "titanic", "columns": ["Age", "Fare"], "epochs": 100, "rate": 0.001, "ok": True, "none": None}
    stored, loaded = round_trip(value, tmp_path)
    assert kinds(stored) == ["json"]
    assert loaded == value


def test_dict_with_non_string_keys_is_pickled_to_keep_the_keys(tmp_path):
    stored, loaded = round_trip({1: "one", (2, 3): "pair"}, tmp_path)
    assert kinds(stored) == ["pickle"]
    assert loaded == {1: "one", (2, 3): "pair"}


def test_numpy_array_keeps_its_dtype_and_shape(tmp_path):
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    stored, loaded = round_trip(array, tmp_path)
    assert kinds(stored) == ["pickle"]
    assert stored["outputs"][0]["type"] == "numpy.ndarray"
    assert loaded.dtype == np.float32 and loaded.shape == (3, 4)
    np.testing.assert_array_equal(loaded, array)


def test_instance_of_a_user_class_round_trips(tmp_path):
    stored, loaded = round_trip(Passenger("Owen", 22), tmp_path)
    assert kinds(stored) == ["pickle"]
    assert stored["outputs"][0]["type"].endswith("Passenger")
    assert loaded == Passenger("Owen", 22)


@pytest.mark.parametrize("value", [float("nan"), [1.0, float("nan")], {"loss": float("inf")}])
def test_nan_and_infinity_are_pickled_because_json_cannot_hold_them(tmp_path, value):
    stored, loaded = round_trip(value, tmp_path)
    assert kinds(stored) == ["pickle"]
    assert repr(loaded) == repr(value)


def test_nan_stays_nan(tmp_path):
    _, loaded = round_trip(float("nan"), tmp_path)
    assert isinstance(loaded, float) and math.isnan(loaded)


def test_numpy_scalar_in_a_tuple_is_pickled_and_keeps_its_type(tmp_path):
    stored, loaded = round_trip((np.float64(1.5), 2), tmp_path)
    assert stored["container"] == "tuple"
    assert kinds(stored) == ["pickle", "json"]
    assert loaded == (1.5, 2) and type(loaded[0]) is np.float64


def test_named_tuple_is_one_pickled_value_not_split(tmp_path):
    stored, loaded = round_trip(Split(train=[1], test=[2]), tmp_path)
    assert stored["container"] == "single"
    assert kinds(stored) == ["pickle"]
    assert loaded == Split(train=[1], test=[2]) and type(loaded) is Split


def test_lambda_cannot_be_stored_and_says_why(tmp_path):
    with pytest.raises(outputs.UnstorableOutput, match="output_0 is a function, which cannot be stored"):
        outputs.save(lambda row: row, str(tmp_path))


def test_load_path_reads_each_format_by_extension(tmp_path):
    big = list(range(2000))  # JSON text longer than INLINE_MAX_BYTES: a file
    stored = outputs.save((pd.DataFrame({"a": [1]}), big, Passenger("Lily", 5)), str(tmp_path))
    paths = [meta["path"] for meta in stored["outputs"]]
    assert [path.rsplit(".", 1)[1] for path in paths] == ["arrow", "json", "pkl"]
    assert outputs.load_path(paths[0])["a"].tolist() == [1]
    assert outputs.load_path(paths[1]) == big
    assert outputs.load_path(paths[2]) == Passenger("Lily", 5)


def test_a_small_json_value_is_kept_in_its_description_and_no_folder_is_made(tmp_path):
    out_dir = tmp_path / "out"
    value = {"z": 2**70, "a": ["é", "\udc80"], "f": 1e16, "none": None}
    stored, loaded = round_trip(value, out_dir)
    assert stored["outputs"] == [{"name": "output_0", "kind": "json", "text": json.dumps(value), "type": "dict"}]
    assert stored["outputs"][0]["text"].isascii()
    # Exactly as a file gives it back: key order, a big integer, a float that looks like an integer, a lone surrogate.
    assert loaded == value and list(loaded) == ["z", "a", "f", "none"] and type(loaded["f"]) is float
    assert not out_dir.exists()
    stored, loaded = round_trip(None, out_dir)
    assert stored["outputs"][0]["text"] == "null" and loaded is None and not out_dir.exists()


def test_inline_stops_at_its_limit(tmp_path):
    at_limit = "x" * (outputs.INLINE_MAX_BYTES - 2)  # with its quotes, exactly the limit
    over = "x" * (outputs.INLINE_MAX_BYTES - 1)
    for value, inline in [(at_limit, True), (over, False)]:
        stored, loaded = round_trip(value, tmp_path / "out")
        meta = stored["outputs"][0]
        assert ("text" in meta, "path" in meta) == (inline, not inline)
        assert meta["kind"] == "json" and loaded == value


def test_a_tuple_keeps_its_small_elements_inline_and_the_rest_in_files(tmp_path):
    big = list(range(2000))
    stored, loaded = round_trip((7, big), tmp_path)
    first, second = stored["outputs"]
    assert (first["text"], "path" in first) == ("7", False)
    assert second["path"].endswith("output_1.json") and "text" not in second
    assert loaded == (7, big)


def test_pyarrow_table_comes_back_as_a_pyarrow_table(tmp_path):
    import pyarrow as pa

    table = pa.table({"a": [1, 2]})
    stored, loaded = round_trip(table, tmp_path)
    assert stored["outputs"][0]["frame"] == "pyarrow"
    assert loaded.equals(table)
