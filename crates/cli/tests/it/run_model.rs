//! The rest of Mage's run model under `wand run` (issue 13, part 5): replicated blocks, scratchpads and Mage's
//! multi-project platform. The expected results come from Mage 0.9.80's server: `../shared/tools/mage-oracle
//! fixtures/mage09 <pipeline> --vars '{"out_dir": ...}'` (for the platform, fixtures/mage_platform through the same
//! tool pointed at a sub-project's pipeline), recorded in `run_model_expected/<name>/` (see its README).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::server::RunningServer;
use crate::support::{Sandbox, file_names, path_str, read_json, runtime_vars};

fn expected_dir(pipeline: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/run_model_expected")
        .join(pipeline)
}

/// Every block run `wand run` reported, with its last status (its `<mark> <block>: <status>` lines).
fn reported_statuses(stderr: &str) -> BTreeMap<String, String> {
    let mut statuses = BTreeMap::new();
    for line in stderr.lines() {
        let Some((mark, rest)) = line.split_once(' ') else {
            continue;
        };
        if !["•", "✓", "✗", "–"].contains(&mark) {
            continue;
        }
        if let Some((block, status)) = rest.split_once(": ") {
            let status = status.split_whitespace().next().unwrap_or_default();
            statuses.insert(block.to_owned(), status.to_owned());
        }
    }
    statuses
}

