"""The `mage_ai` stand-in: block code written for Mage imports and works without Mage installed."""

import json
import os
import sys

import pandas as pd
import pytest

import mage_ai
from mage_ai.data_preparation import decorators as mage_decorators
from mage_ai.data_preparation.variable_manager import get_variable, set_global_variable
from mage_ai.io.base import ExportWritePolicy
from mage_ai.io.config import ConfigFileLoader, ConfigKey
from mage_ai.io.file import FileIO
from mage_ai.io.postgres import Postgres
from mage_ai.settings.repo import get_repo_path
from wand_runtime import context, outputs
from wand_runtime import decorators as wand_decorators

DECORATORS = [
    "data_loader", "transformer", "data_exporter", "custom", "sensor", "test", "callback", "condition",
    "extension", "on_success", "on_failure", "data_source", "x", "y", "configuration", "render", "columns",
]  # fmt: skip


@pytest.fixture
def block_context(tmp_path):
    """A running block's context, removed again after the test."""
    running = context.BlockContext(
        repo_path=str(tmp_path / "project"),
        project_name="project",
        data_dir=str(tmp_path / "data"),
        pipeline_uuid="titanic",
        block_uuid="load_titanic",
        run_id=7,
    )
    context.set_current(running)
    yield running
    context.set_current(None)


# Decorators


@pytest.mark.parametrize("name", DECORATORS)
def test_every_decorator_is_wands_own(name):
    assert getattr(mage_decorators, name) is getattr(wand_decorators, name)
    assert getattr(mage_ai, name) is getattr(wand_decorators, name)


def test_a_block_file_with_mages_import_guard_registers_its_functions():
    source = (
        "if 'data_loader' not in globals():\n"
        "    from mage_ai.data_preparation.decorators import data_loader\n"
        "if 'test' not in globals():\n"
        "    from mage_ai.data_preparation.decorators import test\n"
        "@data_loader\n"
        "def load(*args, **kwargs):\n"
        "    return 1\n"
        "@test\n"
        "def check(output, *args):\n"
        "    assert output == 1\n"
    )
    wand_decorators.reset()
    namespace = {}
    exec(compile(source, "load.py", "exec"), namespace)
    kinds = [(kind, function.__name__) for kind, function in wand_decorators.REGISTRY["blocks"]]
    assert kinds == [("data_loader", "load")]
    assert [function.__name__ for function in wand_decorators.REGISTRY["tests"]] == ["check"]
    wand_decorators.reset()


# get_repo_path


def test_repo_path_comes_from_the_running_block(block_context, monkeypatch):
    monkeypatch.setenv("WAND_REPO_PATH", "/elsewhere")
    assert get_repo_path() == block_context.repo_path


def test_repo_path_falls_back_to_the_environment_then_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("WAND_REPO_PATH", "/from/env")
    assert get_repo_path() == "/from/env"
    monkeypatch.delenv("WAND_REPO_PATH")
    monkeypatch.chdir(tmp_path)
    assert get_repo_path() == str(tmp_path)


def test_repo_helpers_answer_from_the_running_block(block_context):
    from mage_ai.settings import repo

    assert repo.get_repo_name() == "project"
    assert repo.get_data_dir() == block_context.data_dir
    assert repo.get_variables_dir() == block_context.data_dir
    assert repo.get_metadata_path() == os.path.join(block_context.repo_path, "metadata.yaml")


def test_repo_manager_keeps_mages_deprecated_helpers(block_context):
    # Mage 0.9.80's repo_manager.get_repo_path warns "repo_manager.get_repo_path is deprecated. Please use
    # mage_ai.settings.repo.get_repo_path" and answers what settings.repo answers (mage_ai/data_preparation/repo_manager.py).
    from mage_ai.data_preparation import repo_manager

    with pytest.warns(DeprecationWarning, match="Please use mage_ai.settings.repo.get_repo_path"):
        assert repo_manager.get_repo_path() == block_context.repo_path
    with pytest.warns(DeprecationWarning):
        assert repo_manager.get_repo_name() == "project"
    with pytest.warns(DeprecationWarning):
        assert repo_manager.get_data_dir() == block_context.data_dir


