//! dbt blocks (issue 16), on fixtures/mage_dbt: a Python loader, the dbt model `dbt/shop/models/customer_totals`
//! (reading the loader's output as `{{ source('mage_shop', 'orders_load_orders') }}`, tested by dbt's `not_null`
//! and `unique`) and a Python exporter that writes what it received. The expected rows and types are what the same
//! exporter wrote when `../shared/tools/mage-oracle` ran the pipeline on Mage 0.9.80's server with dbt-duckdb and
//! dbt-postgres (fixtures/mage_dbt/ORACLE.md).

use std::time::Duration;

use serde_json::{Value, json};

use crate::scale_out::fresh_database;
use crate::server::{RunningServer, finished};
use crate::sql_blocks::parse_pg_url;
use crate::support::{Sandbox, path_str, read_json, read_text, runtime_vars};

const MODEL: &str = "dbt/shop/models/customer_totals";

/// What the fixture's exporter wrote when Mage's server ran the pipeline on `database` (`duckdb` or `postgres`):
/// each value's Python type and text (a sum of DOUBLEs comes back from `dbt show` as a Decimal).
fn mages_export(sandbox: &Sandbox, database: &str) -> Value {
    read_json(
        &sandbox
            .project
            .join(format!("oracle/{database}_export_totals.json")),
    )
}

#[test]
fn a_dbt_model_between_python_blocks_gives_mages_rows_on_duckdb() {
    let sandbox = Sandbox::fixture("mage_dbt");
    let vars = runtime_vars(&[("out_dir", path_str(sandbox.root()))]);
    let database = sandbox.path("shop.duckdb");
    let run = sandbox.run_with_env(
        "orders",
        &["--runtime-vars", &vars],
        &[("SHOP_DUCKDB", path_str(&database))],
    );
    run.assert_code(0).assert_stdout_contains("completed");
    assert_eq!(
        read_json(&sandbox.path("export_totals.json")),
        mages_export(&sandbox, "duckdb"),
        "{}",
        run.dump()
    );
    let log = read_text(
        &sandbox
            .run_dir("orders", run.run_id())
            .join("logs")
            .join(format!("{MODEL}.log")),
    );
    // dbt's own lines, as dbt prints them: the upstream output loaded as Mage's seed, the model built and tested.
    for line in [
        "--select mage_orders_load_orders --full-refresh",
        "OK loaded seed file main.mage_orders_load_orders",
        "OK created sql table model main.customer_totals",
        "PASS not_null_customer_totals_customer",
        "PASS unique_customer_totals_customer",
    ] {
        assert!(log.contains(line), "{line:?} in\n{log}");
    }
    // The run's code is left as it was: dbt wrote its target/, logs/ and seeds in a scratch copy.
    assert!(!sandbox.project.join("dbt/shop/target").exists());
    assert!(!sandbox.project.join("dbt/shop/seeds/mage_orders").exists());
    assert!(!sandbox.project.join("dbt/shop/logs").exists());
}

#[test]
fn a_failing_model_fails_its_block_with_dbts_message() {
    let sandbox = Sandbox::fixture("mage_dbt");
    let sql = sandbox.project.join(format!("{MODEL}.sql"));
    let text = read_text(&sql).replace("group by customer", "group by no_such_column");
    std::fs::write(&sql, text).expect("the model is writable");
    let vars = runtime_vars(&[("out_dir", path_str(sandbox.root()))]);
    let database = sandbox.path("shop.duckdb");
    let run = sandbox.run_with_env(
        "orders",
        &["--runtime-vars", &vars],
        &[("SHOP_DUCKDB", path_str(&database))],
    );
    run.assert_code(1);
    run.assert_stderr_contains(&format!(
        "block `{MODEL}` failed: dbt build failed: model.shop.customer_totals: Runtime Error in model \
         customer_totals (models/customer_totals.sql)"
    ));
    run.assert_stderr_contains(
        "(models/customer_totals.sql)\n  Binder Error: Referenced column \"no_such_column\" not found in FROM \
         clause!",
    );
    assert!(
        !sandbox.path("export_totals.json").exists(),
        "the exporter did not run"
    );
}