/// The block runs Mage's server made (`mage_oracle.json`), by the block they ran. Mage names a replica's block run
/// `<replica>:<original>`; Wand names it by the replica's uuid alone.
fn mages_block_runs(pipeline: &str) -> BTreeMap<String, String> {
    let oracle = read_json(&expected_dir(pipeline).join("mage_oracle.json"));
    oracle["block_runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| {
            let name = run["block_uuid"].as_str().unwrap();
            let block = name.split_once(':').map_or(name, |(replica, _)| replica);
            (block.to_owned(), run["status"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// Runs `pipeline` of fixtures/mage09 and checks its block runs and every file its blocks wrote against what
/// Mage's server did.
fn runs_as_on_mages_server(pipeline: &str) {
    let sandbox = Sandbox::fixture("mage09");
    let out_dir = sandbox.path("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let vars = runtime_vars(&[("out_dir", path_str(&out_dir))]);
    let run = sandbox.run(pipeline, &["--runtime-vars", &vars]);
    run.assert_code(0);
    assert_eq!(
        reported_statuses(&run.stderr),
        mages_block_runs(pipeline),
        "{pipeline}\n{}",
        run.dump()
    );
    wrote_what_mage_wrote(pipeline, &out_dir, &run.dump());
}

/// The `ran.*.json` files the blocks wrote into `out_dir` equal the ones recorded in `run_model_expected/<name>/`.
fn wrote_what_mage_wrote(name: &str, out_dir: &Path, dump: &str) {
    let expected = expected_dir(name);
    let recorded: Vec<String> = file_names(&expected)
        .into_iter()
        .filter(|file| file.starts_with("ran."))
        .collect();
    assert_eq!(file_names(out_dir), recorded, "{name}\n{dump}");
    for file in recorded {
        assert_eq!(
            read_json(&out_dir.join(&file)),
            read_json(&expected.join(&file)),
            "{name}: {file}\n{dump}"
        );
    }
}

/// `replicas`: `rep_add_again` replicates `rep_add`. On Mage's server it ran `rep_add`'s file with its own uuid as
/// `block_uuid`, its own `configuration` (`add: 100`, so 11 → 111), its own upstream block (`rep_add`), and
/// `rep_sink` received its output. This pipeline was refused before issue 13.
#[test]
fn a_replicated_block_runs_its_originals_code_as_on_mages_server() {
    runs_as_on_mages_server("replicas");
}

/// `scratchpad`: a scratchpad beside a data loader. Mage's server made no block run for the scratchpad at all.
#[test]
fn a_scratchpad_has_no_block_run_in_a_pipeline_run_as_on_mages_server() {
    runs_as_on_mages_server("scratchpad");
}

/// The editor runs a scratchpad (Mage's notebook does): its code runs as it stands and its printed lines come back.
#[test]
fn the_editor_runs_a_scratchpad() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start(&sandbox, &[]);
    let (status, execution) = server.post(
        "/api/v1/pipelines/scratchpad/blocks/scr_pad/execute",
        json!({"with_upstream": true}),
    );
    assert_eq!(status, 200, "{execution}");
    assert_eq!(
        execution["run"]["status"],
        json!("completed"),
        "{execution}"
    );
    let block_runs: Vec<&Value> = execution["block_runs"].as_array().unwrap().iter().collect();
    assert_eq!(block_runs.len(), 1, "the scratchpad alone: {execution}");
    assert_eq!(block_runs[0]["block_uuid"], json!("scr_pad"));
    let printed: Vec<&str> = execution["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|line| line["text"].as_str())
        .collect();
    assert!(printed.contains(&"the scratchpad ran: 6"), "{execution}");
}

/// Mage's multi-project platform (fixtures/mage_platform: a root with `settings.yaml` and the projects `sales`
/// and `shared`). `wand run <root>/sales orders` runs a pipeline of `sales` whose `people` block is the sibling
/// project's file (`file_source.path: shared/data_loaders/load_people.py`, relative to the root); the blocks import
/// `mage_platform.<project>.utils...`. On Mage's server (`mage start mage_platform`, sales active) the same four
/// block runs completed and the blocks recorded which imports work (`<root>.<project>` only), their `repo_path`
/// (`sales`) and what they received: Wand's run writes the same files.
#[test]
fn a_sub_project_of_mages_platform_runs_its_siblings_files_as_on_mages_server() {
    let sandbox = Sandbox::fixture("mage_platform");
    let out_dir = sandbox.path("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let vars = runtime_vars(&[("out_dir", path_str(&out_dir))]);
    let sales = sandbox.project.join("sales");
    let run = sandbox.wand(&[
        "run",
        path_str(&sales),
        "orders",
        "--data-dir",
        path_str(&sandbox.data_dir),
        "--runtime-vars",
        &vars,
    ]);
    run.assert_code(0);
    assert_eq!(
        reported_statuses(&run.stderr),
        mages_block_runs("platform"),
        "{}",
        run.dump()
    );
    wrote_what_mage_wrote("platform", &out_dir, &run.dump());
}

/// `wand run <platform root> <pipeline>` opens the root's active project, as `mage start <root>` does.
#[test]
fn the_platform_root_opens_its_active_project() {
    let sandbox = Sandbox::fixture("mage_platform");
    let out_dir = sandbox.path("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let vars = runtime_vars(&[("out_dir", path_str(&out_dir))]);
    let run = sandbox.run("orders", &["--runtime-vars", &vars]);
    run.assert_code(0);
    wrote_what_mage_wrote("platform", &out_dir, &run.dump());
}

/// `wand start` on a sub-project: the server's worker runs the pinned code version, which holds the whole
/// platform, so the sibling project's block runs there too.
#[test]
fn wand_start_on_a_sub_project_runs_its_siblings_files() {
    let mut sandbox = Sandbox::fixture("mage_platform");
    let out_dir = sandbox.path("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    sandbox.project = sandbox.project.join("sales");
    let server = RunningServer::start(&sandbox, &[]);
    let (status, execution) = server.post(
        "/api/v1/pipelines/orders/blocks/export_total/execute",
        json!({"with_upstream": true, "variables": {"out_dir": path_str(&out_dir)}}),
    );
    assert_eq!(status, 200, "{execution}");
    assert_eq!(
        execution["run"]["status"],
        json!("completed"),
        "{execution}"
    );
    wrote_what_mage_wrote("platform", &out_dir, &execution.to_string());
}
