"""Mage's connectors in `mage_ai.io`: S3 against moto's S3 server, MySQL against a throwaway MariaDB, the others
against stand-in driver modules that record what each class sends; and every class's signatures against Mage 0.9.80's,
as recorded from its source in data/mage_io_signatures.json (by record_mage_signatures.py)."""

import inspect
import json
import os
import sys

import pandas as pd
import pytest
from fake_clients import fake_azure_blob_storage, fake_google_cloud_storage, fake_google_sheets, fake_mongodb
from fake_drivers import fake_bigquery, fake_clickhouse, fake_dbapi, fake_snowflake, fake_trino, install
from mage_ai.io.config import ConfigFileLoader

SIGNATURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "mage_io_signatures.json")


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# MySQL, against a real MariaDB started for the session (the `mariadb` fixture is in conftest.py)


def test_mysql_with_config_reads_the_mysql_keys(mariadb, tmp_path):
    from mage_ai.io.mysql import MySQL

    path = write(
        tmp_path / "io_config.yaml",
        "default:\n" + "".join(f"  MYSQL_{key.upper()}: {value}\n" for key, value in mariadb.items()),
    )
    with MySQL.with_config(ConfigFileLoader(path, "default")) as loader:
        assert loader.default_database() == "wand"
        assert loader.load("SELECT 1 AS one")["one"].tolist() == [1]


def test_mysql_export_and_load_with_every_if_exists_policy(mariadb):
    from mage_ai.io.mysql import MySQL

    frame = pd.DataFrame({"Name": ["Braund", "Cumings"], "Age": [22, 38], "Fare": [7.0, 71.0]})
    with MySQL(**mariadb) as loader:
        loader.export(frame, None, "passengers", if_exists="replace", index=False)
        loaded = loader.load("SELECT * FROM passengers ORDER BY age")
        assert loaded.columns.tolist() == ["name", "age", "fare"]
        assert loaded.values.tolist() == [["Braund", 22, 7.0], ["Cumings", 38, 71.0]]

        loader.export(frame.head(1), None, "passengers", if_exists="append")
        assert loader.load("SELECT COUNT(*) AS n FROM passengers")["n"].tolist() == [3]

        loader.export(frame.tail(1), None, "passengers", if_exists="replace")
        assert loader.load("SELECT name FROM passengers")["name"].tolist() == ["Cumings"]

        with pytest.raises(ValueError, match="already exists"):
            loader.export(frame, None, "passengers", if_exists="fail")
        assert loader.load("SELECT COUNT(*) AS n FROM passengers")["n"].tolist() == [1]

        loader.export(frame, None, "passengers", if_exists="replace", drop_table_on_replace=True, index=True)
        assert loader.load("SELECT * FROM passengers", limit=1).columns.tolist() == ["index", "name", "age", "fare"]
        assert len(loader.load("SELECT * FROM passengers", limit=1)) == 1


def test_mysql_execute_queries_fetches_the_flagged_ones_and_commits(mariadb):
    from mage_ai.io.mysql import MySQL

    with MySQL(**mariadb) as loader:
        results = loader.execute_queries(
            ["DROP TABLE IF EXISTS counts", "CREATE TABLE counts (n INT)", "INSERT INTO counts VALUES (4)",
             "SELECT n FROM counts"],
            commit=True,
            fetch_query_at_indexes=[False, False, False, True],
        )  # fmt: skip
        assert results[3]["n"].tolist() == [4]
    with MySQL(**mariadb) as other:
        assert other.load("SELECT n FROM counts")["n"].tolist() == [4]


def test_mysql_export_of_a_query_creates_the_table_as_select(mariadb):
    from mage_ai.io.mysql import MySQL

    with MySQL(**mariadb) as loader:
        loader.export(None, None, "squares", if_exists="replace", query_string="SELECT 3 * 3 AS nine")
        loader.export(None, None, "squares", if_exists="append", query_string="SELECT 4 * 4")
        assert loader.load("SELECT nine FROM squares ORDER BY nine")["nine"].tolist() == [9, 16]


