"""Mage's GlobalDataProduct class in the mage_ai shim, and how a child of a global_data_product block is called.

Expected values: the freshness cases were computed by Mage 0.9.80's own `GlobalDataProduct` (see
crates/model/src/global_data_product/mage_cases.json); the child's arguments are what Mage's server passed
(crates/cli/tests/it/global_data_products_expected)."""

import json
import os
from datetime import datetime
from types import SimpleNamespace

import pandas as pd
import pytest

from mage_ai.data_preparation.models.global_data_product import GlobalDataProduct
from wand_runtime import global_data_product, outputs

CASES = os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "model", "src", "global_data_product", "mage_cases.json"
)


def _time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: FURB162 (the tests may run on 3.10)


def test_load_all_and_get_read_the_projects_file(tmp_path):
    (tmp_path / "global_data_products.yaml").write_text(
        "numbers:\n  object_type: pipeline\n  object_uuid: make\n  outdated_after:\n    seconds: 60\n"
        "  settings:\n    load: {}\n"
    )
    products = GlobalDataProduct.load_all(str(tmp_path))
    assert [p.uuid for p in products] == ["numbers"]
    product = GlobalDataProduct.get("numbers", str(tmp_path))
    assert product.object_uuid == "make"
    assert product.settings == {"load": {}}
    assert GlobalDataProduct.get("other", str(tmp_path)) is None
    assert product.to_dict(include_uuid=True)["uuid"] == "numbers"


def test_the_freshness_helpers_agree_with_mage():
    with open(CASES) as file:
        cases = json.load(file)["cases"]
    for case in cases:
        product = GlobalDataProduct(
            "p",
            object_type="pipeline",
            outdated_after=case["outdated_after"],
            outdated_starting_at=case["outdated_starting_at"],
        )
        next_run_at = product.next_run_at(SimpleNamespace(execution_date=_time(case["executed"])))
        expected = case["outdated_at"] and _time(case["outdated_at"])
        assert next_run_at == expected, case
        now = _time(case["now"])
        outdated = bool(next_run_at and now >= next_run_at) and product.is_outdated_after(now)
        assert outdated == case["outdated"], case


def test_get_outputs_outside_a_block_run_says_so():
    product = GlobalDataProduct("numbers", object_type="pipeline", object_uuid="make", settings={"load": {}})
    with pytest.raises(RuntimeError, match="works only inside a block run"):
        product.get_outputs()


def test_a_child_gets_the_outputs_by_block_and_the_remote_blocks(tmp_path):
    frame = pd.DataFrame({"n": [1, 2, 3]})
    stored = outputs.save(({"load": [frame]}, [[frame]]), str(tmp_path / "gdp"))
    plain = outputs.save({"x": 1}, str(tmp_path / "plain"))
    request = {
        "inputs": [stored, plain],
        "upstream": [{"uuid": "gdp", "block_type": "global_data_product"}, {"uuid": "plain"}],
    }
    loaded = [outputs.load(s) for s in request["inputs"]]
    args = global_data_product.positional(request, loaded)
    assert list(args[0]) == ["load"]
    assert args[0]["load"][0].equals(frame)
    assert args[1] == {"x": 1}
    remote = global_data_product.kwargs(request)["remote_blocks"]
    assert len(remote) == 1 and remote[0][0].equals(frame)
    assert global_data_product.kwargs({"inputs": [plain], "upstream": [{"uuid": "plain"}]}) == {}
