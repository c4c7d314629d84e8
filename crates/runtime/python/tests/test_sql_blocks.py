"""SQL blocks: rendering (`{{ df_n }}`, Jinja, `block_output`), statements, write policies, raw SQL and errors, on a
DuckDB file, a real PostgreSQL (WAND_TEST_DATABASE_URL) and a throwaway MariaDB.

Expected rows come from real Mage 0.9.80: fixtures/sql_shop's pipelines were run with
`../shared/tools/mage-oracle fixtures/sql_shop <pipeline> --vars '{"out_dir": ...}'` (Mage's server, the io_config
profile pointed at the same kind of database through the SHOP_* environment variables), and the exporter blocks wrote
what they received; those files are written down below.
"""

import json
from urllib.parse import urlparse

import pandas as pd
import pytest
from wand_runtime import block, outputs
from wand_runtime.sql import render, table_name

# What Mage's exporter received from the SQL block `sales_by_region` (DuckDB, min_amount 8).
MAGE_DUCKDB_ROWS = [
    {"region": "apac", "units": 49, "revenue": 418.0, "orders": 2},
    {"region": "eu", "units": 28, "revenue": 37.5, "orders": 2},
    {"region": "us", "units": 25, "revenue": 56.25, "orders": 1},
    {"region": None, "units": 12, "revenue": 48.0, "orders": 1},
]


# Mage's sales_postgres, run twice on one database: what each exporter received. The second time `pg_fail` failed
# with "Table 'public.sales_postgres_pg_fail_v1' already exists in database." (its exporter was cancelled).
TOTALS = MAGE_DUCKDB_ROWS
RAW_TOTALS = [{"region": "apac", "units": 49}, {"region": "eu", "units": 35}, {"region": "us", "units": 28}]
MAGE_POSTGRES_FIRST = {"replace": TOTALS, "append": TOTALS, "raw": RAW_TOTALS, "fail": TOTALS}
MAGE_POSTGRES_SECOND = {"replace": TOTALS, "append": TOTALS + TOTALS, "raw": RAW_TOTALS + RAW_TOTALS}


# Mage's sales_mysql on MariaDB 10.11, run the same way. Mage puts NULL first (MariaDB's order) and returns the
# integer sums as floats (49.0, equal to Wand's 49 here). One deliberate difference: Mage 0.9.80 creates a float
# column of an upstream DataFrame as MySQL's `DECIMAL`, which is DECIMAL(10,0), so it rounds every price (1.25 to 1,
# 2.25 to 2) and reports revenue 38.0 for eu and 50.0 for us; Wand stores floats as DOUBLE and keeps 37.5 and 56.25.
MYSQL_TOTALS = [TOTALS[3], *TOTALS[:3]]
MAGE_MYSQL_FIRST = {"replace": MYSQL_TOTALS, "append": MYSQL_TOTALS, "raw": RAW_TOTALS, "fail": MYSQL_TOTALS}
MAGE_MYSQL_SECOND = {"replace": MYSQL_TOTALS, "append": MYSQL_TOTALS + MYSQL_TOTALS, "raw": RAW_TOTALS + RAW_TOTALS}


def write_sql(project, name, text):
    path = project.root / "transformers" / f"{name}.sql"
    path.write_text(text, encoding="utf-8")
    return f"transformers/{name}.sql"


def rows_of(result):
    assert result["status"] == "completed", result
    value = outputs.load(result["stored"])
    return json.loads(value.to_json(orient="records")) if value is not None else None


def duckdb_config(policy="replace", **extra):
    return {"data_provider": "duckdb", "data_provider_profile": "default", "data_provider_schema": "main",
            "export_write_policy": policy, **extra}  # fmt: skip


@pytest.fixture
def duckdb_file(tmp_path, monkeypatch):
    path = tmp_path / "shop.duckdb"
    monkeypatch.setenv("SHOP_DUCKDB", str(path))
    return path


# Rendering


def test_statements_split_at_semicolons_outside_quotes_and_keep_their_lines():
    text = "-- a comment\nSELECT 'a;b' AS x;\n\n  SELECT \"c;d\"\nFROM t;\n-- only a comment;\n"
    statements = render.split_statements(text)
    assert [(s.line, s.text) for s in statements] == [
        (1, "-- a comment\nSELECT 'a;b' AS x"),
        (4, 'SELECT "c;d"\nFROM t'),
    ]


