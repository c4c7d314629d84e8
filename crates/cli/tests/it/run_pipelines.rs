//! Pipelines that complete: Mage 0.8 and 0.9 project formats, variables and run context, how outputs of each
//! kind reach downstream blocks, block logs, and the spellbook example.

use crate::support::{Sandbox, file_names, path_str, read_json, read_text, runtime_vars};

#[test]
fn mage08_fan_in_passes_upstream_outputs_in_upstream_blocks_order() {
    let sandbox = Sandbox::fixture("mage08");
    let out = sandbox.path("fan_in.json");
    let vars = runtime_vars(&[("out", path_str(&out))]);
    let run = sandbox.run("fan_in", &["--runtime-vars", &vars]);
    run.assert_code(0).assert_stdout_contains("completed");
    assert!(
        !run.stderr.contains("warning:"),
        "the 0.8 file's upstream and downstream lists agree\n{}",
        run.dump()
    );

    // `c` lists `upstream_blocks: [b, a]`, so it receives b's output first.
    assert_eq!(
        read_json(&out),
        serde_json::json!(["B", "A"]),
        "{}",
        run.dump()
    );

    // The blocks print nothing: no log files (an empty log), made by a block's first line.
    let run_dir = sandbox.run_dir("fan_in", run.run_id());
    for block in ["a", "b", "c", "write_json"] {
        assert!(
            !run_dir.join("logs").join(format!("{block}.log")).exists(),
            "block `{block}` printed nothing, so it has no log file in {}\n{}",
            run_dir.display(),
            run.dump()
        );
    }
    assert_eq!(
        sandbox.output(run.run_id(), "c"),
        serde_json::json!(["B", "A"])
    );
}

#[test]
fn mage08_blocks_import_the_project_as_a_package() {
    let sandbox = Sandbox::fixture("mage08");
    let out = sandbox.path("helpers.json");
    let vars = runtime_vars(&[("out", path_str(&out))]);
    let run = sandbox.run("utils_import", &["--runtime-vars", &vars]);
    run.assert_code(0);

    let report = read_json(&out);
    assert_eq!(report["value"], 42, "{}", run.dump());
    assert_eq!(report["module"], "mage08.data_loaders.use_helpers");
    assert_eq!(sandbox.output(run.run_id(), "use_helpers"), 42);
}

#[test]
fn mage09_runtime_vars_override_pipeline_variables_and_blocks_get_the_run_context() {
    let sandbox = Sandbox::fixture("mage09");
    let out = sandbox.path("report.json");
    let echo_out = sandbox.path("echo.json");
    let vars = runtime_vars(&[
        ("c", "runtime"),
        ("out", path_str(&out)),
        ("echo_out", path_str(&echo_out)),
    ]);
    let run = sandbox.run("variables", &["--runtime-vars", &vars]);
    run.assert_code(0);
    let run_id = run.run_id();

    let report = read_json(&out);
    assert_eq!(
        report["variables"],
        serde_json::json!({"a": "pipeline", "b": "pipeline", "c": "runtime"}),
        "runtime variables win over the pipeline's `variables`\n{}",
        run.dump()
    );
    let expected_types = [
        ("ds", "str"),
        ("hr", "str"),
        ("env", "str"),
        ("execution_date", "datetime"),
        ("execution_partition", "str"),
        ("pipeline_uuid", "str"),
        ("block_uuid", "str"),
        ("pipeline_run_id", "int"),
        ("configuration", "dict"),
        ("logger", "Logger"),
    ];
    for (key, kind) in expected_types {
        assert_eq!(
            report["context"][key],
            serde_json::json!({"present": true, "type": kind}),
            "keyword argument `{key}`"
        );
    }
    let values = &report["values"];
    assert_eq!(values["pipeline_uuid"], "variables");
    assert_eq!(values["block_uuid"], "report");
    assert_eq!(values["pipeline_run_id"], run_id);
    assert_eq!(values["env"], "dev");
    let ds = values["ds"].as_str().expect("ds is a string");
    assert!(
        ds.len() == 10 && ds.as_bytes()[4] == b'-' && ds.as_bytes()[7] == b'-',
        "ds looks like YYYY-MM-DD: {ds}"
    );
    let execution_date = report["execution_date"].as_str().expect("an ISO date");
    assert!(
        execution_date.starts_with(ds),
        "{execution_date} is on {ds}"
    );
    assert_eq!(values["hr"].as_str().map(str::len), Some(2));
    assert!(
        values["execution_partition"]
            .as_str()
            .is_some_and(|partition| !partition.is_empty()),
        "{values}"
    );
    assert_eq!(
        report["configuration"]["file_source"]["path"], "mage09/data_loaders/report_kwargs.py",
        "the block's `configuration` from metadata.yaml"
    );

    let echo = read_json(&echo_out);
    assert_eq!(echo["received"], serde_json::json!({"c": "runtime"}));
    assert_eq!(echo["c"], "runtime");

    // What the block printed and logged is in its log file.
    let log = read_text(
        &sandbox
            .run_dir("variables", run_id)
            .join("logs")
            .join("report.log"),
    );
    assert!(
        log.lines()
            .any(|line| line.contains("stdout") && line.ends_with("report: printed to stdout")),
        "report.log has the printed line:\n{log}"
    );
    assert!(
        log.contains("report: logged with the logger"),
        "report.log has the logger's line:\n{log}"
    );
}

