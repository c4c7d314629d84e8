//! Mage's dynamic blocks under `wand run` (issue 13). The expected results come from Mage 0.9.80's server: every
//! case in `dynamic_expected/<case>/case.json` was extracted from fixtures/mage_dynamic/ORACLE.md (the runs of
//! mage-oracle on that fixture, with the block-run table and every file the blocks recorded) by
//! `dynamic_expected/README.md`'s script. Mage's CLI crashes on dynamic blocks, so the server is the reference.
//! Where Mage loses data or crashes (ORACLE.md, "Mage bugs"), Wand does what the pipeline asks, and the tests below
//! say what Mage did instead.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use crate::support::{Outcome, Sandbox, file_names, path_str, read_json, reported_status};

/// Every block-run name `wand run` reported (`<mark> <name>: <status>` lines).
fn reported_names(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once(' ')?;
            let (name, _) = rest.split_once(": ")?;
            (!name.contains(' ')).then(|| name.to_owned())
        })
        .collect()
}

fn case(name: &str) -> Value {
    read_json(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/it/dynamic_expected")
            .join(name)
            .join("case.json"),
    )
}

/// Runs `case`'s pipeline on a copy of fixtures/mage_dynamic with its variables (and `allow_blocks_to_fail`),
/// the blocks recording into `out`.
fn run_case(case: &Value) -> (Sandbox, Outcome) {
    let sandbox = Sandbox::fixture("mage_dynamic");
    let out_dir = sandbox.path("out");
    let mut vars = case["vars"].as_object().cloned().unwrap_or_default();
    vars.insert("out_dir".to_owned(), json!(path_str(&out_dir)));
    let vars = Value::Object(vars).to_string();
    let mut args = vec!["--runtime-vars", vars.as_str()];
    if case["settings"]["allow_blocks_to_fail"] == json!(true) {
        args.push("--allow-blocks-to-fail");
    }
    let run = sandbox.run(case["pipeline"].as_str().unwrap(), &args);
    (sandbox, run)
}

/// What a recorded call says, in the oracle's field names: the arguments, what it returned and the kwargs that
/// matter here.
fn recorded(call: &Value) -> Value {
    json!({
        "args": call["args"],
        "arg_types": call["arg_types"],
        "returned": call["returned"],
        "kwargs[block_uuid]": call["block_uuid"],
        "kwargs[dynamic_block_index]": call["dynamic_block_index"],
        "kwargs_keys": call["kwargs_keys"],
    })
}

/// The oracle's record of a call, with the same fields as `recorded`.
fn expected_call(call: &Value) -> Value {
    json!({
        "args": call["args"],
        "arg_types": call["arg_types"],
        "returned": call["returned"],
        "kwargs[block_uuid]": call["kwargs[block_uuid]"],
        "kwargs[dynamic_block_index]": call["kwargs[dynamic_block_index]"],
        "kwargs_keys": call["kwargs_keys"],
    })
}

/// `wand run` gives the run status, the block runs (names and statuses) and every recorded call Mage's server gave.
fn runs_as_on_mages_server(name: &str) {
    let case = case(name);
    let (sandbox, run) = run_case(&case);
    let completed = case["run"] == json!("completed");
    run.assert_code(if completed { 0 } else { 1 });
    let expected = case["block_runs"].as_object().unwrap();
    for (block, status) in expected {
        assert_eq!(
            reported_status(&run.stderr, block),
            status.as_str(),
            "{name}: block run {block}\n{}",
            run.dump()
        );
    }
    let names: BTreeSet<String> = expected.keys().cloned().collect();
    assert_eq!(reported_names(&run.stderr), names, "{name}\n{}", run.dump());
    let out_dir = sandbox.path("out");
    let files = case["files"].as_object().unwrap();
    let expected_files: Vec<String> = files.keys().cloned().collect();
    assert_eq!(
        file_names(&out_dir),
        expected_files,
        "{name}\n{}",
        run.dump()
    );
    for (file, call) in files {
        assert_eq!(
            recorded(&read_json(&out_dir.join(file))),
            expected_call(call),
            "{name}: {file}\n{}",
            run.dump()
        );
    }
}

