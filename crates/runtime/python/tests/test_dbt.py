"""dbt blocks' pieces without dbt: profiles.yml rendered as Mage renders it (Jinja with `env_var`, `variables` and
`mage_secret_var`), `models/mage_sources.yml` declared as Mage's editor writes it, `--vars` as Mage builds it, and
dbt's failure messages."""

import json
import sys
from datetime import datetime
from types import SimpleNamespace

import pytest
import yaml
from mage_ai.data_preparation.shared import secrets
from wand_runtime import dbt

PROFILES = """\
shop:
  target: "{{ variables('target') }}"
  outputs:
    duck:
      type: duckdb
      path: "{{ env_var('SHOP_DUCKDB') }}"
    pg:
      type: postgres
      password: "{{ mage_secret_var('pg_password') }}"
      port: {{ env_var('SHOP_PORT') }}
"""


def test_profiles_render_env_vars_variables_and_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOP_DUCKDB", "/data/shop.duckdb")
    monkeypatch.setenv("SHOP_PORT", "5433")
    monkeypatch.setitem(secrets._values, "pg_password", "hunter22")
    (tmp_path / "profiles.yml").write_text(PROFILES)
    written = tmp_path / "scratch"
    profiles = dbt.write_profiles(tmp_path, written, {"target": "pg"})
    assert profiles == {
        "shop": {
            "target": "pg",
            "outputs": {
                "duck": {"type": "duckdb", "path": "/data/shop.duckdb"},
                "pg": {"type": "postgres", "password": "hunter22", "port": 5433},
            },
        }
    }
    assert yaml.safe_load((written / "profiles.yml").read_text()) == profiles
    # The original is left as it was: the rendered file lives in a scratch folder only.
    assert (tmp_path / "profiles.yml").read_text() == PROFILES


def test_a_missing_or_broken_profiles_file_is_named(tmp_path):
    with pytest.raises(dbt.DbtFailure, match=r"the dbt project `.*` has no profiles.yml; add one beside"):
        dbt.write_profiles(tmp_path, tmp_path / "out", {})
    (tmp_path / "profiles.yml").write_text("shop: {{ nope( }}\n")
    with pytest.raises(dbt.DbtFailure, match=r"profiles.yml of dbt project `.*` cannot be rendered: "):
        dbt.write_profiles(tmp_path, tmp_path / "out", {})


def test_sources_are_declared_as_mage_declares_them_and_kept(tmp_path):
    document = dbt.add_sources(tmp_path, {}, "shop", "orders", ["load_orders"], "main")
    expected_table = {
        "name": "orders_load_orders",
        "identifier": "mage_orders_load_orders",
        "meta": {"pipeline_uuid": "orders", "block_uuid": "load_orders"},
        "description": "Dataframe for block `load_orders` of the `orders` mage pipeline.",
    }
    assert document == {
        "version": 2,
        "sources": [
            {
                "name": "mage_shop",
                "description": "Dataframes Mage upstream blocks",
                "loader": "mage",
                "schema": "main",
                "tables": [expected_table],
            }
        ],
    }
    assert yaml.safe_load((tmp_path / "models" / "mage_sources.yml").read_text()) == document
    # Again with another block, under another model path: the first declaration stays, the new one is added once.
    again = dbt.add_sources(tmp_path, {}, "shop", "orders", ["load_orders", "load_more"], "other")
    tables = again["sources"][0]["tables"]
    assert [table["name"] for table in tables] == ["orders_load_orders", "orders_load_more"]
    assert again["sources"][0]["schema"] == "main"
    custom = dbt.add_sources(tmp_path, {"model-paths": ["sql"]}, "shop", "p", ["b"], None)
    assert "schema" not in custom["sources"][0]
    assert (tmp_path / "sql" / "mage_sources.yml").is_file()


def test_vars_keep_simple_values_as_mage_does():
    variables = {
        "min_amount": 5,
        "name": "x",
        "flag": True,
        "nested": {"a": [1]},
        "when": datetime(2026, 3, 1, 10, 30),
        "nothing": None,
        "frame": object(),
        "__mage_variables": {"blocks": {}},
    }
    assert json.loads(dbt.variables_json(variables)) == {
        "min_amount": 5,
        "name": "x",
        "flag": True,
        "nested": {"a": [1]},
        "when": "2026-03-01T10:30:00",
    }


def test_the_project_is_the_nearest_folder_with_dbt_project_yml(tmp_path):
    model = tmp_path / "dbt" / "shop" / "models" / "staging" / "m.sql"
    model.parent.mkdir(parents=True)
    model.write_text("select 1")
    assert dbt.project_above(model, tmp_path) is None
    (tmp_path / "dbt" / "shop" / "dbt_project.yml").write_text("name: shop")
    assert dbt.project_above(model, tmp_path) == tmp_path / "dbt" / "shop"


def test_a_failure_message_is_dbts_own():
    crashed = SimpleNamespace(success=False, exception=RuntimeError("Could not find profile named 'shop'"), result=None)
    assert dbt.failure_message(crashed) == "Could not find profile named 'shop'"
    failed_node = SimpleNamespace(
        status="error", message="Binder Error: column x not found", node=SimpleNamespace(unique_id="model.shop.m")
    )
    passed = SimpleNamespace(status="success", message="OK", node=SimpleNamespace(unique_id="model.shop.n"))
    failed = SimpleNamespace(success=False, exception=None, result=SimpleNamespace(results=[passed, failed_node]))
    assert dbt.failure_message(failed) == "model.shop.m: Binder Error: column x not found"


def test_outputs_become_the_tables_mage_loads():
    assert dbt.as_frame({"a": 1}).to_dict("records") == [{"a": 1}]
    assert dbt.as_frame([{"a": 1}, {"a": 2}]).to_dict("records") == [{"a": 1}, {"a": 2}]
    assert dbt.as_frame(None).empty


def test_a_missing_dbt_or_adapter_names_the_package_to_add(monkeypatch):
    monkeypatch.setitem(sys.modules, "dbt.cli.main", None)
    with pytest.raises(dbt.DbtFailure, match=r"dbt-core cannot be imported .* add `dbt-core` and the adapter"):
        dbt._runner_class()
    profiles = {"shop": {"target": "dev", "outputs": {"dev": {"type": "nosuchdb"}}}}
    with pytest.raises(dbt.DbtFailure, match=r"`type: nosuchdb` cannot be imported .* add `dbt-nosuchdb` to the"):
        dbt._check_adapter(profiles, {"profile": "shop"}, None)
