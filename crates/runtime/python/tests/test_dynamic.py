"""wand_runtime.dynamic: what a dynamic block fans out to and what its instances and reduces receive. The expected
values are Mage 0.9.80's server's (fixtures/mage_dynamic/ORACLE.md R3 and R4); the end-to-end comparison with every
recorded call is crates/cli/tests/it/dynamic.rs."""

import pandas as pd
import pytest
from wand_runtime import dynamic


def load(value):
    return value


def test_items_and_names_come_from_the_output_shapes_mage_accepts():
    assert dynamic.describe([[1, 2, 3], [{"block_uuid": "a"}, {"tag": 1}, {"block_uuid": "c"}]], "src") == {
        "count": 3,
        "names": ["a", None, "c"],
    }
    assert dynamic.describe([[1, 2]], "src") == {"count": 2, "names": []}
    assert dynamic.describe(pd.DataFrame({"x": [1, 2, 3]}), "src")["count"] == 3
    assert dynamic.describe([], "src")["count"] == 0


@pytest.mark.parametrize("output", [[1, 2, 3], {"a": 1}, 5, [[1], [{}], [2]]])
def test_other_shapes_say_what_to_return(output):
    with pytest.raises(dynamic.DynamicOutputError, match="returns \\[items\\] or \\[items, metadata\\]"):
        dynamic.describe(output, "src")


def test_an_instance_gets_its_item_and_its_metadata_as_kwargs():
    request = {
        "block_uuid": "child",
        "inputs": [[[10, 20], [{"block_uuid": "a", "tag": "x"}, {"block_uuid": "b"}]], {"side": True}],
        "picks": [{"pick": "item", "index": 0}, {"pick": "whole"}],
    }
    assert dynamic.arguments(request, load) == ([10, {"side": True}], {"block_uuid": "a", "tag": "x"})


def test_a_dataframe_item_is_its_row():
    frame = pd.DataFrame({"x": [1, 2]})
    request = {"block_uuid": "child", "inputs": [frame], "picks": [{"pick": "item", "index": 1}]}
    (row,), _ = dynamic.arguments(request, load)
    assert row.name == 1 and row["x"] == 2


@pytest.mark.parametrize(
    ("returned", "gathered", "kwargs"),
    [
        ([1, 2, 3], [1, 2, 3], {}),
        ([[[1, 1]], [[2, 2]]], [1, 1, 2, 2], {}),  # `[[x, x]]` per child: concatenated
        ([(1, {"m": 1}), (2, {"m": 2})], [[1, {"m": 1}], [2, {"m": 2}]], {"m": 2}),
        ([None, {"k": 1}], [None, {"k": 1}], {}),
        ([[5], [6]], [5, 6], {}),
    ],
)
def test_a_reduce_gathers_in_index_order_as_mage(returned, gathered, kwargs):
    request = {"block_uuid": "gather", "inputs": [None], "picks": [{"pick": "reduce", "instances": returned}]}
    assert dynamic.arguments(request, load) == ([gathered], kwargs)


def test_a_reduce_of_two_plain_values_fails_as_in_mage():
    request = {"block_uuid": "gather", "inputs": [None], "picks": [{"pick": "reduce", "instances": [[1, 1]]}]}
    with pytest.raises(TypeError, match="second value of a reduced output is a dict"):
        dynamic.arguments(request, load)