#[test]
fn mage09_outputs_reach_the_downstream_block_as_the_values_returned() {
    let sandbox = Sandbox::fixture("mage09");
    let out = sandbox.path("inputs.json");
    let vars = runtime_vars(&[("out", path_str(&out))]);
    let run = sandbox.run("multiple_outputs", &["--runtime-vars", &vars]);
    run.assert_code(0);

    let report = read_json(&out);
    let pair = &report["pair"];
    assert_eq!(
        pair["type"], "builtins.tuple",
        "a tuple output arrives as one tuple argument\n{report}"
    );
    assert_eq!(pair["length"], 2);
    assert_eq!(pair["frame_is_dataframe"], true);
    assert_eq!(
        pair["frame_records"],
        serde_json::json!([
            {"x": 1, "name": "one"},
            {"x": 2, "name": "two"},
            {"x": 3, "name": "three"},
        ])
    );
    assert_eq!(pair["mapping"], serde_json::json!({"k": 1}));
    assert_eq!(
        report["numbers"],
        serde_json::json!({"type": "builtins.list", "value": [1, 2, 3]})
    );
    assert_eq!(
        report["array"],
        serde_json::json!({"is_ndarray": true, "dtype": "float64", "value": [[1.5, 2.5], [3.5, 4.5]]})
    );
    assert_eq!(
        report["point"],
        serde_json::json!({
            "type": "mage09.data_loaders.an_object.Point",
            "class_name": "Point",
            "x": 3,
            "y": 4,
            "total": 7,
        }),
        "an instance of a class defined in the block comes back as that class"
    );
    assert_eq!(
        report["extra_args"], 0,
        "one positional argument per upstream block"
    );

    // A tuple is stored element by element: the frame as a file, the small dict in the block run's record.
    let stored = file_names(
        &sandbox
            .run_dir("multiple_outputs", run.run_id())
            .join("frame_and_dict"),
    );
    assert_eq!(stored, ["output_0.arrow"], "{}", run.dump());
    let outputs = sandbox
        .stored_outputs(run.run_id(), "frame_and_dict")
        .expect("the block stored its outputs");
    let kept: Vec<_> = outputs
        .outputs
        .iter()
        .map(|output| {
            (
                output.name.as_str(),
                output.kind.as_str(),
                output.text.is_some(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [("output_0", "arrow", false), ("output_1", "json", true)],
        "{}",
        run.dump()
    );
}

#[test]
fn spellbook_titanic_numpy_exports_a_prediction_for_every_passenger() {
    let sandbox = Sandbox::example("spellbook");
    let csv = sandbox.path("predictions/titanic_predict.csv");
    let vars = runtime_vars(&[("output_path", path_str(&csv))]);
    let run = sandbox.run("titanic_numpy", &["--runtime-vars", &vars]);
    run.assert_code(0);

    let text = read_text(&csv);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header line").split(',').collect();
    assert!(header.contains(&"Survived_predict"), "columns: {header:?}");
    assert!(header.contains(&"Survived"), "columns: {header:?}");
    assert_eq!(lines.filter(|line| !line.is_empty()).count(), 891);
    assert!(
        !sandbox.project.join("titanic_predict.csv").exists()
            && !sandbox.root().join("titanic_predict.csv").exists(),
        "the runtime variable `output_path` chose the file"
    );
}

#[test]
fn independent_blocks_run_at_the_same_time() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("parallel", &["--concurrency", "2"]);
    run.assert_code(0);
    assert_eq!(
        sandbox.output(run.run_id(), "meet_left"),
        serde_json::json!("left met right")
    );
    assert_eq!(
        sandbox.output(run.run_id(), "meet_right"),
        serde_json::json!("right met left")
    );
}

/// Issue 10, point 5: Wand replaced the user's `PYTHONPATH` with its own package, so modules on it were not found.
#[test]
fn blocks_import_modules_from_the_users_pythonpath() {
    let sandbox = Sandbox::fixture("mage09");
    let user_lib = sandbox.path("user_lib");
    std::fs::create_dir_all(&user_lib).unwrap();
    std::fs::write(user_lib.join("wand_probe_module.py"), "VALUE = 42\n").unwrap();
    let project = path_str(&sandbox.project);
    let data_dir = path_str(&sandbox.data_dir);
    let run = crate::support::wand_with_env(
        sandbox.root(),
        &["run", project, "user_path", "--data-dir", data_dir],
        &[("PYTHONPATH", path_str(&user_lib))],
    );
    run.assert_code(0);
    assert_eq!(
        sandbox.output(run.run_id(), "from_user_path"),
        serde_json::json!({"value": 42})
    );
}

/// A pipeline of one custom block `uuid` whose file is `custom/<uuid>.py` with `source`.
fn one_block_pipeline(sandbox: &Sandbox, uuid: &str, source: &str) {
    let folder = sandbox.project.join("pipelines").join(uuid);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("__init__.py"), "").unwrap();
    let metadata = format!(
        "blocks:\n- uuid: {uuid}\n  name: {uuid}\n  type: custom\n  language: python\n  upstream_blocks: []\n  \
         downstream_blocks: []\nname: {uuid}\nuuid: {uuid}\ntype: python\n"
    );
    std::fs::write(folder.join("metadata.yaml"), metadata).unwrap();
    std::fs::write(
        sandbox.project.join("custom").join(format!("{uuid}.py")),
        source,
    )
    .unwrap();
}

/// Mage's `get_variable` in a block reads other runs' outputs through Wand, small JSON values kept in the block
/// runs' records (no file) and files alike, the newest completed run's or the run named by `partition`.
#[test]
fn get_variable_reads_outputs_kept_inline_and_in_files() {
    let sandbox = Sandbox::fixture("mage09");
    one_block_pipeline(
        &sandbox,
        "gv_writer",
        "@custom\ndef write(*args, **kwargs):\n    n = kwargs['n']\n    return {'n': n}, list(range(n * 1000))\n",
    );
    let out = sandbox.path("read.json");
    one_block_pipeline(
        &sandbox,
        "gv_reader",
        "import json\nfrom mage_ai.data_preparation.variable_manager import get_variable\n\n\
         @custom\ndef read(*args, **kwargs):\n    \
         newest = get_variable('gv_writer', 'gv_writer', 'output_0')\n    \
         first = get_variable('gv_writer', 'gv_writer', partition=kwargs['first'])\n    \
         big = get_variable('gv_writer', 'gv_writer', 'output_1')\n    \
         try:\n        get_variable('gv_writer', 'nope')\n        missing = None\n    \
         except KeyError as error:\n        missing = str(error)\n    \
         with open(kwargs['out'], 'w') as file:\n        \
         json.dump({'newest': newest, 'first': first, 'big': len(big), 'missing': missing}, file)\n",
    );
    let first = sandbox.run("gv_writer", &["--runtime-vars", r#"{"n": 1}"#]);
    first.assert_code(0);
    let stored = sandbox.stored_outputs(first.run_id(), "gv_writer").unwrap();
    assert_eq!(
        (
            stored.outputs[0].text.is_some(),
            stored.outputs[1].path.is_some()
        ),
        (true, true),
        "the dict is kept inline, the 1,000-item list in a file: {stored:?}"
    );
    sandbox
        .run("gv_writer", &["--runtime-vars", r#"{"n": 2}"#])
        .assert_code(0);
    let vars = runtime_vars(&[
        ("out", path_str(&out)),
        ("first", &first.run_id().to_string()),
    ]);
    let read = sandbox.run("gv_reader", &["--runtime-vars", &vars]);
    read.assert_code(0);
    let report = read_json(&out);
    assert_eq!(
        report["newest"],
        serde_json::json!({"n": 2}),
        "{}",
        read.dump()
    );
    assert_eq!(report["first"], serde_json::json!({"n": 1}));
    assert_eq!(report["big"], 2000);
    assert_eq!(
        report["missing"],
        serde_json::json!(
            "no stored output 'output_0' of block 'nope' in pipeline 'gv_writer' (its newest completed run)"
        )
    );
}
