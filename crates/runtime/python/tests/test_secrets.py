"""Secrets in blocks: `get_secret_value` (Mage's signature) asks the worker through the block's call channel once
per secret, and `mage_secret_var` renders in io_config.yaml (for the profile read only) and in SQL templates. The
end-to-end runs, with masking, are in crates/cli/tests/it/secrets.rs."""

import inspect
import json
import os

import pytest

from mage_ai.data_preparation.shared import secrets as shim
from mage_ai.data_preparation.shared.secrets import SecretNotFound, get_secret_value
from mage_ai.io.config import ConfigFileLoader
from wand_runtime import context
from wand_runtime.sql import render


def test_outside_a_block_run_it_says_so(monkeypatch):
    monkeypatch.setattr(context, "_channel", None)
    monkeypatch.setattr(shim, "_values", {})
    with pytest.raises(RuntimeError, match=r"get_secret_value\('pg_password'\) works only inside a block run"):
        get_secret_value("pg_password")


def test_mages_arguments_are_accepted():
    parameters = list(inspect.signature(get_secret_value).parameters)
    assert parameters[0] == "name"
    with pytest.raises(TypeError, match="needs a secret's name"):
        get_secret_value(None)


def test_a_secret_is_asked_once_through_the_call_channel(monkeypatch):
    call_r, call_w = os.pipe()
    reply_r, reply_w = os.pipe()
    monkeypatch.setattr(context, "_channel", (call_w, reply_r))
    monkeypatch.setattr(shim, "_values", {})
    os.write(reply_w, b'{"ok": true, "value": "hunter22"}\n')
    assert get_secret_value("pg_password", repo_name="ignored", suppress_warning=True) == "hunter22"
    assert json.loads(os.read(call_r, 1 << 16)) == {"op": "get_secret", "name": "pg_password"}
    # Asked once: the second read is the block process's own copy (the worker already hides it in the log).
    assert get_secret_value("pg_password") == "hunter22"
    os.write(reply_w, b'{"ok": true, "value": null, "error": "there is no secret `nope`: an admin adds it"}\n')
    with pytest.raises(SecretNotFound) as raised:
        get_secret_value("nope")
    assert isinstance(raised.value, KeyError)
    assert str(raised.value) == "there is no secret `nope`: an admin adds it"
    assert json.loads(os.read(call_r, 1 << 16)) == {"op": "get_secret", "name": "nope"}
    os.write(reply_w, b'{"ok": false, "error": "the secrets in this database were stored with another key"}\n')
    with pytest.raises(context.CallFailed, match="another key"):
        get_secret_value("other")


IO_CONFIG = """\
default:
  POSTGRES_HOST: db.internal
  POSTGRES_PASSWORD: "{{ mage_secret_var('pg_password') }}"
  POSTGRES_USER: "{{mage_secret_var("pg_user")}}"
other:
  POSTGRES_PASSWORD: "{{ mage_secret_var('other_password') }}"
"""


def test_io_config_renders_the_secrets_of_the_profile_read(tmp_path, secrets):
    path = tmp_path / "io_config.yaml"
    path.write_text(IO_CONFIG, encoding="utf-8")
    secrets.stored.update(pg_password="hunter22", pg_user="reader")
    config = ConfigFileLoader(path, "default")
    assert (config["POSTGRES_PASSWORD"], config["POSTGRES_USER"]) == ("hunter22", "reader")
    # The other profile's secret is not asked for (it need not exist, and the block gets no more than it uses).
    assert sorted(secrets.asked) == ["pg_password", "pg_user"]


def test_an_unknown_secret_in_io_config_names_the_setting_and_the_secret(tmp_path, secrets):
    path = tmp_path / "io_config.yaml"
    path.write_text(IO_CONFIG, encoding="utf-8")
    with pytest.raises(ValueError) as raised:
        ConfigFileLoader(path, "other")
    assert str(raised.value) == (
        "POSTGRES_PASSWORD: mage_secret_var('other_password') failed: there is no secret `other_password`"
    )


def test_sql_templates_render_mage_secret_var(secrets):
    secrets.stored["api_token"] = "tok-123456"
    text = "SELECT '{{ mage_secret_var('api_token') }}' AS token, {{ min_amount }} AS m"
    assert render.render_template(text, {"min_amount": 8}) == "SELECT 'tok-123456' AS token, 8 AS m"
    with pytest.raises(KeyError, match="there is no secret `missing`"):
        render.render_template("SELECT '{{ mage_secret_var(\"missing\") }}'", {})
