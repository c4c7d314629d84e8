"""SQL blocks on BigQuery, Snowflake, Redshift, SQL Server (`mssql`), ClickHouse and Trino, against stand-in drivers
(fake_drivers.py) that record every call, since no server of these can run here: the exact SQL and calls each
database receives for a transformer reading `{{ df_1 }}` from a Python block (the upstream table written, the block's
table created by each write policy, its rows fetched under `limit_in_pipeline_run`), for raw SQL, for a database
error (named at the block's line where the database reports one) and for a missing driver.

Where the expected strings come from: Mage 0.9.80's source (`pip download mage-ai==0.9.80 --no-deps`, unzipped);
`block/sql/<x>.py` below is mage_ai/data_preparation/models/block/sql/<x>.py, `io/<x>.py` is mage_ai/io/<x>.py, and
the upstream tables the connectors write are what Wand's own mage_ai.io classes send (tested against the same Mage
files in test_io_connectors.py). Where Wand departs from Mage the entry says so and why. These tests check what Wand
sends; what each server answers was not checked.
"""

import sys

import pytest
import yaml
from fake_drivers import TrinoUserError, fake_bigquery, fake_clickhouse, fake_dbapi, fake_snowflake, fake_trino
from wand_runtime import block, outputs

BLOCK_TABLE = "dev_shop_totals_v1"  # Mage's Block.table_name: <env>_<pipeline>_<block>_v1
SQL = "SELECT region, SUM(amount) AS units\nFROM {{ df_1 }}\nGROUP BY region\n"
ROWS = [("eu", 35), ("us", 28)]
MAGE_ROW_LIMIT = 10_000_000  # QUERY_ROW_LIMIT in io/base.py
SCOPES = ("https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/bigquery")


# The upstream block's rows (the `sales()` of conftest.py) as the parameters of one multi-row INSERT.
SENT_ROWS = [
    "eu",
    10,
    1.5,
    "us",
    25,
    2.25,
    "eu",
    7,
    0.5,
    "apac",
    40,
    10.0,
    "us",
    3,
    3.0,
    "eu",
    18,
    1.25,
    None,
    12,
    4.0,
    "apac",
    9,
    2.0,
]


def values(slot):
    return ", ".join(["(" + ", ".join([slot] * 3) + ")"] * 8)


