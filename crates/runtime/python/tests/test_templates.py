"""The block templates of crates/project/templates/blocks (what a new block starts from in the editor) run: every
Python file compiles, and each loader and exporter runs as a block (`wand_runtime.block.run`) in a project whose
io_config.yaml `default` profile is filled in. Against real servers where the tests can start one (a DuckDB file,
PostgreSQL, MariaDB, moto's S3, local files, a local HTTP server); else against the stand-in drivers of
fake_drivers.py and fake_clients.py, which record what the template asked of its connector. The SQL templates run
on DuckDB, PostgreSQL and MariaDB.

The templates are Wand's own, shaped as Mage 0.9.80's (mage_ai/data_preparation/templates/data_loaders/ and
data_exporters/): the same decorators, `mage_ai.io` classes and `with_config(ConfigFileLoader(...))` pattern."""

import functools
import http.server
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
from fake_clients import fake_azure_blob_storage, fake_google_cloud_storage, fake_google_sheets, fake_mongodb
from fake_drivers import fake_bigquery, fake_clickhouse, fake_dbapi, fake_snowflake, fake_trino
from wand_runtime import block, outputs

TEMPLATES = Path(__file__).resolve().parents[3] / "project" / "templates" / "blocks"

# What an exporter template receives from its parent.
ROWS = pd.DataFrame({"name": ["Braund", "Cumings"], "age": [22, 38], "fare": [7.25, 71.5]})

# How a SQL block's parent is described to it.
PARENT = {"uuid": "parent", "block_type": "data_loader", "language": "python", "configuration": {}}

FOLDERS = {
    "data_loader": "data_loaders",
    "transformer": "transformers",
    "data_exporter": "data_exporters",
    "custom": "custom",
    "sensor": "sensors",
}

# The files the tests below run (as their `@runs` names them); `test_every_template_is_run_by_a_test` fails for a
# template none runs.
RUN = set()


def runs(*files):
    """Marks a test as running these template files."""
    RUN.update(files)
    return lambda test: test