/// Children named by the metadata's `block_uuid` or by index (`square:a`, `echo_item:0`), each with its item and
/// `dynamic_block_index`; metadata keys become kwargs; fewer metadata entries than items fall back to the index;
/// `reduce_output` gathers in index order (12 children finishing in any order).
#[test]
fn a_dynamic_block_fans_out_and_names_its_children_as_on_mages_server() {
    for name in [
        "dyn_basic",
        "shapes_items_only",
        "shapes_extra_meta",
        "shapes_short_meta",
        "shapes_count12",
    ] {
        runs_as_on_mages_server(name);
    }
}

/// What a reduce gets from children returning None, a dict, `[x]`, `[x, {...}]` (merged into its kwargs), a
/// DataFrame, `[x, x, x]` and `[[x, x]]` (concatenated); `[x, x]` fails the reducing block with Mage's TypeError.
#[test]
fn reduce_output_gathers_the_children_s_outputs_as_on_mages_server() {
    for name in [
        "child_returns_none",
        "child_returns_dict",
        "child_returns_single_list",
        "child_returns_list",
        "child_returns_with_meta",
        "child_returns_frame",
        "child_returns_triple",
        "child_returns_nested_list",
    ] {
        runs_as_on_mages_server(name);
    }
}

/// A chain of dynamic children continues per item (`step2:0..2`, named by index); a dynamic parent beside an
/// ordinary one passes each child its item and the whole other output; two dynamic parents give their product.
#[test]
fn chains_and_several_parents_run_as_on_mages_server() {
    for name in ["dyn_chain", "dyn_two_parents", "dyn_two_dynamic_plain"] {
        runs_as_on_mages_server(name);
    }
}

/// A failing child: its siblings complete, the block below is cancelled (or `upstream_failed` when blocks may
/// fail), the run fails; the original block run stays completed.
#[test]
fn a_failing_child_leaves_its_siblings_running_as_on_mages_server() {
    for name in ["dyn_fail", "dyn_fail_allow"] {
        runs_as_on_mages_server(name);
    }
}

/// Rows of a DataFrame reach the children as Series. Mage's server then gives the reduce the Series with its values
/// and name turned into strings (`x: "1"`, name `"0"`: its variable storage); Wand keeps their types.
#[test]
fn a_dataframe_fans_out_by_row_and_the_reduce_keeps_the_rows_types() {
    let case = case("shapes_frame");
    let (sandbox, run) = run_case(&case);
    run.assert_code(0);
    let out_dir = sandbox.path("out");
    for (file, call) in case["files"].as_object().unwrap() {
        let got = recorded(&read_json(&out_dir.join(file)));
        if file != "gather__None.json" {
            assert_eq!(got, expected_call(call), "{file}\n{}", run.dump());
            continue;
        }
        let row = |index: i64, x: i64, y: &str| json!({"__type__": "Series", "items": [["x", x], ["y", y]], "name": index});
        assert_eq!(
            got["args"],
            json!([[row(0, 1, "a"), row(1, 2, "b"), row(2, 3, "c")]]),
            "{}",
            run.dump()
        );
    }
}

/// Mage fails the first child block run with `TypeError: object of type 'int' has no len()` when a dynamic block
/// returns a plain list (`shapes_plain`); Wand fails the dynamic block itself, saying what to return, and cancels
/// what is below.
#[test]
fn a_plain_list_from_a_dynamic_block_fails_it_with_what_to_return() {
    let (_, run) = run_case(&case("shapes_plain"));
    run.assert_code(1);
    run.assert_stderr_contains(
        "dynamic block `dyn_source` returned a list of 3 int values; a dynamic block returns [items] or \
         [items, metadata]",
    );
    assert_eq!(reported_status(&run.stderr, "echo_item"), Some("cancelled"));
}