def test_set_repo_path_sets_the_project_outside_a_run(tmp_path, monkeypatch):
    from mage_ai.settings import repo

    monkeypatch.setenv("WAND_REPO_PATH", "/before")  # restored after the test
    monkeypatch.setattr(sys, "path", list(sys.path))
    repo.set_repo_path(str(tmp_path / "shop"))
    assert repo.get_repo_path() == str(tmp_path / "shop")
    assert repo.get_repo_name() == "shop"
    assert str(tmp_path) in sys.path


# ConfigFileLoader

FLAT = """\
version: 0.1.1
default:
  POSTGRES_DBNAME: warehouse
  POSTGRES_HOST: "{{ env_var('WAND_TEST_PG_HOST') }}"
  POSTGRES_PASSWORD: "{{mage_secret_var("WAND_TEST_PG_PASSWORD")}}"
  POSTGRES_PORT: 5432
  POSTGRES_USER: "{{ env_var('WAND_TEST_UNSET_VARIABLE') }}"
dev:
  DUCKDB_DATABASE: dev.duckdb
"""

VERBOSE = """\
default:
  AWS:
    access_key_id: key
    region: eu-west-1
    Redshift:
      database: analytics
  PostgreSQL:
    database: warehouse
    host: db.internal
    port: 5432
"""


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_flat_profile_renders_env_vars_and_secrets(tmp_path, monkeypatch, secrets):
    monkeypatch.setenv("WAND_TEST_PG_HOST", "db.internal")
    secrets.stored["WAND_TEST_PG_PASSWORD"] = "s3cret"
    monkeypatch.delenv("WAND_TEST_UNSET_VARIABLE", raising=False)
    config = ConfigFileLoader(write(tmp_path / "io_config.yaml", FLAT), "default")
    assert config[ConfigKey.POSTGRES_HOST] == "db.internal"
    assert config.get("POSTGRES_PASSWORD") == "s3cret"
    assert config["POSTGRES_PORT"] == 5432
    assert config["POSTGRES_USER"] == ""
    assert config["POSTGRES_SCHEMA"] is None
    assert "POSTGRES_DBNAME" in config and "POSTGRES_SCHEMA" not in config
    assert config.version == "0.1.1"
    assert ConfigFileLoader(tmp_path / "io_config.yaml", "dev")["DUCKDB_DATABASE"] == "dev.duckdb"


def test_verbose_profile_answers_the_flat_keys(tmp_path):
    config = ConfigFileLoader(write(tmp_path / "io_config.yaml", VERBOSE))
    assert config.use_verbose_format
    assert config[ConfigKey.POSTGRES_DBNAME] == "warehouse"
    assert config[ConfigKey.POSTGRES_HOST] == "db.internal"
    assert config[ConfigKey.POSTGRES_PORT] == 5432
    assert config[ConfigKey.AWS_REGION] == "eu-west-1"
    assert config[ConfigKey.REDSHIFT_DBNAME] == "analytics"
    assert config[ConfigKey.SNOWFLAKE_USER] is None


def test_default_path_is_the_projects_io_config(block_context):
    os.makedirs(block_context.repo_path)
    write_path = os.path.join(block_context.repo_path, "io_config.yaml")
    with open(write_path, "w", encoding="utf-8") as file:
        file.write("default:\n  DUCKDB_DATABASE: local.duckdb\n")
    assert ConfigFileLoader()["DUCKDB_DATABASE"] == "local.duckdb"


def test_a_config_dict_is_used_as_the_profile():
    assert ConfigFileLoader(config={"POSTGRES_HOST": "h"})["POSTGRES_HOST"] == "h"


def test_unknown_profile_names_the_file_and_the_profiles(tmp_path):
    path = write(tmp_path / "io_config.yaml", FLAT)
    with pytest.raises(KeyError) as raised:
        ConfigFileLoader(path, "prod")
    assert str(raised.value) == f"profile 'prod' not found in {path}; profiles: default, dev"


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="io_config.yaml"):
        ConfigFileLoader(tmp_path / "io_config.yaml")


