//! SQL blocks under `wand run`: a Python loader, a SQL transformer and a Python exporter give the rows real Mage
//! gives, on DuckDB and on PostgreSQL with every write policy and raw SQL (fixtures/sql_shop; the expected rows were
//! written by the same exporters when `../shared/tools/mage-oracle` ran those pipelines on Mage 0.9.80's server).

use serde_json::{Value, json};

use crate::scale_out::fresh_database;
use crate::support::{Sandbox, path_str, read_json, read_text, runtime_vars};

fn totals() -> Value {
    json!([
        {"region": "apac", "units": 49, "revenue": 418.0, "orders": 2},
        {"region": "eu", "units": 28, "revenue": 37.5, "orders": 2},
        {"region": "us", "units": 25, "revenue": 56.25, "orders": 1},
        {"region": null, "units": 12, "revenue": 48.0, "orders": 1},
    ])
}

fn raw_totals() -> Value {
    json!([
        {"region": "apac", "units": 49},
        {"region": "eu", "units": 35},
        {"region": "us", "units": 28},
    ])
}

/// The rows an exporter block of the fixture received.
fn exported(sandbox: &Sandbox, block: &str) -> Value {
    read_json(&sandbox.path(&format!("{block}.json")))["rows"].clone()
}

#[test]
fn a_duckdb_sql_transformer_between_python_blocks_gives_mages_rows() {
    let sandbox = Sandbox::fixture("sql_shop");
    let database = sandbox.path("shop.duckdb");
    let vars = runtime_vars(&[("out_dir", path_str(sandbox.root()))]);
    let run = sandbox.run_with_env(
        "sales_duckdb",
        &["--runtime-vars", &vars],
        &[("SHOP_DUCKDB", path_str(&database))],
    );
    run.assert_code(0).assert_stdout_contains("completed");
    assert_eq!(
        exported(&sandbox, "export_totals"),
        totals(),
        "{}",
        run.dump()
    );

    let log = read_text(
        &sandbox
            .run_dir("sales_duckdb", run.run_id())
            .join("logs")
            .join("sales_by_region.log"),
    );
    // `wand run` is Mage's `dev` environment, so the tables are named as `mage run` names them.
    assert!(
        log.contains(
            "Exporting data from upstream block load_sales to dev_sales_duckdb_load_sales_v1."
        ),
        "{log}"
    );
    assert!(
        log.contains("FROM dev_sales_duckdb_load_sales_v1\n"),
        "the rendered SQL is logged: {log}"
    );
    assert!(log.contains("WHERE amount >= 8\n"), "{log}");
}

#[test]
fn a_failing_sql_statement_fails_its_block_with_the_line_and_the_database_s_message() {
    let sandbox = Sandbox::fixture("sql_shop");
    let sql = sandbox.project.join("transformers/sales_by_region.sql");
    let text = read_text(&sql).replace("GROUP BY region", "GROUP BY no_such_column");
    std::fs::write(&sql, text).expect("the SQL file is writable");
    let vars = runtime_vars(&[("out_dir", path_str(sandbox.root()))]);
    let run = sandbox.run_with_env(
        "sales_duckdb",
        &["--runtime-vars", &vars],
        &[("SHOP_DUCKDB", path_str(&sandbox.path("shop.duckdb")))],
    );
    run.assert_code(1);
    run.assert_stderr_contains(
        "block `sales_by_region`: DuckDB error at line 11 of the rendered SQL: ",
    );
    run.assert_stderr_contains("no_such_column");
}

#[test]
fn a_sql_block_naming_an_unknown_profile_is_refused_before_the_run() {
    let sandbox = Sandbox::fixture("sql_shop");
    let metadata = sandbox.project.join("pipelines/sales_duckdb/metadata.yaml");
    let text = read_text(&metadata).replace(
        "data_provider_profile: default",
        "data_provider_profile: prod",
    );
    std::fs::write(&metadata, text).expect("metadata.yaml is writable");
    let run = sandbox.run("sales_duckdb", &[]);
    run.assert_code(2);
    run.assert_stderr_contains(
        "block `sales_by_region`: `configuration.data_provider_profile: prod` is not a profile of io_config.yaml (it \
         has default)",
    );
}

/// Twice on one database, as the policies only differ the second time: replace gives the same rows, append twice
/// the rows, raw SQL inserts again, and fail stops the run at its block.
#[test]
fn postgres_sql_blocks_follow_each_write_policy_and_raw_sql_as_mage_does() {
    let url = parse_pg_url(&fresh_database());
    let env = [
        ("SHOP_PG_DBNAME", url.database.as_str()),
        ("SHOP_PG_HOST", url.host.as_str()),
        ("SHOP_PG_PORT", url.port.as_str()),
        ("SHOP_PG_USER", url.user.as_str()),
        ("SHOP_PG_PASSWORD", url.password.as_str()),
    ];
    let sandbox = Sandbox::fixture("sql_shop");
    let vars = runtime_vars(&[("out_dir", path_str(sandbox.root()))]);

    let first = sandbox.run_with_env("sales_postgres", &["--runtime-vars", &vars], &env);
    first.assert_code(0);
    for block in ["pg_export_replace", "pg_export_append", "pg_export_fail"] {
        assert_eq!(
            exported(&sandbox, block),
            totals(),
            "{block}\n{}",
            first.dump()
        );
    }
    assert_eq!(
        exported(&sandbox, "pg_export_raw"),
        raw_totals(),
        "{}",
        first.dump()
    );

    let second = sandbox.run_with_env("sales_postgres", &["--runtime-vars", &vars], &env);
    second.assert_code(1);
    second.assert_stderr_contains(
        "block `pg_fail`: Table 'public.dev_sales_postgres_pg_fail_v1' already exists in database",
    );
    let twice = |rows: Value| {
        let mut all = rows.as_array().unwrap().clone();
        all.extend(rows.as_array().unwrap().clone());
        Value::Array(all)
    };
    assert_eq!(exported(&sandbox, "pg_export_replace"), totals());
    assert_eq!(exported(&sandbox, "pg_export_append"), twice(totals()));
    assert_eq!(exported(&sandbox, "pg_export_raw"), twice(raw_totals()));
}

/// The parts of a `postgres://user[:password]@host[:port]/database` URL.
pub(crate) struct PgUrl {
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) host: String,
    pub(crate) port: String,
    pub(crate) database: String,
}

pub(crate) fn parse_pg_url(url: &str) -> PgUrl {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (credentials, location) = rest.rsplit_once('@').unwrap_or(("postgres", rest));
    let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
    let (address, database) = location.split_once('/').unwrap_or((location, "postgres"));
    let (host, port) = address.rsplit_once(':').unwrap_or((address, "5432"));
    PgUrl {
        user: user.to_owned(),
        password: password.to_owned(),
        host: host.to_owned(),
        port: port.to_owned(),
        database: database.split('?').next().unwrap_or_default().to_owned(),
    }
}
