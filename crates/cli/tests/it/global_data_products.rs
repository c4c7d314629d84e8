//! Mage's global data products (issue 13), on fixtures/mage_gdp: `use_numbers` consumes the product `numbers`
//! (pipeline `numbers_pipeline`, fresh for 3600 s), `use_fast` the product `fast_numbers` (same pipeline, outdated
//! after 1 s, two partitions of `stamp`), `use_broken` the product `broken`, whose pipeline raises. The child
//! block `report` records what it receives. The expected results come from Mage 0.9.80's server:
//! `global_data_products_expected/oracle_gdp.py` (the mage-oracle, triggering several runs on one server) ran
//! `use_numbers,use_numbers,use_fast,use_fast,use_broken`; see `global_data_products_expected/README.md`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{RunningServer, finished};
use crate::support::{Sandbox, path_str, read_json, runtime_vars};

fn expected(name: &str) -> Value {
    read_json(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/it/global_data_products_expected")
            .join(name),
    )
}

/// The runs `wand` made of `pipeline` in the sandbox (their folders under the data directory).
fn runs_of(sandbox: &Sandbox, pipeline: &str) -> usize {
    let dir = sandbox.run_dir(pipeline, 0);
    std::fs::read_dir(dir.parent().expect("the pipeline's runs folder"))
        .map(|entries| entries.count())
        .unwrap_or(0)
}

/// On Mage's server the first run of `use_numbers` ran `numbers_pipeline` once and the second reused it (one
/// `numbers_pipeline` run, made by `GLOBAL_DATA_PRODUCT_TRIGGER`); `report` got, both times, the dict
/// `{"load_numbers": [DataFrame], "stamp": [{"run": 1, "rows": 3}]}` and `kwargs['remote_blocks']` the same outputs
/// block by block, with exactly the kwargs recorded in `use_numbers.json`.
#[test]
fn a_product_runs_once_and_is_reused_while_fresh_with_mages_inputs() {
    let sandbox = Sandbox::fixture("mage_gdp");
    let out = sandbox.path("out");
    std::fs::create_dir_all(&out).unwrap();
    let vars = runtime_vars(&[("out_dir", path_str(&out))]);
    let first = sandbox.run("use_numbers", &["--runtime-vars", &vars]);
    first.assert_code(0);
    first.assert_stderr_contains("numbers: completed");
    assert_eq!(runs_of(&sandbox, "numbers_pipeline"), 1, "{}", first.dump());
    let second = sandbox.run("use_numbers", &["--runtime-vars", &vars]);
    second.assert_code(0);
    assert_eq!(
        runs_of(&sandbox, "numbers_pipeline"),
        1,
        "fresh data is reused\n{}",
        second.dump()
    );
    let log = crate::support::read_text(
        &sandbox
            .run_dir("use_numbers", second.run_id())
            .join("logs/numbers.log"),
    );
    assert!(
        log.contains("Global data product numbers is up-to-date"),
        "{log}"
    );
    assert_eq!(
        read_json(&out.join("use_numbers.json")),
        expected("use_numbers.json")
    );
}

/// `fast_numbers` is outdated a second after its run: Mage's second `use_fast` ran the product again, and
/// `report` got the `stamp` outputs of the two newest runs (`partitions: 2`), newest first.
#[test]
fn an_outdated_product_runs_again_and_partitions_take_the_newest_runs() {
    let sandbox = Sandbox::fixture("mage_gdp");
    let out = sandbox.path("out");
    std::fs::create_dir_all(&out).unwrap();
    let vars = runtime_vars(&[("out_dir", path_str(&out))]);
    let first = sandbox.run("use_fast", &["--runtime-vars", &vars]);
    first.assert_code(0);
    let made = std::time::Instant::now();
    // The rule under test is about time: the product's data is outdated one second after its run's execution
    // date, which the first `wand run` set before it ended. Rarely is that second not over already.
    if let Some(left) = Duration::from_millis(1100).checked_sub(made.elapsed()) {
        std::thread::sleep(left);
    }
    let second = sandbox.run("use_fast", &["--runtime-vars", &vars]);
    second.assert_code(0);
    assert_eq!(
        runs_of(&sandbox, "numbers_pipeline"),
        2,
        "{}",
        second.dump()
    );
    assert_eq!(
        read_json(&out.join("use_fast.json")),
        expected("use_fast.json")
    );
}

/// Mage's server failed the product block with "Pipeline run <id> for global data product broken: failed.",
/// `report` ended `cancelled` and the run failed (`oracle_runs.json`); Wand adds what the product's failed block said.
#[test]
fn a_failed_product_run_fails_the_block_with_its_run_and_error() {
    let sandbox = Sandbox::fixture("mage_gdp");
    let out = sandbox.path("out");
    std::fs::create_dir_all(&out).unwrap();
    let vars = runtime_vars(&[("out_dir", path_str(&out))]);
    let run = sandbox.run("use_broken", &["--runtime-vars", &vars]);
    run.assert_code(1);
    run.assert_stderr_contains("broken: failed in");
    run.assert_stderr_contains("report: cancelled");
    run.assert_stderr_contains(&format!(
        "Pipeline run {} for global data product broken: failed. Block explode failed: ValueError: the product \
         broke",
        run.run_id() + 1
    ));
    assert!(!out.join("use_broken.json").exists(), "report did not run");
}

/// Under `wand start` the product's run is made by the server's scheduler and is listed with its freshness.
#[test]
fn wand_start_runs_the_product_and_lists_its_freshness() {
    let sandbox = Sandbox::fixture("mage_gdp");
    let out = sandbox.path("out");
    std::fs::create_dir_all(&out).unwrap();
    let server = RunningServer::start(&sandbox, &[]);
    let (_, before) = server.get("/api/v1/global_data_products");
    let numbers = |page: &Value| {
        page["products"]
            .as_array()
            .expect("a list of products")
            .iter()
            .find(|product| product["uuid"] == "numbers")
            .cloned()
            .expect("the product numbers")
    };
    assert_eq!(numbers(&before)["outdated"], json!(true), "{before}");
    assert_eq!(numbers(&before)["last_run"], Value::Null, "{before}");
    let (status, run) = server.post(
        "/api/v1/pipelines/use_numbers/runs",
        json!({"variables": {"out_dir": path_str(&out)}}),
    );
    assert_eq!(status, 201, "{run}");
    let run = server.wait_for_run(
        run["id"].as_i64().unwrap(),
        Duration::from_secs(120),
        finished,
    );
    assert_eq!(run["status"], json!("completed"), "{run}");
    let reported = read_json(&out.join("use_numbers.json"));
    assert_eq!(reported[0], expected("use_numbers.json")[0]);
    let (_, after) = server.get("/api/v1/global_data_products");
    let numbers = numbers(&after);
    assert_eq!(numbers["outdated"], json!(false), "{after}");
    assert_eq!(numbers["last_run"]["status"], json!("completed"), "{after}");
    assert_eq!(numbers["object_uuid"], json!("numbers_pipeline"), "{after}");
    assert!(numbers["outdated_at"].is_string(), "{after}");
}