def test_an_unsupported_template_in_the_chosen_profile_is_an_error(tmp_path):
    path = write(tmp_path / "io_config.yaml", "default:\n  AWS_SECRET_ACCESS_KEY: \"{{ aws_secret_var('k') }}\"\n")
    with pytest.raises(ValueError, match="AWS_SECRET_ACCESS_KEY"):
        ConfigFileLoader(path)


def test_missing_pyyaml_asks_for_it_in_requirements(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ImportError, match="pyyaml.*requirements.txt"):
        ConfigFileLoader(write(tmp_path / "io_config.yaml", FLAT))


# FileIO


@pytest.mark.parametrize("name", ["out.csv", "out.json", "out.parquet"])
def test_file_io_round_trips_by_extension(tmp_path, name):
    frame = pd.DataFrame({"Age": [22.0, 38.0], "Survived": [0, 1]})
    path = tmp_path / "nested" / name
    options = {"index": False} if name.endswith(".csv") else {}
    FileIO().export(frame, path, **options)
    pd.testing.assert_frame_equal(FileIO().load(path), frame, check_dtype=False)


def test_file_io_csv_keeps_pandas_defaults_like_mage(tmp_path):
    path = tmp_path / "predict.csv"
    FileIO().export(pd.DataFrame({"a": [1]}), path)
    assert path.read_text().splitlines()[0] == ",a"


def test_file_io_format_overrides_the_extension(tmp_path):
    path = tmp_path / "data.txt"
    FileIO().export(pd.DataFrame({"a": [1, 2]}), path, format="json")
    assert FileIO().load(path, format="json")["a"].tolist() == [1, 2]


def test_file_io_unknown_extension_is_explained(tmp_path):
    with pytest.raises(ValueError, match="data.xlsx"):
        FileIO().load(tmp_path / "data.xlsx")


# Postgres, against a recording stand-in for the driver


class FakeCursor:
    def __init__(self, connection):
        self.connection = connection
        self.description = None
        self.rows = []

    def execute(self, sql, params=None):
        self.connection.log.append((sql, params))
        self.description, self.rows = None, []
        if "information_schema.tables" in sql:
            self.rows = [(1,)] if self.connection.table_exists else []
            self.description = [("?column?",)]
        elif sql.startswith("SELECT"):
            self.description = [("age",), ("survived",)]
            self.rows = [(22.0, 0), (38.0, 1)]

    def executemany(self, sql, rows):
        self.connection.log.append((sql, list(rows)))

    def fetchall(self):
        return self.rows

    def close(self):
        pass


class FakeConnection:
    def __init__(self, table_exists=False, **settings):
        self.settings = settings
        self.table_exists = table_exists
        self.log = []
        self.commits = self.rollbacks = 0
        self.closed = False

    def cursor(self):
        return FakeCursor(self)

    def commit(self):
        self.commits += 1

    def rollback(self):
        self.rollbacks += 1

    def close(self):
        self.closed = True


class FakeDriver:
    def __init__(self, table_exists=False):
        self.table_exists = table_exists
        self.connections = []

    def connect(self, **settings):
        connection = FakeConnection(self.table_exists, **settings)
        self.connections.append(connection)
        return connection


@pytest.fixture
def fake_psycopg(monkeypatch):
    driver = FakeDriver()
    monkeypatch.setitem(sys.modules, "psycopg", driver)
    return driver


def test_postgres_with_config_connects_with_the_profiles_settings(tmp_path, fake_psycopg):
    path = write(tmp_path / "io_config.yaml", VERBOSE)
    with Postgres.with_config(ConfigFileLoader(path)) as loader:
        frame = loader.load("SELECT age, survived FROM passengers")
    connection = fake_psycopg.connections[0]
    assert connection.settings == {"dbname": "warehouse", "host": "db.internal", "port": 5432}
    assert connection.closed
    assert frame.to_dict("list") == {"age": [22.0, 38.0], "survived": [0, 1]}