def test_df_n_becomes_the_upstream_table_with_any_spacing():
    text = "SELECT * FROM {{df_1}} JOIN {{  df_2 }} USING (id) -- {{ df_3 }}"
    assert render.referenced_upstream(text, 3) == [0, 1, 2]
    assert render.substitute_tables(text, ["a", "s.b", None]) == "SELECT * FROM a JOIN s.b USING (id) -- {{ df_3 }}"


def test_jinja_renders_variables_kwargs_and_mages_functions(monkeypatch):
    monkeypatch.setenv("WAND_SQL_TEST", "from-env")
    context = {"min_amount": 8, "env": "dev", "regions": "eu,us"}
    text = (
        "{{ variables('min_amount') }} {{ min_amount * 2 }} {{ env_var('WAND_SQL_TEST') }} "
        "{{ variables('regions', parse='lambda x: x.split(\",\")') }}"
        "{% for r in ['a', 'b'] %} {{ r }}{% endfor %}"
        " {{ json_value('{\"a\": {\"b\": [1, 2]}}', 'a.b[1]') }}"
    )
    assert render.render_template(text, context) == "8 16 from-env ['eu', 'us'] a b 2"


def test_an_undefined_name_is_an_error_naming_it():
    import jinja2

    with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
        render.render_template("SELECT {{ missing }}", {})


def test_block_output_hands_the_parse_function_the_parents_output():
    frame = pd.DataFrame({"id": [3, 5]})
    text = "WHERE id IN ({{ block_output('load', parse=lambda df, _v: ','.join(str(i) for i in df['id'])) }})"
    assert render.expand_block_outputs(text, {"load": frame}, [frame], {}) == "WHERE id IN (3,5)"
    every = "{{ block_output(parse=lambda outputs, v: len(outputs[0]) + v['n']) }}"
    assert render.expand_block_outputs(every, {"load": frame}, [frame], {"n": 1}) == "3"
    with pytest.raises(ValueError, match="not an upstream block of this one \\(upstream: load\\)"):
        render.expand_block_outputs("{{ block_output('other') }}", {"load": frame}, [frame], {})


def test_raw_sql_classification_follows_mage():
    assert not render.changes_tables("SELECT 1; SELECT 2")
    created = "CREATE TABLE IF NOT EXISTS s.t (a INT); INSERT INTO s.t SELECT 1"
    assert render.changes_tables(created) and render.written_table(created) == "s.t"
    assert render.written_table("INSERT INTO a SELECT 1; INSERT INTO b SELECT 2") == "b"
    assert render.changes_tables("DROP TABLE x") and not render.writes_rows("DROP TABLE x")


def test_table_names_follow_mage():
    assert table_name("shop", "sales_by_region", {}, "dev") == "dev_shop_sales_by_region_v1"
    assert table_name("shop", "By Region", {}, "prod") == "shop_By_Region_v1"
    assert table_name("shop", "x", {}, "test") == "test_shop_x_v1"
    assert table_name("shop", "x", {"data_provider_table": "totals"}, "dev") == "totals"


# DuckDB