# S3, against moto's S3 server on a free local port (the `s3_endpoint` and `s3_config` fixtures are in conftest.py)


@pytest.mark.parametrize("key", ["exports/titanic.csv", "exports/titanic.parquet", "exports/titanic.json"])
def test_s3_round_trips_a_dataframe_by_extension(s3_config, key):
    from mage_ai.io.s3 import S3

    config, bucket = s3_config
    frame = pd.DataFrame({"name": ["Braund", "Cumings"], "age": [22.0, 38.5], "survived": [0, 1]})
    options = {"index": False} if key.endswith(".csv") else {}
    S3.with_config(config).export(frame, bucket, key, **options)
    assert S3.with_config(config).exists(bucket, "exports/")
    pd.testing.assert_frame_equal(S3.with_config(config).load(bucket, key), frame)


def test_s3_format_overrides_the_extension_and_a_file_path_is_uploaded(s3_config, tmp_path):
    from mage_ai.io.s3 import S3

    config, bucket = s3_config
    frame = pd.DataFrame({"a": [1, 2]})
    S3.with_config(config).export(frame, bucket, "data.bin", format="parquet")
    assert S3.with_config(config).load(bucket, "data.bin", format="parquet")["a"].tolist() == [1, 2]
    local = write(tmp_path / "local.csv", "a,b\n1,2\n")
    S3.with_config(config).export(str(local), bucket, "uploaded.csv")
    assert S3.with_config(config).load(bucket, "uploaded.csv").to_dict("records") == [{"a": 1, "b": 2}]
    assert not S3.with_config(config).exists(bucket, "missing/")
    with pytest.raises(ValueError, match="data.txt"):
        S3.with_config(config).load(bucket, "data.txt")


# The other connectors, against stand-in driver modules that record what each class sends


FRAME = pd.DataFrame({"Name": ["Braund", None], "Age": [22, 38], "Fare": [7.25, 71.5]})


def existing_table(sql):
    """A database where every table exists."""
    return ([(1,)], ["exists"]) if "information_schema" in sql or "SHOW" in sql else ([], [])


def test_mssql_sends_mages_sql(monkeypatch):
    from mage_ai.io.mssql import MSSQL

    log = fake_dbapi(monkeypatch, "pyodbc")
    config = ConfigFileLoader(config={
        "MSSQL_DATABASE": "db", "MSSQL_HOST": "h", "MSSQL_USER": "u", "MSSQL_PASSWORD": "p",
        "MSSQL_DRIVER": "ODBC Driver 18 for SQL Server"})  # fmt: skip
    loader = MSSQL.with_config(config)
    assert loader.default_schema() == "dbo"
    loader.export(FRAME, None, "people")
    assert log[0] == (
        "connect",
        ("DRIVER={ODBC Driver 18 for SQL Server};SERVER=h;DATABASE=db;UID=u;PWD=p;ENCRYPT=yes;TrustServerCertificate=yes",),
        {},
    )  # fmt: skip
    assert log.sql() == [
        "SELECT TOP 1 * FROM information_schema.tables \nWHERE table_schema = 'dbo' AND table_name = 'people'",
        (
            "IF NOT EXISTS (\nSELECT * FROM information_schema.schemata WHERE schema_name = 'dbo')\n"
            "BEGIN EXEC('CREATE SCHEMA dbo') END"
        ),
        'CREATE TABLE dbo.people ("name" char(255),"age" bigint,"fare" decimal);',
        "INSERT INTO dbo.people VALUES (?, ?, ?)",
    ]
    assert log[-2][2] == [("Braund", 22, 7.25), (None, 38, 71.5)]
    assert log[-1] == ("commit",)
    log.clear()
    loader.export(None, "sales", "copy", query_string="SELECT 1 AS one")
    assert log.sql()[-1] == "SELECT * INTO sales.copy\nFROM (SELECT 1 AS one) AS prev"
    log.clear()
    loader.load("SELECT * FROM people")
    assert log.sql() == ["SELECT * FROM people"]