def test_postgres_export_creates_the_table_and_inserts_plain_values(fake_psycopg):
    frame = pd.DataFrame({"Age": [22.0, float("nan")], "Pclass": [3, 1], "Name": ["Owen", None]})
    loader = Postgres(dbname="warehouse")
    loader.export(frame, "public", "passengers", index=False, if_exists=ExportWritePolicy.REPLACE)
    log = fake_psycopg.connections[0].log
    statements = [sql for sql, _ in log]
    assert statements[1:4] == [
        'CREATE SCHEMA IF NOT EXISTS "public"',
        'CREATE TABLE "public"."passengers" ("age" DOUBLE PRECISION, "pclass" BIGINT, "name" TEXT)',
        'INSERT INTO "public"."passengers" ("age", "pclass", "name") VALUES (%s, %s, %s)',
    ]
    rows = log[3][1]
    assert rows == [(22.0, 3, "Owen"), (None, 1, None)]
    assert [type(value) for value in rows[0]] == [float, int, str]
    assert fake_psycopg.connections[0].commits == 1


def test_postgres_export_to_an_existing_table_follows_if_exists(fake_psycopg):
    fake_psycopg.table_exists = True
    frame = pd.DataFrame({"a": [1]})
    Postgres().export(frame, "s", "t", if_exists="replace")
    Postgres().export(frame, "s", "t", if_exists="append")
    replace_log, append_log = (connection.log for connection in fake_psycopg.connections)
    assert [sql for sql, _ in replace_log][1:] == ['DELETE FROM "s"."t"', 'INSERT INTO "s"."t" ("a") VALUES (%s)']
    assert [sql for sql, _ in append_log][1:] == ['INSERT INTO "s"."t" ("a") VALUES (%s)']

    loader = Postgres()
    with pytest.raises(ValueError, match="already exists"):
        loader.export(frame, "s", "t", if_exists="fail")
    assert fake_psycopg.connections[-1].rollbacks == 1
    with pytest.raises(ValueError, match="if_exists must be one of"):
        loader.export(frame, "s", "t", if_exists="overwrite")


def test_postgres_without_a_driver_names_the_package_to_add(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.setitem(sys.modules, "psycopg2", None)
    with pytest.raises(ImportError, match=r"psycopg\[binary\].*requirements.txt"):
        Postgres(dbname="x").execute("SELECT 1")


# DuckDB


def test_duckdb_export_load_and_policies(tmp_path):
    pytest.importorskip("duckdb")
    from mage_ai.io.duckdb import DuckDB

    config = ConfigFileLoader(config={"DUCKDB_DATABASE": str(tmp_path / "local.duckdb")})
    frame = pd.DataFrame({"Age": [22.0, 38.0], "Survived": [0, 1]})
    with DuckDB.with_config(config) as loader:
        loader.export(frame, "titanic", "passengers")
        loader.export(frame, "titanic", "passengers", if_exists="append")
        assert len(loader.load("SELECT * FROM titanic.passengers")) == 4
        loader.export(frame.head(1), "titanic", "passengers", if_exists="replace")
        assert loader.load("SELECT * FROM titanic.passengers").to_dict("list") == {"age": [22.0], "survived": [0]}
        with pytest.raises(ValueError, match="already exists"):
            loader.export(frame, "titanic", "passengers", if_exists="fail")
        loader.execute("CREATE TABLE main.numbers AS SELECT range AS n FROM range(5)")
        loader.commit()
        assert loader.load("SELECT n FROM main.numbers", limit=2)["n"].tolist() == [0, 1]


def test_duckdb_missing_names_the_package_to_add(monkeypatch):
    from mage_ai.io.duckdb import DuckDB

    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(ImportError, match="`duckdb`.*requirements.txt"):
        DuckDB().load("SELECT 1")


# get_variable and set_global_variable


def store(data_dir, run_id, block_uuid, value, pipeline_uuid="titanic"):
    """Stores `value` as a block's output files (a small JSON value too, which a block run keeps in Wand's database:
    outside a block run, get_variable reads files)."""
    folder = os.path.join(data_dir, "runs", pipeline_uuid, str(run_id), block_uuid)
    for meta in outputs.save(value, folder)["outputs"]:
        if "text" in meta:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, meta["name"] + ".json"), "w") as file:
                file.write(meta["text"])