/// Mage retries an empty output for 120 s, then runs one child with no argument (`shapes_empty`); Wand runs no
/// child and the reduce gets an empty list at once.
#[test]
fn an_empty_dynamic_output_runs_no_child_and_reduces_to_an_empty_list() {
    for name in ["shapes_empty", "shapes_empty_items"] {
        let (sandbox, run) = run_case(&case(name));
        run.assert_code(0);
        assert_eq!(
            reported_names(&run.stderr),
            BTreeSet::from(["dyn_source", "echo_item", "gather"].map(str::to_owned)),
            "{}",
            run.dump()
        );
        let gather = read_json(&sandbox.path("out").join("gather__None.json"));
        assert_eq!(gather["args"], json!([[]]), "{}", run.dump());
    }
}

/// Where Mage drops combinations (two items with the same metadata name: the second never runs and the reduce holds
/// None; two dynamic parents with names: 2 of 6 run), Wand runs every one, falling back to the index for a name
/// already taken.
#[test]
fn colliding_child_names_fall_back_to_the_index_and_nothing_is_dropped() {
    let (sandbox, run) = run_case(&case("shapes_dup_meta"));
    run.assert_code(0);
    assert_eq!(
        reported_status(&run.stderr, "echo_item:x"),
        Some("completed")
    );
    assert_eq!(
        reported_status(&run.stderr, "echo_item:1"),
        Some("completed")
    );
    let gather = read_json(&sandbox.path("out").join("gather__None.json"));
    assert_eq!(gather["args"], json!([[1, 2]]), "{}", run.dump());

    let (sandbox, run) = run_case(&case("dyn_two_dynamic"));
    run.assert_code(0);
    let crosses: Vec<Value> = (0..6)
        .map(|index| {
            read_json(&sandbox.path("out").join(format!("cross__{index}.json")))["args"].clone()
        })
        .collect();
    assert_eq!(
        crosses,
        [
            json!([1, "x"]),
            json!([1, "y"]),
            json!([2, "x"]),
            json!([2, "y"]),
            json!([3, "x"]),
            json!([3, "y"])
        ],
        "{}",
        run.dump()
    );
    for name in [
        "cross:x", "cross:y", "cross:2", "cross:3", "cross:4", "cross:5",
    ] {
        assert_eq!(
            reported_status(&run.stderr, name),
            Some("completed"),
            "{name}"
        );
    }
}

/// A dynamic child that is dynamic itself: Mage's server gave `leaf` 10, 21, 10, 21 (losing 11 and 20); Wand runs
/// every item of every instance once, in order.
#[test]
fn a_nested_dynamic_block_runs_every_item_of_every_instance() {
    let (sandbox, run) = run_case(&case("dyn_nested"));
    run.assert_code(0);
    let leaves: Vec<Value> = (0..4)
        .map(|index| {
            read_json(&sandbox.path("out").join(format!("leaf__{index}.json")))["args"].clone()
        })
        .collect();
    assert_eq!(
        leaves,
        [json!([10]), json!([11]), json!([20]), json!([21])],
        "{}",
        run.dump()
    );
}

/// Mage fails a SQL block below a dynamic block at run time (it looks for a table it never wrote); Wand refuses the
/// pipeline before anything runs, naming the block and what to do.
#[test]
fn a_sql_block_below_a_dynamic_block_is_refused_at_load_time() {
    let (_, run) = run_case(&case("dyn_sql"));
    run.assert_code(2);
    run.assert_stderr_contains(
        "block `sql_child`: a SQL block cannot run below a dynamic block (once per item) or read a reduced list",
    );
}

/// fixtures/mage09 `dynamic_blocks`, refused before issue 13: on Mage 0.9.80's server `double` ran once per item
/// of `fan_out`'s list (block runs `double:0`, `double:1`, `double:2`).
#[test]
fn the_mage09_dynamic_pipeline_runs_each_child_once_per_item() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("dynamic_blocks", &[]);
    run.assert_code(0);
    for name in ["fan_out", "double", "double:0", "double:1", "double:2"] {
        assert_eq!(
            reported_status(&run.stderr, name),
            Some("completed"),
            "{name}\n{}",
            run.dump()
        );
    }
}