def test_mssql_if_exists_policies_on_an_existing_table(monkeypatch):
    from mage_ai.io.mssql import MSSQL

    log = fake_dbapi(monkeypatch, "pyodbc", existing_table)
    loader = MSSQL(database="db", host="h", password="p", user="u", schema="s")
    loader.export(FRAME, "s", "t", if_exists="replace")
    assert log.sql()[2] == "DELETE FROM s.t"
    log.clear()
    loader.export(FRAME, "s", "t", if_exists="replace", drop_table_on_replace=True, cascade_on_drop=True)
    assert log.sql()[2:4] == [
        "DROP TABLE s.t CASCADE",
        'CREATE TABLE s.t ("name" char(255),"age" bigint,"fare" decimal);',
    ]
    log.clear()
    loader.export(FRAME, "s", "t", if_exists="append")
    assert [sql.split(" (")[0] for sql in log.sql()[2:]] == ["INSERT INTO s.t VALUES"]
    with pytest.raises(ValueError, match="already exists"):
        loader.export(FRAME, "s", "t", if_exists="fail")


def test_redshift_sends_mages_sql(monkeypatch):
    from mage_ai.io.redshift import Redshift

    log = fake_dbapi(monkeypatch, "redshift_connector")
    config = ConfigFileLoader(config={
        "REDSHIFT_DBNAME": "dev", "REDSHIFT_TEMP_CRED_USER": "u", "REDSHIFT_TEMP_CRED_PASSWORD": "p",
        "REDSHIFT_HOST": "cluster.example", "REDSHIFT_PORT": 5439, "REDSHIFT_SCHEMA": "analytics"})  # fmt: skip
    loader = Redshift.with_config(config)
    assert (loader.default_database(), loader.default_schema()) == ("dev", "analytics")
    loader.export(FRAME, "analytics.people", create_schema=True)
    assert log[0] == (
        "connect", (), {"database": "dev", "host": "cluster.example", "password": "p", "port": 5439, "user": "u"}
    )  # fmt: skip
    assert log.sql() == [
        "SET search_path TO analytics",
        "\nSELECT 1\nFROM information_schema.tables\nWHERE table_schema = 'analytics'\nAND table_name = 'people'\n",
        "CREATE SCHEMA IF NOT EXISTS analytics;",
        "CREATE TABLE IF NOT EXISTS analytics.people (Name VARCHAR, Age BIGINT, Fare FLOAT8)",
        "INSERT INTO analytics.people (Name, Age, Fare)\nVALUES ('Braund', 22, 7.25), (NULL, 38, 71.5)",
    ]
    assert log[-1] == ("commit",)
    with pytest.raises(ValueError, match="REDSHIFT_DBNAME"):
        Redshift.with_config(ConfigFileLoader(config={}))


def test_trino_sends_mages_sql_and_retries_user_errors(monkeypatch):
    from mage_ai.io.trino import Trino

    log = fake_trino(monkeypatch)
    user_error = sys.modules["trino.exceptions"].TrinoUserError
    config = ConfigFileLoader(config={"TRINO_CATALOG": "hive", "TRINO_HOST": "h", "TRINO_USER": "u",
                                      "TRINO_PASSWORD": "p", "TRINO_PORT": 443, "TRINO_SCHEMA": "raw"})  # fmt: skip
    loader = Trino.with_config(config)
    assert (loader.default_database(), loader.default_schema()) == ("hive", "raw")
    loader.export(FRAME, table_name="people")
    assert log[0][2] == {
        "catalog": "hive", "host": "h", "port": 443, "schema": "raw", "user": "u", "auth": ("basic", "u", "p"),
        "http_scheme": "https"}  # fmt: skip
    assert log.sql() == [
        "SHOW SCHEMAS FROM hive LIKE 'raw'",
        "CREATE SCHEMA IF NOT EXISTS hive.raw",
        'CREATE TABLE raw.people ("name" VARCHAR,"age" BIGINT,"fare" DOUBLE)',
        "INSERT INTO hive.raw.people VALUES (?, ?, ?)",
    ]
    assert loader.load("SELECT 1").empty
    assert log.sql()[-1] == "SELECT * FROM (SELECT 1) AS subquery LIMIT 10000000"

    attempts = []

    def failing(sql):
        attempts.append(sql)
        raise user_error("no such table")

    monkeypatch.setattr(Trino, "RETRY_DELAY_SECONDS", 0)
    loader = Trino(catalog="hive", host="h", user="u")
    loader.open()
    loader._connection.answer = failing
    assert loader.load("SELECT * FROM missing") is None
    assert len(attempts) == 3