def test_get_variable_reads_the_newest_run_that_has_the_output(block_context):
    store(block_context.data_dir, 9, "fill_in_missing_values", {"run": 9})
    store(block_context.data_dir, 10, "fill_in_missing_values", {"run": 10})
    store(block_context.data_dir, 11, "load_titanic", {"run": 11})
    assert get_variable("titanic", "fill_in_missing_values", "output_0") == {"run": 10}
    assert get_variable("titanic", "fill_in_missing_values", partition=9) == {"run": 9}


def test_get_variable_reads_tables_and_tuple_elements(tmp_path, monkeypatch):
    monkeypatch.setenv("WAND_DATA_DIR", str(tmp_path))
    store(str(tmp_path), 1, "split", (pd.DataFrame({"a": [1, 2]}), [3, 4]))
    assert get_variable("titanic", "split")["a"].tolist() == [1, 2]
    assert get_variable("titanic", "split", "output_1") == [3, 4]


def test_get_variable_says_what_it_looked_for(block_context):
    store(block_context.data_dir, 1, "load_titanic", 1)
    with pytest.raises(KeyError) as raised:
        get_variable("titanic", "torch_train", "output_0")
    message = str(raised.value)
    assert "'output_0'" in message and "'torch_train'" in message and "'titanic'" in message
    assert os.path.join(block_context.data_dir, "runs", "titanic") in message


def test_get_variable_outside_a_run_needs_the_data_dir(monkeypatch):
    monkeypatch.delenv("WAND_DATA_DIR", raising=False)
    with pytest.raises(RuntimeError, match="WAND_DATA_DIR"):
        get_variable("titanic", "load_titanic")


def test_set_global_variable_is_recorded_as_an_effect(block_context):
    set_global_variable("titanic", "threshold", 0.5)
    set_global_variable("other", "names", ["a"])
    assert block_context.effects["set_global_variable"] == [
        {"pipeline_uuid": "titanic", "key": "threshold", "value": 0.5},
        {"pipeline_uuid": "other", "key": "names", "value": ["a"]},
    ]
    with pytest.raises(TypeError, match="threshold"):
        set_global_variable("titanic", "threshold", float("nan"))


def test_set_global_variable_outside_a_block_run_is_an_error():
    with pytest.raises(RuntimeError, match="inside a block run"):
        set_global_variable("titanic", "threshold", 0.5)


def test_a_real_mage_ai_supplies_the_modules_wand_does_not(tmp_path):
    """Issue 10, point 5: Wand's `mage_ai` hid an installed mage-ai, so `mage_ai.io.bigquery` was an ImportError.

    Wand has since gained its own BigQuery and trigger_pipeline, so Pinot and `triggers.utils` (which Wand does not
    provide) stand for Mage's other modules."""
    import subprocess

    installed = tmp_path / "site"
    for package in ["mage_ai", "mage_ai/io", "mage_ai/orchestration", "mage_ai/orchestration/triggers"]:
        (installed / package).mkdir(parents=True)
        (installed / package / "__init__.py").write_text("")
    # Wand's stand-ins of these two packages run, not the installed ones.
    for package in ["mage_ai", "mage_ai/io"]:
        (installed / package / "__init__.py").write_text("raise ImportError('the installed __init__ ran')\n")
    (installed / "mage_ai/io/pinot.py").write_text("class Pinot:\n    origin = 'installed'\n")
    (installed / "mage_ai/io/postgres.py").write_text("raise ImportError('Wand provides this one')\n")
    (installed / "mage_ai/orchestration/triggers/utils.py").write_text("def trigger_pipeline(uuid):\n    return uuid\n")
    package = os.path.dirname(os.path.dirname(mage_ai.__file__))
    code = (
        "from mage_ai.io.pinot import Pinot\n"
        "from mage_ai.io.postgres import Postgres\n"
        "from mage_ai.data_preparation.decorators import data_loader\n"
        "from mage_ai.orchestration.triggers.utils import trigger_pipeline\n"
        "print(Pinot.origin, Postgres.__module__, data_loader.__module__, trigger_pipeline('p'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": f"{package}:{installed}"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["installed", "mage_ai.io.postgres", "wand_runtime.decorators", "p"]