/// Under `wand start`, on PostgreSQL (`dbt_profile_target: "{{ variables('dbt_target') }}"` picks the profile's
/// `pg` output), with `models/mage_sources.yml` removed: Wand declares the loader's output itself, as Mage's editor
/// does when it saves the pipeline.
#[test]
fn wand_start_runs_the_dbt_model_on_postgres_with_mages_rows() {
    let url = parse_pg_url(&fresh_database());
    let env = [
        ("SHOP_PG_DATABASE", url.database.as_str()),
        ("SHOP_PG_HOST", url.host.as_str()),
        ("SHOP_PG_PORT", url.port.as_str()),
        ("SHOP_PG_USER", url.user.as_str()),
        ("SHOP_PG_PASSWORD", url.password.as_str()),
    ];
    let sandbox = Sandbox::fixture("mage_dbt");
    std::fs::remove_file(sandbox.project.join("dbt/shop/models/mage_sources.yml")).unwrap();
    let server = RunningServer::start_with_env(&sandbox, &[], &env);
    let (status, run) = server.post(
        "/api/v1/pipelines/orders/runs",
        json!({"variables": {"out_dir": path_str(sandbox.root()), "dbt_target": "pg"}}),
    );
    assert_eq!(status, 201, "{run}");
    let run = server.wait_for_run(
        run["id"].as_i64().unwrap(),
        Duration::from_secs(300),
        finished,
    );
    assert_eq!(run["status"], json!("completed"), "{run}");
    assert_eq!(
        read_json(&sandbox.path("export_totals.json")),
        mages_export(&sandbox, "postgres")
    );

    // The editor's "run block" previews the model (its upstream output from the run above): dbt's rows.
    let (status, execution) = server.post(
        &format!(
            "/api/v1/pipelines/orders/blocks/{}/execute",
            MODEL.replace('/', "%2F")
        ),
        json!({"variables": {"dbt_target": "pg"}}),
    );
    assert_eq!(status, 200, "{execution}");
    assert_eq!(
        execution["run"]["status"],
        json!("completed"),
        "{execution}"
    );
    let table = &execution["outputs"][0]["table"];
    assert_eq!(table["total_rows"], json!(3), "{execution}");
    assert_eq!(
        table["rows"][0],
        json!(["ada", "3", "35", "41.00"]),
        "{execution}"
    );

    // The editor lists the project's dbt models; no lineage before dbt has compiled the project.
    let (status, models) = server.get("/api/v1/dbt/models");
    assert_eq!(status, 200, "{models}");
    assert_eq!(
        models,
        json!([{"project": "dbt/shop", "path": format!("{MODEL}.sql"), "name": "customer_totals"}])
    );
    let lineage_path = format!("/api/v1/dbt/lineage?path={MODEL}.sql");
    let (_, before) = server.get(&lineage_path);
    assert_eq!(before["unique_id"], Value::Null, "{before}");
    assert!(
        before["note"]
            .as_str()
            .unwrap()
            .contains("press Preview on the model"),
        "{before}"
    );

    // "Compile & preview": dbt compiles the model (its SQL in the log) and shows two rows; nothing is built.
    let (status, preview) = server.post(
        &format!(
            "/api/v1/pipelines/orders/blocks/{}/execute",
            MODEL.replace('/', "%2F")
        ),
        json!({"variables": {"dbt_target": "pg", "_wand_dbt_preview": 2}}),
    );
    assert_eq!(status, 200, "{preview}");
    let table = &preview["outputs"][0]["table"];
    assert_eq!(table["total_rows"], json!(2), "{preview}");
    let log: Vec<&str> = preview["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|line| line["text"].as_str())
        .collect();
    let log = log.join("\n");
    assert!(log.contains("dbt compile --project-dir"), "{log}");
    assert!(log.contains("\"mage_orders_load_orders\""), "{log}");
    assert!(!log.contains("dbt build"), "{log}");

    // Preview declared the loader's output in the dbt project itself, as Mage's editor does on save (with the pg
    // target's schema), so `dbt compile` run by hand there knows the source too.
    let declared =
        std::fs::read_to_string(sandbox.project.join("dbt/shop/models/mage_sources.yml"))
            .expect("Preview wrote models/mage_sources.yml");
    assert!(
        declared.contains("name: orders_load_orders")
            && declared.contains("identifier: mage_orders_load_orders")
            && declared.contains("name: mage_shop"),
        "{declared}"
    );

    // dbt's manifest now gives the model's parents (Mage's source of the loader's output) and children (its tests).
    let (_, lineage) = server.get(&lineage_path);
    assert_eq!(
        lineage["unique_id"], "model.shop.customer_totals",
        "{lineage}"
    );
    let ids = |side: &str| -> Vec<String> {
        lineage[side]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| node["unique_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("parents"), ["source.shop.mage_shop.orders_load_orders"]);
    let children = ids("children");
    assert_eq!(children.len(), 2, "{lineage}");
    assert!(
        children.iter().all(
            |id| id.starts_with("test.shop.not_null_customer_totals_customer")
                || id.starts_with("test.shop.unique_customer_totals_customer")
        ),
        "{lineage}"
    );
}

/// The `commands` pipeline: dbt command blocks (`language: yaml`, their arguments in `dbts/<uuid>.yaml`, rendered
/// as Jinja) run `dbt seed --select regions` and `dbt test --select {{ variables("tested") }}`; the Python block
/// after them gets an empty list, as on Mage's server, and reads the seeded table.
#[test]
fn dbt_command_blocks_run_their_command_with_the_files_arguments() {
    let sandbox = Sandbox::fixture("mage_dbt");
    let vars = runtime_vars(&[("out_dir", path_str(sandbox.root()))]);
    let database = sandbox.path("shop.duckdb");
    let env = [("SHOP_DUCKDB", path_str(&database))];
    let run = sandbox.run_with_env("commands", &["--runtime-vars", &vars], &env);
    run.assert_code(0);
    assert_eq!(
        read_json(&sandbox.path("count_regions.json")),
        read_json(&sandbox.project.join("oracle/commands_count_regions.json")),
        "{}",
        run.dump()
    );
    let log = read_text(
        &sandbox
            .run_dir("commands", run.run_id())
            .join("logs")
            .join("test_regions.log"),
    );
    assert!(log.contains("dbt test --project-dir "), "{log}");
    assert!(log.contains(" --select regions "), "{log}");
    assert!(log.contains("PASS unique_regions_code"), "{log}");

    // A failing dbt test fails its block with dbt's message, and the block below does not run.
    let seed = sandbox.project.join("dbt/shop/seeds/regions.csv");
    std::fs::write(&seed, format!("{}eu,Europe again\n", read_text(&seed))).unwrap();
    std::fs::remove_file(sandbox.path("count_regions.json")).unwrap();
    let failed = sandbox.run_with_env("commands", &["--runtime-vars", &vars], &env);
    failed.assert_code(1);
    failed.assert_stderr_contains(
        "block `test_regions` failed: dbt test failed: test.shop.unique_regions_code",
    );
    assert!(!sandbox.path("count_regions.json").exists());
}