def test_snowflake_sends_mages_sql_and_writes_with_write_pandas(monkeypatch):
    from mage_ai.io.snowflake import Snowflake

    log = fake_snowflake(monkeypatch)
    config = ConfigFileLoader(config={
        "SNOWFLAKE_ACCOUNT": "acme", "SNOWFLAKE_USER": "u", "SNOWFLAKE_PASSWORD": "p", "SNOWFLAKE_DEFAULT_WH": "wh",
        "SNOWFLAKE_DEFAULT_DB": "DB", "SNOWFLAKE_DEFAULT_SCHEMA": "RAW", "SNOWFLAKE_ROLE": "loader"})  # fmt: skip
    loader = Snowflake.with_config(config)
    assert (loader.default_database(), loader.default_schema()) == ("DB", "RAW")
    loader.export(FRAME, "PEOPLE", if_exists="replace")
    assert log[0] == ("connect", {
        "account": "acme", "database": "DB", "schema": "RAW", "user": "u", "warehouse": "wh", "role": "loader",
        "password": "p", "login_timeout": 20, "network_timeout": 300})  # fmt: skip
    assert log.sql() == [
        "CREATE SCHEMA IF NOT EXISTS DB.RAW",
        "USE DATABASE DB",
        "SELECT * FROM information_schema.tables WHERE table_schema = 'RAW' AND table_name = 'PEOPLE'",
    ]
    assert log[-1] == (
        "write_pandas", "PEOPLE", 2, {"auto_create_table": True, "database": "DB", "schema": "RAW", "use_logical_type": True}
    )  # fmt: skip
    log.clear()
    loader.export(None, "COPY", query_string="SELECT 1")
    assert log.sql()[-1] == '\nCREATE TABLE IF NOT EXISTS "DB"."RAW"."COPY" AS\nSELECT 1\n'


def test_clickhouse_sends_mages_commands(monkeypatch):
    from mage_ai.io.clickhouse import ClickHouse

    log = fake_clickhouse(monkeypatch)
    config = ConfigFileLoader(config={"CLICKHOUSE_HOST": "h", "CLICKHOUSE_DATABASE": "analytics"})
    loader = ClickHouse.with_config(config)
    assert loader.default_database() == "analytics"
    loader.export(FRAME, "people")
    assert log[1:] == [
        ("query_df", "\nEXISTS TABLE analytics.people\n"),
        ("command", ("CREATE TABLE analytics.people (Name Nullable(String), Age Nullable(Int64), "
                     "Fare Nullable(Float64)) ENGINE = Memory")),
        ("insert_df", "analytics.people", 2),
    ]  # fmt: skip
    results = ClickHouse(host="h").execute_queries(["SELECT 1", "DROP TABLE x"], fetch_query_at_indexes=[True, False])
    assert isinstance(results[0], pd.DataFrame) and log[-1] == ("command", "DROP TABLE x")