# Per database: the io_config.yaml profile, the block's extra configuration, how the stand-in driver is installed, and
# what Wand sends. `{sql}` is the block's statement with `{{ df_1 }}` replaced by `ref`.
DATABASES = {
    "bigquery": dict(
        profile={"GOOGLE_SERVICE_ACC_KEY": {"client_email": "a@b"}},
        config={"data_provider_schema": "shop"},  # BigQuery has no default dataset: Mage writes `{schema}.{table}`.
        install=fake_bigquery,
        run="query",
        fetch="query",
        connect=[("client", ("info", "a@b", SCOPES), {})],
        # block/sql/bigquery.py create_upstream_block_tables: export(df, "dataset.table", if_exists='replace'), a
        # load job with WRITE_TRUNCATE (io/bigquery.py); Wand names the project in the table id too.
        upstream=[
            ("create_dataset", "shop", True),
            ("load", "proj.shop.dev_shop_load_sales_v1", ["Region", "amount", "price"], "WRITE_TRUNCATE"),
        ],
        # block/sql/bigquery.py interpolate_input_data: project (the client's, or data_provider_database), dataset,
        # table, joined by dots.
        ref="proj.shop.dev_shop_load_sales_v1",
        # io/bigquery.py export with a query: the __TABLES_SUMMARY__ look-up, DROP TABLE for replace, CREATE TABLE AS
        # or INSERT INTO. Wand creates the dataset first (Mage's query export does not, and then fails) and quotes
        # the whole path in backticks in the statements it writes.
        before=[
            ("create_dataset", "proj.shop", True),
            ("query", f"SELECT 1 FROM `proj.shop.__TABLES_SUMMARY__` WHERE table_id = '{BLOCK_TABLE}'"),
        ],
        target=f"`proj.shop.{BLOCK_TABLE}`",
        drop="DROP TABLE `proj.shop.dev_shop_totals_v1`",
        create=["CREATE TABLE `proj.shop.dev_shop_totals_v1` AS\n{sql}"],
        insert="INSERT INTO `proj.shop.dev_shop_totals_v1`\n{sql}",
        # block/sql/__init__.py: loader.load(f'SELECT * FROM {database}.{schema}.{table_name}', limit=limit).
        select="SELECT * FROM `proj.shop.dev_shop_totals_v1` LIMIT {limit}",
        preview="SELECT * FROM totals LIMIT 1000",  # block/sql/__init__.py execute_raw_sql
        ok=[("close",)],
        failed=[("close",)],
        raw_commit=[],
    ),
    "snowflake": dict(
        profile={
            "SNOWFLAKE_ACCOUNT": "acme",
            "SNOWFLAKE_USER": "u",
            "SNOWFLAKE_PASSWORD": "p",
            "SNOWFLAKE_DEFAULT_WH": "wh",
            "SNOWFLAKE_DEFAULT_DB": "shop_db",
            "SNOWFLAKE_DEFAULT_SCHEMA": "raw",
        },
        config={},
        install=fake_snowflake,
        run="execute",
        fetch="execute",
        connect=[
            (
                "connect",
                {
                    "account": "acme",
                    "database": "shop_db",
                    "schema": "raw",
                    "user": "u",
                    "warehouse": "wh",
                    "password": "p",
                    "login_timeout": 20,
                    "network_timeout": 300,
                },
            ),
        ],
        # block/sql/snowflake.py create_upstream_block_tables: database, schema and table upper-cased, then
        # io/snowflake.py export(if_exists='replace'): its schema, USE DATABASE, look-up, then write_pandas.
        upstream=[
            ("execute", "CREATE SCHEMA IF NOT EXISTS SHOP_DB.RAW", ("timeout", None)),
            ("execute", "USE DATABASE SHOP_DB", ("timeout", None)),
            (
                "execute",
                "SELECT * FROM information_schema.tables WHERE table_schema = 'RAW' AND table_name = "
                "'DEV_SHOP_LOAD_SALES_V1'",
                ("timeout", None),
            ),
            (
                "write_pandas",
                "DEV_SHOP_LOAD_SALES_V1",
                8,
                {"auto_create_table": True, "database": "SHOP_DB", "schema": "RAW", "use_logical_type": True},
            ),
        ],
        # block/sql/snowflake.py interpolate_input_data: f'"{db.upper()}"."{schema.upper()}"."{tn.upper()}"'.
        ref='"SHOP_DB"."RAW"."DEV_SHOP_LOAD_SALES_V1"',
        # io/snowflake.py export with a query (the table name upper-cased by block/sql/__init__.py): its schema, the
        # information_schema look-up, DROP TABLE for replace, CREATE TABLE ... AS or INSERT INTO the quoted
        # "DB"."SCHEMA"."TABLE". Wand names the database in the look-up instead of a USE DATABASE.
        before=[
            ("execute", 'CREATE SCHEMA IF NOT EXISTS "SHOP_DB"."RAW"'),
            (
                "execute",
                "SELECT 1 FROM \"SHOP_DB\".information_schema.tables WHERE table_schema = 'RAW' AND "
                "table_name = 'DEV_SHOP_TOTALS_V1'",
            ),
        ],
        target='"SHOP_DB"."RAW"."DEV_SHOP_TOTALS_V1"',
        drop='DROP TABLE "SHOP_DB"."RAW"."DEV_SHOP_TOTALS_V1"',
        create=['CREATE TABLE "SHOP_DB"."RAW"."DEV_SHOP_TOTALS_V1" AS\n{sql}'],
        insert='INSERT INTO "SHOP_DB"."RAW"."DEV_SHOP_TOTALS_V1"\n{sql}',
        # block/sql/__init__.py: loader.load(f'SELECT * FROM "{database}"."{schema}"."{table_name}"', limit=limit).
        select='SELECT * FROM "SHOP_DB"."RAW"."DEV_SHOP_TOTALS_V1" LIMIT {limit}',
        preview="SELECT * FROM totals LIMIT 1000",
        ok=[("commit",), ("close",)],
        failed=[("rollback",), ("close",)],
        raw_commit=[("commit",)],
    ),
    "redshift": dict(
        profile={
            "REDSHIFT_DBNAME": "dev",
            "REDSHIFT_TEMP_CRED_USER": "u",
            "REDSHIFT_TEMP_CRED_PASSWORD": "p",
            "REDSHIFT_HOST": "cluster.example",
            "REDSHIFT_PORT": 5439,
            "REDSHIFT_SCHEMA": "analytics",
        },
        config={},
        install=lambda monkeypatch, answer: fake_dbapi(monkeypatch, "redshift_connector", answer),
        run="execute",
        fetch="execute",
        connect=[
            ("connect", (), {"database": "dev", "host": "cluster.example", "password": "p", "port": 5439, "user": "u"})
        ],
        # block/sql/redshift.py create_upstream_block_tables: the table in the schema (REDSHIFT_SCHEMA), replaced.
        # Mage sends the rows as one INSERT of literals (io/redshift.py); Wand creates typed columns and sends the rows
        # as parameters, at most 1,000 rows a statement.
        upstream=[
            ("execute", "CREATE SCHEMA IF NOT EXISTS analytics"),
            ("execute", "DROP TABLE IF EXISTS analytics.dev_shop_load_sales_v1"),
            (
                "execute",
                "CREATE TABLE analytics.dev_shop_load_sales_v1 (region VARCHAR(MAX), amount BIGINT, "
                "price DOUBLE PRECISION)",
            ),
            (
                "execute",
                f"INSERT INTO analytics.dev_shop_load_sales_v1 (region, amount, price) VALUES {values('%s')}",
                SENT_ROWS,
            ),
        ],
        # block/sql/redshift.py interpolate_input_data: database (REDSHIFT_DBNAME), schema, table.
        ref="dev.analytics.dev_shop_load_sales_v1",
        # io/redshift.py export with a query: look-up, DROP TABLE (drop_table_on_replace), CREATE TABLE AS or INSERT.
        before=[
            ("execute", "CREATE SCHEMA IF NOT EXISTS analytics"),
            (
                "execute",
                f"SELECT 1 FROM information_schema.tables WHERE table_schema = 'analytics' AND table_name = "
                f"'{BLOCK_TABLE}'",
            ),
        ],
        target=f"analytics.{BLOCK_TABLE}",
        drop=f"DROP TABLE analytics.{BLOCK_TABLE}",
        create=[f"CREATE TABLE analytics.{BLOCK_TABLE} AS\n{{sql}}"],
        insert=f"INSERT INTO analytics.{BLOCK_TABLE}\n{{sql}}",
        # block/sql/__init__.py: loader.load(f'SELECT * FROM {schema}.{table_name}', limit=limit).
        select=f"SELECT * FROM analytics.{BLOCK_TABLE} LIMIT {{limit}}",
        preview="SELECT * FROM totals LIMIT 1000",
        ok=[("commit",), ("close",)],
        failed=[("rollback",), ("close",)],
        raw_commit=[("commit",)],
    ),
    "mssql": dict(
        profile={"MSSQL_DATABASE": "db", "MSSQL_HOST": "h", "MSSQL_USER": "u", "MSSQL_PASSWORD": "p"},
        config={},
        install=lambda monkeypatch, answer: fake_dbapi(monkeypatch, "pyodbc", answer),
        run="execute",
        fetch="execute",
        connect=[
            (
                "connect",
                (
                    "DRIVER={ODBC Driver 18 for SQL Server};SERVER=h;DATABASE=db;UID=u;PWD=p;ENCRYPT=yes;"
                    "TrustServerCertificate=yes",
                ),
                {},
            )
        ],
        # block/sql/mssql.py create_upstream_block_tables: the table in the profile's schema (dbo by default), its
        # schema created as io/mssql.py build_create_schema_command does. Mage creates floats as `decimal` (rounded
        # to integers) and inserts row by row; Wand types columns from the data and sends up to 2,000 values a
        # statement.
        upstream=[
            (
                "execute",
                "IF NOT EXISTS (SELECT * FROM information_schema.schemata WHERE schema_name = 'dbo')\n"
                "BEGIN EXEC('CREATE SCHEMA dbo') END",
            ),
            ("execute", "DROP TABLE IF EXISTS dbo.dev_shop_load_sales_v1"),
            ("execute", "CREATE TABLE dbo.dev_shop_load_sales_v1 (region NVARCHAR(MAX), amount BIGINT, price FLOAT)"),
            (
                "execute",
                f"INSERT INTO dbo.dev_shop_load_sales_v1 (region, amount, price) VALUES {values('?')}",
                SENT_ROWS,
            ),
        ],
        # block/sql/mssql.py interpolate_input_data gives the bare table name, though the table was written to the
        # block's schema: Wand names the schema, so a schema other than the login's default works too.
        ref="dbo.dev_shop_load_sales_v1",
        # io/mssql.py: build_create_schema_command, table_exists, DROP TABLE (drop_table_on_replace) and
        # build_create_table_as_command's `SELECT * INTO {table}\nFROM ({query}) AS prev`.
        before=[
            (
                "execute",
                "IF NOT EXISTS (SELECT * FROM information_schema.schemata WHERE schema_name = 'dbo')\n"
                "BEGIN EXEC('CREATE SCHEMA dbo') END",
            ),
            (
                "execute",
                f"SELECT 1 FROM information_schema.tables WHERE table_schema = 'dbo' AND table_name = '{BLOCK_TABLE}'",
            ),
        ],
        target=f"dbo.{BLOCK_TABLE}",
        drop=f"DROP TABLE dbo.{BLOCK_TABLE}",
        create=[f"SELECT * INTO dbo.{BLOCK_TABLE}\nFROM ({{sql}}\n) AS prev"],
        insert=f"INSERT INTO dbo.{BLOCK_TABLE}\n{{sql}}",
        # block/sql/__init__.py: loader.load(f'SELECT TOP {limit} * FROM {table_name}') (Wand with the schema).
        select=f"SELECT TOP {{limit}} * FROM dbo.{BLOCK_TABLE}",
        preview="SELECT TOP 1000 * FROM totals",  # block/sql/mssql.py execute_raw_sql: SELECT TOP(1000) *
        ok=[("commit",), ("close",)],
        failed=[("rollback",), ("close",)],
        raw_commit=[("commit",)],
    ),
    "clickhouse": dict(
        profile={"CLICKHOUSE_HOST": "h", "CLICKHOUSE_DATABASE": "analytics"},
        config={},
        install=fake_clickhouse,
        run="command",
        fetch="query_arrow",
        connect=[
            (
                "client",
                {
                    "database": "analytics",
                    "host": "h",
                    "interface": None,
                    "password": None,
                    "port": None,
                    "username": None,
                },
            )
        ],
        # block/sql/clickhouse.py create_upstream_block_tables: export(df, table, database=...) replacing it:
        # io/clickhouse.py's EXISTS TABLE, a Memory table typed from the frame (column names as they are), insert_df.
        upstream=[
            ("query_df", "\nEXISTS TABLE analytics.dev_shop_load_sales_v1\n"),
            (
                "command",
                "CREATE TABLE analytics.dev_shop_load_sales_v1 (Region Nullable(String), amount "
                "Nullable(Int64), price Nullable(Float64)) ENGINE = Memory",
            ),
            ("insert_df", "analytics.dev_shop_load_sales_v1", 8),
        ],
        # block/sql/clickhouse.py interpolate_input_data: the bare table name (in the profile's database).
        ref="dev_shop_load_sales_v1",
        # io/clickhouse.py export with a query: EXISTS TABLE, DROP TABLE IF EXISTS for replace, then
        # `CREATE TABLE IF NOT EXISTS ... ENGINE = Memory EMPTY AS` and INSERT INTO with the query.
        before=[("command", f"EXISTS TABLE analytics.{BLOCK_TABLE}")],
        target=f"analytics.{BLOCK_TABLE}",
        drop=f"DROP TABLE IF EXISTS analytics.{BLOCK_TABLE}",
        create=[
            f"CREATE TABLE IF NOT EXISTS analytics.{BLOCK_TABLE} ENGINE = Memory EMPTY AS\n{{sql}}",
            f"INSERT INTO analytics.{BLOCK_TABLE}\n{{sql}}",
        ],
        insert=f"INSERT INTO analytics.{BLOCK_TABLE}\n{{sql}}",
        # block/sql/__init__.py: loader.load(f'SELECT * FROM {database}.{table_name}'). Mage passes no limit there
        # (10,000,000 rows); Wand applies limit_in_pipeline_run as it does on every database.
        select=f"SELECT * FROM analytics.{BLOCK_TABLE} LIMIT {{limit}}",
        preview="SELECT * FROM totals LIMIT 1000",
        ok=[("close",)],
        failed=[("close",)],
        raw_commit=[],
    ),
    "trino": dict(
        profile={
            "TRINO_CATALOG": "hive",
            "TRINO_HOST": "h",
            "TRINO_USER": "u",
            "TRINO_PORT": 8080,
            "TRINO_SCHEMA": "raw",
        },
        config={},
        install=fake_trino,
        run="execute",
        fetch="execute",
        connect=[("connect", (), {"catalog": "hive", "host": "h", "port": 8080, "schema": "raw", "user": "u"})],
        # block/sql/trino.py create_upstream_block_tables: export(df, schema, table, drop_table_on_replace=True,
        # if_exists='replace'): io/trino.py's CREATE SCHEMA IF NOT EXISTS catalog.schema, DROP, CREATE TABLE, INSERT.
        # Mage inserts one row per statement; Wand sends up to 1,000 rows a statement, and looks the table up in
        # information_schema (Mage's SHOW TABLES ... LIKE also matches `_` as any character).
        upstream=[
            ("execute", "CREATE SCHEMA IF NOT EXISTS hive.raw"),
            ("execute", "DROP TABLE IF EXISTS hive.raw.dev_shop_load_sales_v1"),
            ("execute", "CREATE TABLE hive.raw.dev_shop_load_sales_v1 (region VARCHAR, amount BIGINT, price DOUBLE)"),
            (
                "execute",
                f"INSERT INTO hive.raw.dev_shop_load_sales_v1 (region, amount, price) VALUES {values('?')}",
                SENT_ROWS,
            ),
        ],
        # block/sql/trino.py interpolate_input_data: catalog (or data_provider_database), schema, table.
        ref="hive.raw.dev_shop_load_sales_v1",
        before=[
            ("execute", "CREATE SCHEMA IF NOT EXISTS hive.raw"),
            (
                "execute",
                f"SELECT 1 FROM hive.information_schema.tables WHERE table_schema = 'raw' AND table_name = "
                f"'{BLOCK_TABLE}'",
            ),
        ],
        target=f"hive.raw.{BLOCK_TABLE}",
        drop=f"DROP TABLE hive.raw.{BLOCK_TABLE}",
        create=[f"CREATE TABLE hive.raw.{BLOCK_TABLE} AS\n{{sql}}"],
        insert=f"INSERT INTO hive.raw.{BLOCK_TABLE}\n{{sql}}",
        # block/sql/__init__.py: '"catalog"."schema"."table"' quoted; the same table unquoted here.
        select=f"SELECT * FROM hive.raw.{BLOCK_TABLE} LIMIT {{limit}}",
        preview="SELECT * FROM totals LIMIT 1000",
        ok=[("commit",), ("close",)],
        failed=[("close",)],  # the Trino client has no transaction to roll back unless one was started
        raw_commit=[("commit",)],
    ),
}