@pytest.fixture
def template(tmp_path, monkeypatch):
    """Runs a template file as a block of a project with the given io_config.yaml `default` profile settings; returns
    the block's output (the test fails if the block does)."""
    root = tmp_path / "proj"
    monkeypatch.setenv("WAND_REPO_PATH", str(root))
    parent = outputs.save(ROWS, str(tmp_path / "data" / "parent"))
    count = [0]

    def run(file, profile="", variables=None, configuration=None):
        count[0] += 1
        kind = next(kind for kind in FOLDERS if file.startswith(kind + "_"))
        language = "sql" if file.endswith(".sql") else "python"
        block_file = f"{FOLDERS[kind]}/block{count[0]}{Path(file).suffix}"
        (root / block_file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(TEMPLATES / file, root / block_file)
        (root / "io_config.yaml").write_text(f"version: 0.1.1\ndefault:\n{profile}", encoding="utf-8")
        takes_input = kind in ("transformer", "data_exporter", "custom")
        result = block.run(
            {
                "repo_path": str(root),
                "project_name": "proj",
                "data_dir": str(tmp_path / "data"),
                "pipeline_uuid": "sources",
                "block_uuid": f"block{count[0]}",
                "block_type": kind,
                "language": language,
                "run_id": count[0],
                "file": block_file,
                "execution_date": "2026-03-01T10:30:00+00:00",
                "execution_partition": "manual/20260301T103000",
                "env": "dev",
                "trigger_name": None,
                "variables": variables or {},
                "configuration": configuration or {},
                "inputs": [parent] if takes_input else [],
                "upstream": [PARENT] if takes_input else [],
                "output_dir": str(tmp_path / "data" / f"run{count[0]}"),
                "run_tests": True,
                "timeout": None,
                "sensor_interval": 60,
                "run_statuses": [],
            }
        )
        assert result["status"] == "completed", result
        return outputs.load(result["stored"])

    return run


def records(frame):
    return frame.to_dict("records")


def rows_of(cursor, query):
    cursor.execute(query)
    return pd.DataFrame(cursor.fetchall(), columns=[column[0] for column in cursor.description])


def test_every_python_template_compiles():
    files = sorted(TEMPLATES.glob("*.py"))
    assert len(files) > 30
    for file in files:
        compile(file.read_text(encoding="utf-8"), str(file), "exec")


# Templates of no data source


GENERIC = ["data_loader_generic.py", "transformer_generic.py", "data_exporter_generic.py", "custom_generic.py",
           "sensor_generic.py"]  # fmt: skip


@runs(*GENERIC)
@pytest.mark.parametrize("file", GENERIC)
def test_the_generic_templates_run(template, file):
    template(file)


# Real servers: a DuckDB file, PostgreSQL, MariaDB


@pytest.fixture
def duckdb_profile(tmp_path):
    path = tmp_path / "warehouse.duckdb"

    def table(name, schema="main"):
        import duckdb

        with duckdb.connect(str(path)) as connection:
            return connection.execute(f"SELECT * FROM {schema}.{name} ORDER BY 1").df()

    return f"  DUCKDB_DATABASE: {path}\n", table


@pytest.fixture
def postgres_profile(postgres_url):
    """A profile for a fresh database of the test PostgreSQL server, and a reader of its tables."""
    try:  # the connector takes psycopg (3) when installed, else psycopg2
        import psycopg2 as driver
    except ImportError:
        import psycopg as driver

    database = f"wand_templates_{time.monotonic_ns()}"
    admin = driver.connect(postgres_url)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {database}")
    admin.close()
    url = urlparse(postgres_url)
    settings = {"DBNAME": database, "USER": url.username or "postgres", "PASSWORD": f"'{url.password or ''}'",
                "HOST": url.hostname, "PORT": url.port or 5432}  # fmt: skip

    def table(name, schema="public"):
        connection = driver.connect(postgres_url.rsplit("/", 1)[0] + "/" + database)
        try:
            return rows_of(connection.cursor(), f"SELECT * FROM {schema}.{name} ORDER BY 1")
        finally:
            connection.close()

    yield "".join(f"  POSTGRES_{key}: {value}\n" for key, value in settings.items()), table
    admin = driver.connect(postgres_url)
    admin.autocommit = True
    admin.cursor().execute(f"DROP DATABASE IF EXISTS {database}")
    admin.close()


@pytest.fixture
def mysql_profile(mariadb):
    """A profile for a fresh database of the session's MariaDB, and a reader of its tables."""
    import mysql.connector

    database = f"wand_templates_{time.monotonic_ns()}"
    server = {key: mariadb[key] for key in ("host", "port", "user", "password")}
    admin = mysql.connector.connect(**server)
    admin.cursor().execute(f"CREATE DATABASE {database}")
    admin.close()

    def table(name, schema=None):
        connection = mysql.connector.connect(database=database, **server)
        try:
            return rows_of(connection.cursor(), f"SELECT * FROM {name} ORDER BY 1")
        finally:
            connection.close()

    settings = {**server, "database": database}
    yield "".join(f"  MYSQL_{key.upper()}: {value}\n" for key, value in settings.items()), table
    admin = mysql.connector.connect(**server)
    admin.cursor().execute(f"DROP DATABASE IF EXISTS {database}")
    admin.close()


DATABASES = ["duckdb", "postgres", "mysql"]


@runs(*(f"data_{kind}_{database}.py" for kind in ("loader", "exporter") for database in DATABASES))
@pytest.mark.parametrize("database", DATABASES)
def test_a_database_loader_and_exporter_run_on_the_real_server(template, request, database):
    profile, table = request.getfixturevalue(f"{database}_profile")
    assert records(template(f"data_loader_{database}.py", profile)) == [{"id": 1}]
    template(f"data_exporter_{database}.py", profile)
    written = records(table("your_table_name").astype({"age": "int64", "fare": "float64"}))
    if database == "mysql":
        # Mage's MySQL.export (mage_ai/io/mysql.py, `get_type`) creates a float column as DECIMAL, which MySQL takes
        # as DECIMAL(10,0): the fares are rounded, as they are by Mage 0.9.80 (see test_sql_blocks.py).
        assert written == [{**row, "fare": round(row["fare"])} for row in records(ROWS)]
    else:
        assert written == records(ROWS)
    # 'replace': a second run leaves the same rows.
    template(f"data_exporter_{database}.py", profile)
    assert len(table("your_table_name")) == 2


SCHEMAS = {"duckdb": "main", "postgres": "public", "mysql": None}


@runs("data_loader_sql.sql", "transformer_sql.sql", "data_exporter_sql.sql", "custom_sql.sql")
@pytest.mark.parametrize("database", DATABASES)
def test_the_sql_templates_run_on_the_real_server(template, request, database):
    profile, table = request.getfixturevalue(f"{database}_profile")
    # What a block from `data_loader/sql/<database>` gets (crates/project/src/edit.rs, `sql_configuration`).
    configuration = {"data_provider": database, "data_provider_profile": "default",
                     "data_provider_schema": SCHEMAS[database] or "", "export_write_policy": "append",
                     "use_raw_sql": False}  # fmt: skip
    assert records(template("data_loader_sql.sql", profile, configuration=configuration)) == [{"id": 1}]
    assert records(template("custom_sql.sql", profile, configuration=configuration)) == [{"id": 1}]
    for file in ("transformer_sql.sql", "data_exporter_sql.sql"):
        output = template(file, profile, configuration=configuration)
        assert records(output.astype({"age": "int64", "fare": "float64"})) == records(ROWS), file
    # The exporter's rows are in its table (Mage's name: <env>_<pipeline>_<block>_v1).
    assert len(table("dev_sources_block4_v1", **({"schema": SCHEMAS[database]} if SCHEMAS[database] else {}))) == 2


# Real services: moto's S3, local files, a local HTTP server


@runs("data_loader_s3.py", "data_exporter_s3.py")
def test_the_s3_templates_write_and_read_back_an_object(template, s3_config, s3_profile):
    _, bucket = s3_config
    variables = {"bucket_name": bucket, "object_key": "exports/rows.parquet"}
    template("data_exporter_s3.py", s3_profile, variables)
    pd.testing.assert_frame_equal(template("data_loader_s3.py", s3_profile, variables), ROWS)


@runs("data_loader_file.py", "data_exporter_file.py")
def test_the_file_templates_write_and_read_back_a_file(template, tmp_path):
    variables = {"filepath": str(tmp_path / "out" / "rows.csv")}
    template("data_exporter_file.py", variables=variables)
    assert (tmp_path / "out" / "rows.csv").read_text().splitlines()[0] == "name,age,fare"
    pd.testing.assert_frame_equal(template("data_loader_file.py", variables=variables), ROWS)


@runs("data_loader_api.py")
def test_the_api_template_reads_a_csv_over_http(template, tmp_path):
    (tmp_path / "site").mkdir()
    ROWS.to_csv(tmp_path / "site" / "rows.csv", index=False)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/rows.csv"
        pd.testing.assert_frame_equal(template("data_loader_api.py", variables={"url": url}), ROWS)
    finally:
        server.shutdown()
        server.server_close()


# Stand-in drivers: what each template asks of its connector


def one_row(sql):
    """A database that answers the loader templates' query and has no tables."""
    return ([(1,)], ["id"]) if "SELECT 1 AS id" in sql else ([], [])


GOOGLE_KEY = "  GOOGLE_SERVICE_ACC_KEY:\n    client_email: loader@project.iam.gserviceaccount.com\n"


@runs("data_loader_bigquery.py", "data_exporter_bigquery.py")
def test_the_bigquery_templates(template, monkeypatch):
    log = fake_bigquery(monkeypatch, one_row)
    profile = GOOGLE_KEY + "  GOOGLE_LOCATION: EU\n"
    assert records(template("data_loader_bigquery.py", profile)) == [{"id": 1}]
    assert log[0][0] == "client" and log[0][2] == {"location": "EU"}
    assert "SELECT 1 AS id" in log[1][1]
    log.clear()
    template("data_exporter_bigquery.py", profile)
    assert log[1:] == [
        ("create_dataset", "your_dataset", True),
        ("load", "your_dataset.your_table_name", ["name", "age", "fare"], "WRITE_TRUNCATE"),
    ]


@runs("data_loader_snowflake.py", "data_exporter_snowflake.py")
def test_the_snowflake_templates(template, monkeypatch):
    log = fake_snowflake(monkeypatch, one_row)
    profile = ("  SNOWFLAKE_ACCOUNT: acme\n  SNOWFLAKE_USER: u\n  SNOWFLAKE_PASSWORD: p\n  SNOWFLAKE_DEFAULT_WH: wh\n"
               "  SNOWFLAKE_DEFAULT_DB: DB\n  SNOWFLAKE_DEFAULT_SCHEMA: RAW\n")  # fmt: skip
    assert records(template("data_loader_snowflake.py", profile)) == [{"id": 1}]
    assert log[0][1]["account"] == "acme" and log[-1] == ("close",)
    log.clear()
    template("data_exporter_snowflake.py", profile)
    assert log.sql()[0] == "CREATE SCHEMA IF NOT EXISTS DB.RAW"
    assert log[-2] == ("write_pandas", "your_table_name", 2,
                       {"auto_create_table": True, "database": "DB", "schema": "RAW", "use_logical_type": True})  # fmt: skip


@runs("data_loader_redshift.py", "data_exporter_redshift.py")
def test_the_redshift_templates(template, monkeypatch):
    log = fake_dbapi(monkeypatch, "redshift_connector", one_row)
    profile = ("  REDSHIFT_DBNAME: dev\n  REDSHIFT_HOST: cluster.example\n  REDSHIFT_PORT: 5439\n"
               "  REDSHIFT_TEMP_CRED_USER: u\n  REDSHIFT_TEMP_CRED_PASSWORD: p\n")  # fmt: skip
    assert records(template("data_loader_redshift.py", profile)) == [{"id": 1}]
    assert log[0][2]["host"] == "cluster.example"
    log.clear()
    template("data_exporter_redshift.py", profile)
    assert log.sql()[-2:] == [
        "CREATE TABLE IF NOT EXISTS your_table_name (name VARCHAR, age BIGINT, fare FLOAT8)",
        "INSERT INTO your_table_name (name, age, fare)\nVALUES ('Braund', 22, 7.25), ('Cumings', 38, 71.5)",
    ]


@runs("data_loader_mssql.py", "data_exporter_mssql.py")
def test_the_mssql_templates(template, monkeypatch):
    log = fake_dbapi(monkeypatch, "pyodbc", one_row)
    profile = "  MSSQL_DATABASE: db\n  MSSQL_HOST: h\n  MSSQL_USER: u\n  MSSQL_PASSWORD: p\n"
    assert records(template("data_loader_mssql.py", profile)) == [{"id": 1}]
    assert log[0][1][0].startswith("DRIVER={ODBC Driver 18 for SQL Server};SERVER=h;DATABASE=db;")
    log.clear()
    template("data_exporter_mssql.py", profile)
    assert log.sql()[-2:] == [
        'CREATE TABLE dbo.your_table_name ("name" char(255),"age" bigint,"fare" decimal);',
        "INSERT INTO dbo.your_table_name VALUES (?, ?, ?)",
    ]
    inserted = [entry[2] for entry in log if entry[0] == "executemany"]
    assert inserted == [[("Braund", 22, 7.25), ("Cumings", 38, 71.5)]]
    assert log[-2:] == [("commit",), ("close",)]


@runs("data_loader_clickhouse.py", "data_exporter_clickhouse.py")
def test_the_clickhouse_templates(template, monkeypatch):
    log = fake_clickhouse(monkeypatch, one_row)
    profile = "  CLICKHOUSE_HOST: h\n  CLICKHOUSE_DATABASE: analytics\n"
    assert records(template("data_loader_clickhouse.py", profile)) == [{"id": 1}]
    assert log[0] == ("client", {"database": "analytics", "host": "h", "interface": None, "password": None,
                                 "port": None, "username": None})  # fmt: skip
    log.clear()
    template("data_exporter_clickhouse.py", profile)
    assert log[-1] == ("insert_df", "analytics.your_table_name", 2)


@runs("data_loader_trino.py", "data_exporter_trino.py")
def test_the_trino_templates(template, monkeypatch):
    log = fake_trino(monkeypatch, one_row)
    profile = "  TRINO_CATALOG: hive\n  TRINO_HOST: h\n  TRINO_USER: u\n  TRINO_PORT: 8080\n  TRINO_SCHEMA: raw\n"
    assert records(template("data_loader_trino.py", profile)) == [{"id": 1}]
    log.clear()
    template("data_exporter_trino.py", profile)
    assert log.sql()[-2:] == [
        'CREATE TABLE raw.your_table_name ("name" VARCHAR,"age" BIGINT,"fare" DOUBLE)',
        "INSERT INTO hive.raw.your_table_name VALUES (?, ?, ?)",
    ]


@runs("data_loader_google_cloud_storage.py", "data_exporter_google_cloud_storage.py")
def test_the_google_cloud_storage_templates_write_and_read_back_an_object(template, monkeypatch):
    objects = fake_google_cloud_storage(monkeypatch)
    variables = {"bucket_name": "lake", "object_key": "exports/rows.parquet"}
    template("data_exporter_google_cloud_storage.py", GOOGLE_KEY, variables)
    assert list(objects) == [("lake", "exports/rows.parquet")]
    pd.testing.assert_frame_equal(template("data_loader_google_cloud_storage.py", GOOGLE_KEY, variables), ROWS)


@runs("data_loader_azure_blob_storage.py", "data_exporter_azure_blob_storage.py")
def test_the_azure_blob_storage_templates_write_and_read_back_a_blob(template, monkeypatch):
    log, blobs = fake_azure_blob_storage(monkeypatch)
    profile = "  AZURE_STORAGE_ACCOUNT_NAME: acct\n"
    variables = {"container_name": "lake", "blob_path": "exports/rows.parquet"}
    template("data_exporter_azure_blob_storage.py", profile, variables)
    assert list(blobs) == [("lake", "exports/rows.parquet")]
    pd.testing.assert_frame_equal(template("data_loader_azure_blob_storage.py", profile, variables), ROWS)
    assert log[0] == ("service", "https://acct.blob.core.windows.net", "default")


@runs("data_loader_mongodb.py", "data_exporter_mongodb.py")
def test_the_mongodb_templates_use_the_profiles_collection(template, monkeypatch):
    log = fake_mongodb(monkeypatch, [{"name": "Braund"}])
    profile = ("  MONGODB_CONNECTION_STRING: mongodb://h:27017/\n  MONGODB_DATABASE: db\n"
               "  MONGODB_COLLECTION: people\n")  # fmt: skip
    assert records(template("data_loader_mongodb.py", profile)) == [{"name": "Braund"}]
    template("data_exporter_mongodb.py", profile)
    assert log[1] == ("find", "people", {})
    assert log[-1] == ("insert_many", "people", records(ROWS))


@runs("data_loader_google_sheets.py", "data_exporter_google_sheets.py")
def test_the_google_sheets_templates(template, monkeypatch):
    log = fake_google_sheets(monkeypatch, [{"name": "Braund", "age": 22}])
    variables = {"sheet_url": "https://docs.google.com/spreadsheets/d/abc"}
    assert records(template("data_loader_google_sheets.py", GOOGLE_KEY, variables)) == [{"name": "Braund", "age": 22}]
    template("data_exporter_google_sheets.py", GOOGLE_KEY, variables)
    assert log == [
        ("open_by_url", variables["sheet_url"]),
        ("open_by_url", variables["sheet_url"]),
        ("update", [["name", "age", "fare"], ["Braund", 22, 7.25], ["Cumings", 38, 71.5]]),
    ]


def test_every_template_is_run_by_a_test():
    not_blocks = {"scratchpad_generic.py", "markdown_generic.md"}
    assert sorted(RUN) == sorted(path.name for path in TEMPLATES.iterdir() if path.name not in not_blocks)