def test_bigquery_loads_with_the_disposition_of_if_exists(monkeypatch):
    from mage_ai.io.bigquery import BigQuery

    log = fake_bigquery(monkeypatch)
    config = ConfigFileLoader(config={"GOOGLE_SERVICE_ACC_KEY": {"client_email": "a@b"}, "GOOGLE_LOCATION": "EU"})
    loader = BigQuery.with_config(config)
    assert log[0] == ("client", ("info", "a@b", (
        "https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/bigquery")), {"location": "EU"})  # fmt: skip
    assert loader.default_database() == "proj"
    for policy, disposition in [("replace", "WRITE_TRUNCATE"), ("append", "WRITE_APPEND"), ("fail", "WRITE_EMPTY")]:
        loader.export(pd.DataFrame({"first name": [1]}), "raw.people", if_exists=policy)
        assert log[-2:] == [("create_dataset", "raw", True), ("load", "raw.people", ["first_name"], disposition)]
    loader.export(None, "proj.raw.copy", if_exists="replace", query_string="SELECT 1")
    assert log[-2:] == [
        ("query", "DROP TABLE `proj.raw.copy`"),
        ("query", "\nCREATE TABLE proj.raw.copy AS\nSELECT 1\n"),
    ]
    with pytest.raises(ValueError, match="GOOGLE_SERVICE_ACC_KEY"):
        BigQuery.with_config(ConfigFileLoader(config={}))


def test_google_cloud_storage_round_trips_through_a_fake_bucket(monkeypatch):
    from mage_ai.io.google_cloud_storage import GoogleCloudStorage

    objects = fake_google_cloud_storage(monkeypatch)
    loader = GoogleCloudStorage.with_config(ConfigFileLoader(config={"GOOGLE_SERVICE_ACC_KEY_FILEPATH": "/k.json"}))
    assert loader.client.credentials == ("file", "/k.json")
    frame = pd.DataFrame({"a": [1, 2]})
    loader.export(frame, "bucket", "out/data.parquet")
    assert list(objects) == [("bucket", "out/data.parquet")]
    pd.testing.assert_frame_equal(loader.load("bucket", "out/data.parquet"), frame)
    assert loader.exists("bucket", "out/data.parquet") and loader.load("bucket", "missing.csv").empty


def test_azure_blob_storage_uses_the_client_secret_and_writes_the_blob(monkeypatch):
    from mage_ai.io.azure_blob_storage import AzureBlobStorage

    log, blobs = fake_azure_blob_storage(monkeypatch)
    config = ConfigFileLoader(config={"AZURE_STORAGE_ACCOUNT_NAME": "acct", "AZURE_CLIENT_ID": "c",
                                      "AZURE_CLIENT_SECRET": "s", "AZURE_TENANT_ID": "t"})  # fmt: skip
    loader = AzureBlobStorage.with_config(config)
    assert log == [("service", "https://acct.blob.core.windows.net", ("secret", "t", "c", "s"))]
    loader.export(pd.DataFrame({"a": [1]}), "container", "x.csv", index=False)
    assert blobs[("container", "x.csv")] == b"a\n1\n"
    assert loader.load("container", "x.csv")["a"].tolist() == [1]


def test_mongodb_finds_and_inserts_in_the_configured_collection(monkeypatch):
    from mage_ai.io.mongodb import MongoDB

    log = fake_mongodb(monkeypatch, [{"a": 1}])
    config = ConfigFileLoader(config={"MONGODB_HOST": "h", "MONGODB_USER": "u", "MONGODB_PASSWORD": "p",
                                      "MONGODB_PORT": 27017, "MONGODB_DATABASE": "db", "MONGODB_COLLECTION": "people"})  # fmt: skip
    loader = MongoDB.with_config(config)
    assert loader.load(query={"a": 1}).to_dict("records") == [{"a": 1}]
    loader.export(pd.DataFrame({"a": [2]}))
    assert log == [
        ("client", "mongodb://u:p@h:27017/"),
        ("find", "people", {"a": 1}),
        ("insert_many", "people", [{"a": 2}]),
    ]


def test_google_sheets_reads_records_and_writes_the_header_and_rows(monkeypatch):
    from mage_ai.io.google_sheets import GoogleSheets

    log = fake_google_sheets(monkeypatch, [{"a": 1}])
    loader = GoogleSheets.with_config(ConfigFileLoader(config={"GOOGLE_SERVICE_ACC_KEY": {"k": "v"}}))
    assert loader.load(sheet_id="abc").to_dict("records") == [{"a": 1}]
    loader.export(pd.DataFrame({"a": [2]}), sheet_id="abc")
    assert log == [("open_by_key", "abc"), ("open_by_key", "abc"), ("update", [["a"], [2]])]