@pytest.fixture
def warehouse(project, monkeypatch):
    """Runs SQL blocks of `project` on a database through its stand-in driver; `run(...)` returns (result, log)."""
    state = {"exists": False, "error": None}

    def answer(sql):
        if state["error"] and "nope" in sql and sql.startswith(state["error"][0]):
            raise state["error"][1]
        lookup = any(word in sql for word in ("information_schema.tables", "__TABLES_SUMMARY__", "EXISTS TABLE"))
        if lookup and BLOCK_TABLE in sql.lower():
            return ([(1,)], ["exists"]) if state["exists"] else ([], ["exists"])
        if sql.startswith(("SELECT * FROM", "SELECT TOP")) and not lookup:
            return ROWS, ["region", "units"]
        return [], []

    def run(provider, policy="append", exists=False, text=SQL, error=None, **config):
        expected = DATABASES[provider]
        log = expected["install"](monkeypatch, answer)
        state.update(exists=exists, error=error)
        profiles = {"version": "0.1.1", "warehouse": expected["profile"]}
        (project.root / "io_config.yaml").write_text(yaml.safe_dump(profiles), encoding="utf-8")
        (project.root / "transformers" / "totals.sql").write_text(text, encoding="utf-8")
        configuration = {
            "data_provider": provider,
            "data_provider_profile": "warehouse",
            "export_write_policy": policy,
            **expected["config"],
            **config,
        }
        return block.run(project("totals", "transformers/totals.sql", configuration)), log

    return run