def test_the_duckdb_pipeline_gives_the_rows_mage_gives(project, duckdb_file):
    result = block.run(project("sales_by_region", "transformers/sales_by_region.sql", duckdb_config()))
    assert rows_of(result) == MAGE_DUCKDB_ROWS
    import duckdb

    with duckdb.connect(str(duckdb_file)) as connection:
        tables = {row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert tables == {"dev_shop_load_sales_v1", "dev_shop_sales_by_region_v1"}


def test_duckdb_write_policies(project, duckdb_file):
    file = write_sql(project, "count_rows", "SELECT COUNT(*) AS n FROM {{ df_1 }}")
    replace = duckdb_config("replace")
    assert rows_of(block.run(project("count_rows", file, replace))) == [{"n": 8}]
    assert rows_of(block.run(project("count_rows", file, replace))) == [{"n": 8}]
    append = duckdb_config("append")
    # The output is the whole table, as in Mage: the rows appended and the ones before.
    assert rows_of(block.run(project("count_rows", file, append))) == [{"n": 8}, {"n": 8}]
    failed = block.run(project("count_rows", file, duckdb_config("fail")))
    assert failed["status"] == "failed"
    assert failed["error"] == (
        "block `count_rows`: Table 'main.dev_shop_count_rows_v1' already exists in database (export_write_policy is "
        "fail)"
    )


def test_duckdb_raw_sql_runs_statements_as_written(project, duckdb_file):
    file = write_sql(
        project,
        "raw",
        "CREATE TABLE IF NOT EXISTS totals (region VARCHAR, units BIGINT);\n"
        "INSERT INTO totals SELECT region, SUM(amount) FROM {{ df_1 }} WHERE region IS NOT NULL GROUP BY region\n"
        "ORDER BY region;",
    )
    config = duckdb_config(use_raw_sql=True)
    first = rows_of(block.run(project("raw", file, config)))
    assert first == [{"region": "apac", "units": 49}, {"region": "eu", "units": 35}, {"region": "us", "units": 28}]
    assert len(rows_of(block.run(project("raw", file, config)))) == 6
    reads = write_sql(project, "reads", "SELECT 1 AS a;\nSELECT COUNT(*) AS n FROM totals")
    assert rows_of(block.run(project("reads", reads, config, inputs=[], upstream=[]))) == [{"n": 6}]


def test_upstream_block_configuration_names_the_upstream_table(project, duckdb_file, capfd):
    # Mage's table_name_parts (sql/utils/shared.py, 0.9.80): `upstream_block_configuration.<uuid>.table_name` wins
    # over the upstream block's own table name; DuckDB keeps only the table part.
    file = write_sql(project, "named", "SELECT COUNT(*) AS n FROM {{ df_1 }}")
    config = duckdb_config(upstream_block_configuration={"load_sales": {"table_name": "main.raw_sales"}})
    assert rows_of(block.run(project("named", file, config))) == [{"n": 8}]
    out = capfd.readouterr().out
    assert "Exporting data from upstream block load_sales to raw_sales." in out
    assert "SELECT COUNT(*) AS n FROM raw_sales" in out


def test_disable_query_preprocessing_sends_the_rendered_text_whole(project, duckdb_file):
    # Mage 0.9.80 (execute_raw_sql): the text is still rendered, then run by one `execute_query_raw` call, and the
    # block passes on that call's result, None.
    file = write_sql(
        project, "whole", "\nCREATE TABLE t AS SELECT {{ variables('min_amount') }} AS v;\nINSERT INTO t VALUES (2);"
    )
    config = duckdb_config(use_raw_sql=True, disable_query_preprocessing=True)
    assert rows_of(block.run(project("whole", file, config, inputs=[], upstream=[]))) is None
    reads = write_sql(project, "reads_t", "SELECT v FROM t ORDER BY v")
    assert rows_of(block.run(project("reads_t", reads, duckdb_config(), inputs=[], upstream=[]))) == [
        {"v": 2},
        {"v": 8},
    ]


def test_several_statements_run_before_the_last_becomes_the_table(project, duckdb_file):
    file = write_sql(
        project,
        "staged",
        "CREATE OR REPLACE TABLE big AS SELECT * FROM {{ df_1 }} WHERE amount > 9;\nSELECT COUNT(*) AS n FROM big",
    )
    assert rows_of(block.run(project("staged", file, duckdb_config()))) == [{"n": 5}]


def test_a_database_error_names_the_block_the_line_and_the_message(project, duckdb_file, capfd):
    file = write_sql(project, "broken", "SELECT 1 AS ok;\n\nSELECT region,\n  amount\nFROM {{ df_1 }}\nWHERE nope > 1")
    result = block.run(project("broken", file, duckdb_config()))
    assert result["status"] == "failed"
    assert result["error"].startswith("block `broken`: DuckDB error at line 6 of the rendered SQL: ")
    assert 'column "nope"' in result["error"].lower() or "nope" in result["error"]
    assert "> 6 | WHERE nope > 1" in result["traceback"]
    assert "LINE 6: WHERE nope > 1" in result["error"], "the database's own line number is the rendered SQL's"
    assert "Rendered SQL of block broken:" in capfd.readouterr().out


def test_the_rendered_sql_goes_to_the_log(project, duckdb_file, capfd):
    block.run(project("sales_by_region", "transformers/sales_by_region.sql", duckdb_config()))
    out = capfd.readouterr().out
    assert "Exporting data from upstream block load_sales to dev_shop_load_sales_v1." in out
    assert "FROM dev_shop_load_sales_v1\nWHERE amount >= 8\n" in out


def test_a_missing_driver_names_the_package(project, duckdb_file, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "duckdb", None)
    result = block.run(project("sales_by_region", "transformers/sales_by_region.sql", duckdb_config()))
    assert result["status"] == "failed"
    assert "add `duckdb` to the project's requirements.txt" in result["error"]


def test_an_empty_upstream_output_is_not_written(project, duckdb_file, tmp_path, capfd):
    empty = outputs.save(pd.DataFrame({"a": []}), str(tmp_path / "data" / "empty"))
    file = write_sql(project, "count_empty", "SELECT 1 AS one")
    assert rows_of(block.run(project("count_empty", file, duckdb_config(), inputs=[empty]))) == [{"one": 1}]
    file = write_sql(project, "reads_empty", "SELECT * FROM {{ df_1 }}")
    result = block.run(project("reads_empty", file, duckdb_config(), inputs=[empty]))
    assert "No data in upstream block load_sales." in capfd.readouterr().out
    assert result["status"] == "failed" and "dev_shop_load_sales_v1" in result["error"]


# PostgreSQL and MariaDB: all three write policies and raw SQL, in the order the fixture's pipelines run them


def provider_runs(project, provider, extra_config):
    """Runs the sales_<provider> pipeline's SQL blocks in order (replace, append, raw, fail), twice, as the pipeline
    would; returns each run's rows (None for a failure) and the failure of the last block on the second pass."""
    short = "pg" if provider == "postgres" else "my"
    passes = []
    for _ in range(2):
        results = {}
        for policy in ("replace", "append", "raw", "fail"):
            config = {"data_provider": provider, "data_provider_profile": "default",
                      "export_write_policy": "append" if policy == "raw" else policy,
                      "use_raw_sql": policy == "raw", **extra_config}  # fmt: skip
            result = block.run(project(f"{short}_{policy}", f"transformers/{short}_{policy}.sql", config))
            results[policy] = rows_of(result) if result["status"] == "completed" else result["error"]
        passes.append(results)
    return passes


def test_postgres_policies_and_raw_sql_give_mages_rows(project, postgres_url, monkeypatch):
    try:  # the connector takes psycopg (3) when installed, else psycopg2: the test runs with either
        import psycopg2 as driver
    except ImportError:
        import psycopg as driver

    url = urlparse(postgres_url)
    admin = driver.connect(postgres_url)
    admin.autocommit = True
    admin.cursor().execute("DROP DATABASE IF EXISTS wand_sql_blocks")
    admin.cursor().execute("CREATE DATABASE wand_sql_blocks")
    admin.close()
    for key, value in {"DBNAME": "wand_sql_blocks", "USER": url.username or "postgres", "PASSWORD": url.password or "",
                       "HOST": url.hostname, "PORT": str(url.port or 5432)}.items():  # fmt: skip
        monkeypatch.setenv(f"SHOP_PG_{key}", value)
    first, second = provider_runs(project, "postgres", {"data_provider_schema": "public"})
    assert first == MAGE_POSTGRES_FIRST
    failure = second.pop("fail")
    assert second == MAGE_POSTGRES_SECOND
    assert failure.startswith("block `pg_fail`: Table 'public.dev_shop_pg_fail_v1' already exists in database")


def test_mariadb_policies_and_raw_sql_give_mages_rows(project, mariadb, monkeypatch):
    import mysql.connector

    admin = mysql.connector.connect(**{key: mariadb[key] for key in ("host", "port", "user", "password")})
    cursor = admin.cursor()
    cursor.execute("DROP DATABASE IF EXISTS wand_sql_blocks")
    cursor.execute("CREATE DATABASE wand_sql_blocks")
    admin.close()
    for key, value in {"DATABASE": "wand_sql_blocks", "USER": mariadb["user"], "PASSWORD": mariadb["password"],
                       "HOST": mariadb["host"], "PORT": str(mariadb["port"])}.items():  # fmt: skip
        monkeypatch.setenv(f"SHOP_MYSQL_{key}", value)
    first, second = provider_runs(project, "mysql", {})
    assert first == MAGE_MYSQL_FIRST
    failure = second.pop("fail")
    assert second == MAGE_MYSQL_SECOND
    assert failure.startswith("block `my_fail`: Table 'dev_shop_my_fail_v1' already exists in database")