# A missing driver names the package to add


MISSING_DRIVERS = [
    ("mage_ai.io.mysql", "MySQL", {"database": "d", "host": "h", "password": "p", "user": "u"}, "mysql.connector",
     "mysql-connector-python"),
    ("mage_ai.io.s3", "S3", {}, "boto3", "boto3"),
    ("mage_ai.io.mssql", "MSSQL", {"database": "d", "host": "h", "password": "p", "user": "u"}, "pyodbc", "pyodbc"),
    ("mage_ai.io.redshift", "Redshift", {"database": "d"}, "redshift_connector", "redshift-connector"),
    ("mage_ai.io.trino", "Trino", {"catalog": "c", "host": "h", "user": "u"}, "trino", "trino"),
    ("mage_ai.io.snowflake", "Snowflake", {"account": "a"}, "snowflake.connector", "snowflake-connector-python"),
    ("mage_ai.io.clickhouse", "ClickHouse", {}, "clickhouse_connect", "clickhouse-connect"),
    ("mage_ai.io.bigquery", "BigQuery", {}, "google.cloud.bigquery", "google-cloud-bigquery"),
    ("mage_ai.io.google_cloud_storage", "GoogleCloudStorage", {}, "google.cloud.storage", "google-cloud-storage"),
    ("mage_ai.io.google_sheets", "GoogleSheets", {}, "gspread", "gspread"),
    ("mage_ai.io.mongodb", "MongoDB", {"database": "d"}, "pymongo", "pymongo"),
    ("mage_ai.io.azure_blob_storage", "AzureBlobStorage", {"storage_account_name": "a"}, "azure.identity",
     "azure-identity"),
]  # fmt: skip


@pytest.mark.parametrize(("module", "name", "settings", "driver", "package"), MISSING_DRIVERS)
def test_a_missing_driver_names_the_package_for_requirements(monkeypatch, module, name, settings, driver, package):
    import importlib

    monkeypatch.setitem(sys.modules, driver, None)
    connector = getattr(importlib.import_module(module), name)
    with pytest.raises(ImportError, match=f"`{package}.*requirements.txt"):
        loader = connector(**settings)
        loader.open() if hasattr(loader, "open") else None
        loader.conn  # noqa: B018 (opening the connection imports the driver)


def test_the_azure_blob_driver_is_named_too(monkeypatch):
    from mage_ai.io.azure_blob_storage import AzureBlobStorage

    install(monkeypatch, "azure.identity", DefaultAzureCredential=lambda: "default")
    monkeypatch.setitem(sys.modules, "azure.storage.blob", None)
    with pytest.raises(ImportError, match="`azure-storage-blob`.*requirements.txt"):
        AzureBlobStorage(storage_account_name="a")


# Every class's signatures against Mage 0.9.80's, recorded from its source by record_mage_signatures.py

CONNECTORS = [
    ("mysql", "MySQL"), ("s3", "S3"), ("mssql", "MSSQL"), ("redshift", "Redshift"), ("trino", "Trino"),
    ("snowflake", "Snowflake"), ("clickhouse", "ClickHouse"), ("bigquery", "BigQuery"),
    ("google_cloud_storage", "GoogleCloudStorage"), ("google_sheets", "GoogleSheets"), ("mongodb", "MongoDB"),
    ("azure_blob_storage", "AzureBlobStorage"),
]  # fmt: skip
# Mage's methods Wand leaves out: printing helpers, temp folders for HDF5, SQLAlchemy's fast path, private helpers.
NOT_PROVIDED = {"open_temporary_directory", "upload_dataframe_fast", "alter_table", "clean", "get_columns"}


def mage_class(name):
    """A Mage class as recorded: the file defining it and, by method, its parameters as (name, kind, default)."""
    with open(SIGNATURES, encoding="utf-8") as recorded:
        found = json.load(recorded)["classes"][name]
    methods = {method: [tuple(p) for p in parameters] for method, parameters in found["methods"].items()}
    return found["file"], methods