def calls(kind, sqls):
    return [(kind, sql) for sql in sqls]


def rows_of(result):
    assert result["status"] == "completed", result
    return outputs.load(result["stored"]).to_dict(orient="records")


PROVIDERS = list(DATABASES)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_transformer_on_a_python_upstream_sends_mages_sql_for_each_write_policy(warehouse, provider):
    expected = DATABASES[provider]
    sql = block_sql(expected["ref"])
    run, head = expected["run"], expected["connect"] + expected["upstream"] + expected["before"]

    def fetched(limit=MAGE_ROW_LIMIT):
        return [(expected["fetch"], expected["select"].format(limit=limit))]

    # append (Mage's default) on a table not there yet: created from the statement
    result, log = warehouse(provider, "append")
    create = calls(run, [statement.format(sql=sql) for statement in expected["create"]])
    assert log == head + create + fetched() + expected["ok"]
    assert rows_of(result) == [{"region": "eu", "units": 35}, {"region": "us", "units": 28}]

    # append to the table there: INSERT INTO it, and the output is the whole table
    result, log = warehouse(provider, "append", exists=True)
    assert log == head + calls(run, [expected["insert"].format(sql=sql)]) + fetched() + expected["ok"]

    # replace: dropped and created again; limit_in_pipeline_run caps the rows passed on
    result, log = warehouse(provider, "replace", exists=True, limit_in_pipeline_run=5)
    assert log == head + calls(run, [expected["drop"]]) + create + fetched(5) + expected["ok"]
    assert result["status"] == "completed"

    # fail: nothing written
    result, log = warehouse(provider, "fail", exists=True)
    assert log == head + expected["failed"]
    assert result["status"] == "failed"
    assert result["error"] == (
        f"block `totals`: Table '{expected['target']}' already exists in database (export_write_policy is fail)"
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_raw_sql_runs_the_statements_as_written_and_passes_on_the_table_written(warehouse, provider):
    expected = DATABASES[provider]
    text = "CREATE TABLE totals AS\nSELECT region FROM {{ df_1 }};\nINSERT INTO totals SELECT 'x'\n"
    result, log = warehouse(provider, use_raw_sql=True, text=text)
    statements = [f"CREATE TABLE totals AS\nSELECT region FROM {expected['ref']}", "INSERT INTO totals SELECT 'x'"]
    assert log == (
        expected["connect"]
        + expected["upstream"]
        + calls(expected["run"], statements)
        + expected["raw_commit"]
        + [(expected["fetch"], expected["preview"])]
        + expected["ok"]
    )
    assert rows_of(result) == [{"region": "eu", "units": 35}, {"region": "us", "units": 28}]


def redshift_error(sql):
    """Redshift's error response as redshift_connector raises it: a ProgrammingError of the response's fields, `P`
    the 1-based character position in the statement it got."""
    position = sql.index("nope") + 1
    fields = {
        "S": "ERROR",
        "C": "42703",
        "M": 'column "nope" does not exist',
        "P": str(position),
        "R": "errorMissingColumn",
    }
    return type("ProgrammingError", (Exception,), {})(fields)


ERROR_SQL = "SELECT region,\n  SUM(amount) AS units\nFROM {{ df_1 }}\nWHERE nope > 1\nGROUP BY region\n"

# Per database: the prefix of the statement that fails, the error its driver raises (the shape each database's
# messages have; the line in them is the line of the statement the database got, here 5 with the CREATE line before
# the block's four), and the message the block fails with (the line is the rendered SQL's: 4).
ERRORS = {
    # google-cloud-bigquery raises google.api_core exceptions: "400 <message>", BigQuery naming `at [line:column]`.
    "bigquery": (
        "CREATE TABLE",
        Exception(
            "400 Unrecognized name: nope at [5:7]; reason: invalidQuery, location: query, message: "
            "Unrecognized name: nope at [5:7]"
        ),
        "BigQuery error at line 4 of the rendered SQL: 400 Unrecognized name: nope at [4:7]; reason: invalidQuery, "
        "location: query, message: Unrecognized name: nope at [4:7]",
    ),
    # snowflake.connector's ProgrammingError: "<code> (<state>): SQL compilation error: error line L at position C".
    "snowflake": (
        "CREATE TABLE",
        Exception("000904 (42000): SQL compilation error: error line 5 at position 6\ninvalid identifier 'NOPE'"),
        "Snowflake error at line 4 of the rendered SQL: 000904 (42000): SQL compilation error: error line 4 at "
        "position 6\ninvalid identifier 'NOPE'",
    ),
    "redshift": (
        "CREATE TABLE",
        None,  # built from the statement by redshift_error
        'Redshift error at line 4 of the rendered SQL: column "nope" does not exist',
    ),
    # pyodbc raises (SQLSTATE, message); SQL Server's message names no line, so the statement's first line is named.
    "mssql": (
        "SELECT * INTO",
        Exception(
            "42S22",
            "[42S22] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Invalid column name 'nope'. "
            "(207) (SQLExecDirectW)",
        ),
        "SQL Server error at line 1 of the rendered SQL: [42S22] [Microsoft][ODBC Driver 18 for SQL Server][SQL "
        "Server]Invalid column name 'nope'. (207) (SQLExecDirectW)",
    ),
    # clickhouse_connect's DatabaseError carries the server's exception text: "... (line L, col C): ...".
    "clickhouse": (
        "CREATE TABLE",
        Exception(
            "HTTPDriver for http://h:8123 received ClickHouse error code 62\n Code: 62. DB::Exception: Syntax "
            "error: failed at position 120 (nope) (line 5, col 7): nope > 1. (SYNTAX_ERROR)"
        ),
        "ClickHouse error at line 4 of the rendered SQL: HTTPDriver for http://h:8123 received ClickHouse error code "
        "62\n Code: 62. DB::Exception: Syntax error: failed at position 120 (nope) (line 4, col 7): nope > 1. "
        "(SYNTAX_ERROR)",
    ),
    # The Trino client's TrinoUserError: its message starts "line L:C:" and error_location is (L, C).
    "trino": (
        "CREATE TABLE",
        TrinoUserError("line 5:7: Column 'nope' cannot be resolved", "COLUMN_NOT_FOUND", (5, 7)),
        "Trino error at line 4 of the rendered SQL: COLUMN_NOT_FOUND: line 4:7: Column 'nope' cannot be resolved",
    ),
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_database_error_names_the_line_of_the_rendered_sql(warehouse, provider):
    prefix, error, message = ERRORS[provider]
    if error is None:
        expected = DATABASES[provider]
        sql = ERROR_SQL.strip().replace("{{ df_1 }}", expected["ref"])
        error = redshift_error(expected["create"][0].format(sql=sql))
    result, _ = warehouse(provider, error=(prefix, error), text=ERROR_SQL)
    assert result["status"] == "failed"
    assert result["error"] == f"block `totals`: {message}"
    if provider != "mssql":
        assert "> 4 | WHERE nope > 1" in result["traceback"]


MISSING = [
    ("bigquery", ["google.cloud.bigquery", "google.oauth2"], "google-cloud-bigquery"),
    ("snowflake", ["snowflake.connector"], "snowflake-connector-python[pandas]"),
    ("redshift", ["redshift_connector"], "redshift-connector"),
    ("mssql", ["pyodbc"], "pyodbc"),
    ("clickhouse", ["clickhouse_connect"], "clickhouse-connect"),
    ("trino", ["trino"], "trino"),
]


@pytest.mark.parametrize(("provider", "modules", "package"), MISSING)
def test_a_missing_driver_names_the_package_for_requirements(project, monkeypatch, provider, modules, package):
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)
    profiles = {"version": "0.1.1", "warehouse": DATABASES[provider]["profile"]}
    (project.root / "io_config.yaml").write_text(yaml.safe_dump(profiles), encoding="utf-8")
    (project.root / "transformers" / "totals.sql").write_text(SQL, encoding="utf-8")
    configuration = {"data_provider": provider, "data_provider_profile": "warehouse", **DATABASES[provider]["config"]}
    result = block.run(project("totals", "transformers/totals.sql", configuration))
    assert result["status"] == "failed"
    assert f"add `{package}`" in result["error"] and "requirements.txt" in result["error"]


# What each database reads from the block's configuration


def test_bigquery_needs_a_dataset(warehouse):
    result, log = warehouse("bigquery", data_provider_schema=None)
    assert result["status"] == "failed"
    assert result["error"] == (
        "block `totals`: BigQuery needs a schema for the table of upstream block `load_sales`; set "
        "`configuration.data_provider_schema` (the dataset), or name it in `upstream_block_configuration`"
    )
    assert [entry[0] for entry in log] == ["client", "close"]


def block_sql(ref):
    """The block's statement with `{{ df_1 }}` as `ref`."""
    return SQL.strip().replace("{{ df_1 }}", ref)


def test_bigquery_and_trino_name_tables_in_data_provider_database(warehouse):
    # block/sql/bigquery.py and trino.py: `data_provider_database` is the project (catalog) of the upstream tables
    # and of the block's table.
    _, log = warehouse("bigquery", data_provider_database="other")
    assert ("load", "other.shop.dev_shop_load_sales_v1", ["Region", "amount", "price"], "WRITE_TRUNCATE") in log
    create = f"CREATE TABLE `other.shop.{BLOCK_TABLE}` AS\n" + block_sql("other.shop.dev_shop_load_sales_v1")
    assert ("query", create) in log
    _, log = warehouse("trino", data_provider_database="lake")
    assert "CREATE SCHEMA IF NOT EXISTS lake.raw" in log.sql()
    assert f"CREATE TABLE lake.raw.{BLOCK_TABLE} AS\n" + block_sql("lake.raw.dev_shop_load_sales_v1") in log.sql()


def test_snowflake_writes_to_the_database_and_schema_a_three_part_from_names(warehouse):
    # block/sql/__init__.py (Snowflake, not raw): table_name_parts_from_query on the block's SQL; a
    # `FROM db.schema.table` there names the database and schema of the block's table and of its session.
    text = "SELECT COUNT(*) AS n FROM sales_db.public.orders"
    _, log = warehouse("snowflake", text=text)
    assert log[0][1]["database"] == "sales_db" and log[0][1]["schema"] == "public"
    assert f'CREATE TABLE "SALES_DB"."PUBLIC"."DEV_SHOP_TOTALS_V1" AS\n{text}' in log.sql()


def test_trino_unique_upstream_table_name_suffixes_the_upstream_table(warehouse, monkeypatch):
    # block/sql/__init__.py (Trino): unique_upstream_table_name adds `_<unix time>` to the upstream tables it writes.
    monkeypatch.setattr("time.time", lambda: 1767225600.5)
    _, log = warehouse("trino", unique_upstream_table_name=True)
    assert "DROP TABLE IF EXISTS hive.raw.dev_shop_load_sales_v1_1767225600" in log.sql()
    ref = "hive.raw.dev_shop_load_sales_v1_1767225600"
    assert f"CREATE TABLE hive.raw.{BLOCK_TABLE} AS\n" + block_sql(ref) in log.sql()


def test_clickhouse_names_the_database_when_it_is_not_the_profiles(warehouse):
    # Mage writes the upstream table to data_provider_database but names it bare (the profile's database); Wand
    # names the database it wrote.
    _, log = warehouse("clickhouse", data_provider_database="other")
    assert ("insert_df", "other.dev_shop_load_sales_v1", 8) in log
    create = f"CREATE TABLE IF NOT EXISTS other.{BLOCK_TABLE} ENGINE = Memory EMPTY AS\n"
    assert ("command", create + block_sql("other.dev_shop_load_sales_v1")) in log


def test_redshift_sends_a_whole_text_one_statement_at_a_time(warehouse):
    # io/redshift.py execute_query_raw (disable_query_preprocessing): each statement of the text in turn.
    text = "DELETE FROM t WHERE a = ';';\nINSERT INTO t VALUES (1)"
    result, log = warehouse("redshift", use_raw_sql=True, disable_query_preprocessing=True, text=text)
    assert log.sql() == ["DELETE FROM t WHERE a = ';'", "INSERT INTO t VALUES (1)"]
    assert result["status"] == "completed"