def wand_parameters(function):
    parameters = []
    for parameter in inspect.signature(function).parameters.values():
        value = None if parameter.default is inspect.Parameter.empty else parameter.default
        value = getattr(value, "value", value)
        name = "**" if parameter.kind is inspect.Parameter.VAR_KEYWORD else parameter.name
        parameters.append((name, parameter.kind.name, value))
    return parameters


@pytest.mark.parametrize(("module", "name"), CONNECTORS)
def test_signatures_match_mages(module, name):
    import importlib

    file, methods = mage_class(name)
    assert file == f"{module}.py"
    connector = getattr(importlib.import_module(f"mage_ai.io.{module}"), name)
    mismatches = []
    for method_name, mage in sorted(methods.items()):
        if method_name in NOT_PROVIDED:
            continue
        function = inspect.getattr_static(connector, method_name, None)
        if function is None:
            mismatches.append(f"{method_name}: missing")
            continue
        function = getattr(connector, method_name)
        bound = isinstance(inspect.getattr_static(connector, method_name), classmethod)
        wand = wand_parameters(function) if bound else wand_parameters(function)[1:]
        if bound and mage and mage[0][0] == "cls":
            mage = mage[1:]
        if wand != mage:
            mismatches.append(f"{method_name}: Wand {wand} != Mage {mage}")
    assert mismatches == []


@pytest.mark.parametrize(("module", "name"), [("postgres", "Postgres"), ("duckdb", "DuckDB")])
def test_postgres_and_duckdb_have_mages_sql_methods(module, name):
    import importlib

    connector = getattr(importlib.import_module(f"mage_ai.io.{module}"), name)
    assert wand_parameters(connector.execute_queries)[1:] == mage_class("BaseSQL")[1]["execute_queries"]
    for method_name in ("default_database", "default_schema", "with_config", "load", "export", "execute"):
        assert callable(getattr(connector, method_name))


# execute_queries on DuckDB; io_config's json_value and aws_secret_var


def test_duckdb_execute_queries_returns_the_flagged_frames():
    from mage_ai.io.duckdb import DuckDB

    with DuckDB() as loader:
        results = loader.execute_queries(
            ["CREATE TABLE t AS SELECT 1 AS a", "SELECT a + 1 AS b FROM t"], fetch_query_at_indexes=[False, True]
        )
        assert results[0] is None and results[1]["b"].tolist() == [2]
        assert (loader.default_database(), loader.default_schema()) == (None, "main")


def test_io_config_renders_json_value_and_aws_secret_var(s3_endpoint, tmp_path, monkeypatch):
    import boto3

    for key, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_ENDPOINT_URL": s3_endpoint}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    boto3.client("secretsmanager").create_secret(Name="warehouse/password", SecretString="hunter2")
    monkeypatch.setenv("WAND_TEST_JSON", '{"db": {"hosts": ["a", "b"]}}')
    path = write(
        tmp_path / "io_config.yaml",
        "default:\n"
        "  POSTGRES_PASSWORD: \"{{ aws_secret_var('warehouse/password') }}\"\n"
        "  POSTGRES_HOST: \"{{ json_value(env_var('WAND_TEST_JSON'), 'db.hosts[1]') }}\"\n"
        "other:\n"
        "  POSTGRES_PASSWORD: \"{{ aws_secret_var('no/such/secret') }}\"\n",
    )
    config = ConfigFileLoader(path, "default")
    assert (config["POSTGRES_PASSWORD"], config["POSTGRES_HOST"]) == ("hunter2", "b")
    with pytest.raises(ValueError, match="POSTGRES_PASSWORD: aws_secret_var\\('no/such/secret'\\) failed"):
        ConfigFileLoader(path, "other")


def test_aws_secret_var_without_boto3_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)
    path = write(tmp_path / "io_config.yaml", "default:\n  K: \"{{ aws_secret_var('x') }}\"\n")
    with pytest.raises(ImportError, match="`boto3`.*requirements.txt"):
        ConfigFileLoader(path)
