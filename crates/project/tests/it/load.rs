//! Loading pipelines: both metadata generations, block file resolution, and every validation diagnostic.

use project::{Project, ProjectError, Severity};

use crate::write_project;

const MAGE_08: &str = "\
blocks:
- all_upstream_blocks_executed: true
  color: null
  configuration:
    file_path: null
  downstream_blocks:
  - clean
  executor_config: null
  executor_type: local_python
  has_callback: false
  language: python
  name: load
  status: executed
  type: data_loader
  upstream_blocks: []
  uuid: load
- all_upstream_blocks_executed: false
  color: teal
  configuration: {dynamic: false, file_path: null}
  downstream_blocks: []
  language: python
  name: clean
  status: not_executed
  type: transformer
  upstream_blocks:
  - load
  uuid: clean
data_integration: null
description: null
extensions: {}
name: old style
type: python
updated_at: '2023-04-10 15:36:52'
uuid: old
widgets: []
";

const MAGE_09: &str = "\
blocks:
- configuration:
    file_source:
      path: custom/train_model.py
  downstream_blocks: []
  language: python
  name: train
  retry_config:
    retries: 2
  timeout: 30
  type: custom
  upstream_blocks: []
  uuid: train
- configuration: {}
  language: python
  name: notes
  type: scratchpad
  upstream_blocks: []
  uuid: notes
cache_block_output_in_memory: false
callbacks: []
concurrency_config: {}
conditionals: []
executor_count: 1
name: new style
retry_config:
  delay: 1
run_pipeline_in_one_process: false
settings:
  triggers: null
tags: []
type: python
uuid: new
variables:
  threshold: 0.5
";

fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    write_project(&root, files);
    let project = Project::open(&root).unwrap();
    (dir, project)
}

fn problems(project: &Project, pipeline: &str) -> String {
    match project.load_pipeline(pipeline) {
        Err(ProjectError::Invalid(diagnostics)) => diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                let file = d.file.file_name().unwrap().to_string_lossy().into_owned();
                format!(
                    "{file}:{}: {}: {}",
                    d.line.unwrap_or(0),
                    d.block.as_deref().unwrap_or("-"),
                    d.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("expected diagnostics, got {other:?}"),
    }
}

#[test]
fn loads_a_mage_08_pipeline_with_type_folder_files() {
    let (_dir, project) = project(&[
        ("metadata.yaml", "project_type: standalone\n"),
        ("pipelines/old/metadata.yaml", MAGE_08),
        ("data_loaders/load.py", ""),
        ("transformers/clean.py", ""),
    ]);
    let loaded = project.load_pipeline("old").unwrap();
    let pipeline = loaded.pipeline;
    assert_eq!(pipeline.name, "old style");
    let files: Vec<_> = pipeline
        .dag
        .blocks()
        .iter()
        .map(|b| (b.uuid.as_str(), b.file.as_str()))
        .collect();
    assert_eq!(
        files,
        [
            ("load", "data_loaders/load.py"),
            ("clean", "transformers/clean.py")
        ]
    );
    // The file's lists agree; its one warning is the block's colour, which Wand's editor does not show.
    let warnings: Vec<&str> = loaded.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        warnings,
        [
            "`color` is \"teal\": Wand's editor does not colour blocks; the colour is kept in the file"
        ]
    );
}

#[test]
fn loads_a_mage_09_pipeline_with_file_source_retry_and_variables() {
    let (_dir, project) = project(&[
        (
            "metadata.yaml",
            "retry_config:\n  retries: 5\n  max_delay: 9\n",
        ),
        ("pipelines/new/metadata.yaml", MAGE_09),
        ("custom/train_model.py", ""),
    ]);
    let pipeline = project.load_pipeline("new").unwrap().pipeline;
    let train = pipeline.dag.get("train").unwrap();
    assert_eq!(train.file, "custom/train_model.py");
    assert_eq!(train.timeout, Some(30.0));
    // Block < pipeline < project: retries from the block, delay from the pipeline, max_delay from the project.
    assert_eq!(
        (
            train.retry.retries,
            train.retry.delay,
            train.retry.max_delay
        ),
        (Some(2), Some(1.0), Some(9.0))
    );
    assert_eq!(pipeline.variables["threshold"], serde_json::json!(0.5));
    assert_eq!(
        pipeline.dag.len(),
        1,
        "the scratchpad is not part of the DAG"
    );
    assert_eq!(pipeline.notebook_blocks[0].uuid, "notes");
}

#[test]
fn file_paths_prefixed_with_the_project_name_resolve_inside_the_project() {
    let metadata = "blocks:\n- uuid: a\n  type: data_loader\n  configuration:\n    file_path: proj/data_loaders/other_name.py\n";
    let (_dir, project) = project(&[
        ("pipelines/p/metadata.yaml", metadata),
        ("data_loaders/other_name.py", ""),
    ]);
    let pipeline = project.load_pipeline("p").unwrap().pipeline;
    assert_eq!(
        pipeline.dag.get("a").unwrap().file,
        "data_loaders/other_name.py"
    );
}

#[test]
fn a_cycle_names_every_block_on_it_and_the_file() {
    let metadata = "\
blocks:
- {uuid: a, type: transformer, upstream_blocks: [c]}
- {uuid: b, type: transformer, upstream_blocks: [a]}
- {uuid: c, type: transformer, upstream_blocks: [b]}
";
    let (_dir, project) = project(&[
        ("pipelines/p/metadata.yaml", metadata),
        ("transformers/a.py", ""),
        ("transformers/b.py", ""),
        ("transformers/c.py", ""),
    ]);
    assert_eq!(
        problems(&project, "p"),
        "metadata.yaml:0: -: blocks form a cycle: a -> b -> c -> a; remove one of these dependencies"
    );
}

#[test]
fn every_problem_is_reported_with_its_line_and_block() {
    let metadata = "\
blocks:
- uuid: a
  type: data_loader
- uuid: b
  type: transformer
  upstream_blocks: [ghost]
- uuid: a
  type: data_loader
- uuid: c
  type: spaceship
- uuid: d
  type: transformer
  configuration:
    file_source:
      path: ../outside.py
";
    let (_dir, project) = project(&[
        ("pipelines/p/metadata.yaml", metadata),
        ("data_loaders/a.py", ""),
    ]);
    let expected = "\
metadata.yaml:4: b: block file `transformers/b.py` not found; create it, or point `configuration.file_source.path` at the right file
metadata.yaml:9: c: unknown block type `spaceship`; use one of: data_loader, transformer, data_exporter, custom, sensor, scratchpad, markdown, chart, dbt, callback, conditional, extension, global_data_product
metadata.yaml:11: d: block file `../outside.py` is outside the project; keep block files inside ";
    let found = problems(&project, "p");
    assert!(found.starts_with(expected), "{found}");
}

/// A child of a block whose file is missing is not also told that its parent "is not in the pipeline": the
/// parent is listed, and its own error says what is wrong (seen on a public Mage course project).
#[test]
fn a_parent_that_failed_to_load_is_not_reported_as_unknown() {
    let metadata = "\
blocks:
- uuid: a
  type: data_loader
- uuid: b
  type: transformer
  upstream_blocks: [a]
";
    let (_dir, project) = project(&[
        ("pipelines/p/metadata.yaml", metadata),
        ("transformers/b.py", ""),
    ]);
    assert_eq!(
        problems(&project, "p"),
        "metadata.yaml:2: a: block file `data_loaders/a.py` not found; create it, or point \
         `configuration.file_source.path` at the right file"
    );
}

#[test]
fn unknown_upstream_and_duplicates_are_named() {
    let metadata = "\
blocks:
- {uuid: a, type: data_loader}
- {uuid: a, type: data_loader}
- {uuid: b, type: transformer, upstream_blocks: [ghost]}
";
    let (_dir, project) = project(&[
        ("pipelines/p/metadata.yaml", metadata),
        ("data_loaders/a.py", ""),
        ("transformers/b.py", ""),
    ]);
    let found = problems(&project, "p");
    assert!(
        found.contains("a: block `a` is defined more than once"),
        "{found}"
    );
    assert!(
        found.contains("b: block `b` names upstream block `ghost`, which is not in the pipeline"),
        "{found}"
    );
}

#[test]
fn disagreeing_downstream_lists_are_repaired_with_a_warning() {
    let metadata = "\
blocks:
- {uuid: a, type: data_loader, downstream_blocks: []}
- {uuid: b, type: transformer, upstream_blocks: [a], downstream_blocks: [a]}
";
    let (_dir, project) = project(&[
        ("pipelines/p/metadata.yaml", metadata),
        ("data_loaders/a.py", ""),
        ("transformers/b.py", ""),
    ]);
    let loaded = project.load_pipeline("p").unwrap();
    let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(
        warnings,
        [
            "is upstream of `b` but does not list it under `downstream_blocks`; the upstream list wins",
            "lists `a` under `downstream_blocks`, but `a` does not list it under `upstream_blocks`; the upstream list wins",
        ]
    );
    assert_eq!(loaded.pipeline.dag.get("b").unwrap().upstream, ["a"]);
}

#[test]
fn unknown_pipeline_and_bad_yaml_are_clear() {
    let (_dir, project) = project(&[("pipelines/p/metadata.yaml", "blocks: [unclosed\n")]);
    let missing = project.load_pipeline("nope").unwrap_err().to_string();
    assert!(
        missing.contains("pipeline `nope` not found") && missing.contains("pipelines: p"),
        "{missing}"
    );
    let yaml = project.load_pipeline("p").unwrap_err().to_string();
    assert!(yaml.contains("metadata.yaml: invalid YAML"), "{yaml}");
}

/// Issue 9, finding 10: `blocks: "oops"` read as an empty pipeline, and runs were created for it.
#[test]
fn wrong_shapes_are_errors_at_their_line() {
    let metadata = "name: shapes\nuuid: shapes\nblocks: oops\nvariables:\n  - not a mapping\n";
    let (_dir, first) = project(&[("pipelines/p/metadata.yaml", metadata)]);
    assert_eq!(
        problems(&first, "p"),
        "metadata.yaml:3: -: `blocks` must be a list of blocks (`- uuid: ...` entries), not the string \"oops\"\n\
         metadata.yaml:5: -: `variables` must be a mapping of names to values, not a list"
    );
    let entries = "blocks:\n- just a string\n- 42\n";
    let (_dir, second) = project(&[("pipelines/p/metadata.yaml", entries)]);
    let found = problems(&second, "p");
    assert!(
        found.contains("metadata.yaml:2: -: block number 1 must be a mapping")
            && found.contains("block number 2 must be a mapping with `uuid`, `type` and `upstream_blocks`, not the number `42`"),
        "{found}"
    );
    let (_dir, third) = project(&[("pipelines/p/metadata.yaml", "name: [a, b]\n")]);
    assert_eq!(
        problems(&third, "p"),
        "metadata.yaml:1: -: `name` must be a string, not a list"
    );
}

#[test]
fn a_folder_without_project_files_is_not_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let error = Project::open(dir.path()).unwrap_err().to_string();
    assert!(
        error.contains("is not a Mage or Wand project") && error.contains("wand init"),
        "{error}"
    );
}

const ADDONS: &str = "\
blocks:
- uuid: load
  type: data_loader
  has_callback: true
  upstream_blocks: []
  downstream_blocks: [clean]
- uuid: clean
  type: transformer
  upstream_blocks: [load]
callbacks:
- uuid: notify
  type: callback
  language: python
  configuration:
    file_source:
      path: callbacks/notify.py
  upstream_blocks: [load, clean]
conditionals:
- uuid: weekday
  type: conditional
  upstream_blocks: [clean]
- uuid: always
  type: conditional
  upstream_blocks: [clean]
name: addons
uuid: addons
";

/// Mage 0.9.80's `Pipeline.load_config`: each `callbacks:` / `conditionals:` entry is attached to the blocks its
/// `upstream_blocks` name, in list order; `has_callback: true` adds `callbacks/<uuid>_callback.py` first.
#[test]
fn callbacks_and_conditionals_are_attached_to_the_blocks_they_list() {
    let (_dir, project) = project(&[
        ("metadata.yaml", "project_type: standalone\n"),
        ("pipelines/addons/metadata.yaml", ADDONS),
        ("data_loaders/load.py", ""),
        ("transformers/clean.py", ""),
        (
            "callbacks/notify.py",
            "@callback('success')\ndef f(*a, **k):\n    pass\n",
        ),
        (
            "callbacks/load_callback.py",
            "@on_success\ndef f(**k):\n    pass\n\n\n@callback('cancelled')\ndef g(*a, **k):\n    pass\n",
        ),
        ("conditionals/weekday.py", ""),
        ("conditionals/always.py", ""),
    ]);
    let loaded = project.load_pipeline("addons").unwrap();
    let names = |addons: &[model::AddonBlock]| {
        addons
            .iter()
            .map(|addon| format!("{} ({})", addon.uuid, addon.file))
            .collect::<Vec<_>>()
    };
    let load = loaded.pipeline.dag.get("load").unwrap();
    assert_eq!(
        names(&load.callbacks),
        [
            "load_callback (callbacks/load_callback.py)",
            "notify (callbacks/notify.py)"
        ]
    );
    assert!(load.conditionals.is_empty());
    let clean = loaded.pipeline.dag.get("clean").unwrap();
    assert_eq!(names(&clean.callbacks), ["notify (callbacks/notify.py)"]);
    assert_eq!(
        names(&clean.conditionals),
        [
            "weekday (conditionals/weekday.py)",
            "always (conditionals/always.py)"
        ]
    );
    // A `cancelled` callback loads without a warning: Wand runs it when a run is cancelled, as Mage does (issue 13;
    // until then this warned "Wand does not run `cancelled` callbacks yet").
    let warnings: Vec<String> = loaded
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.block.as_deref().unwrap_or("-"), w.message))
        .collect();
    assert_eq!(warnings, Vec::<String>::new());
}

#[test]
fn a_misplaced_or_dangling_addon_is_named_with_its_line() {
    let broken = ADDONS
        .replace(
            "upstream_blocks: [clean]\n- uuid: always",
            "upstream_blocks: [gone]\n- uuid: always",
        )
        .replace(
            "- uuid: clean\n  type: transformer",
            "- uuid: clean\n  type: callback",
        );
    let (_dir, project) = project(&[
        ("metadata.yaml", "project_type: standalone\n"),
        ("pipelines/addons/metadata.yaml", &broken),
        ("data_loaders/load.py", ""),
        ("transformers/clean.py", ""),
        ("callbacks/notify.py", ""),
        ("callbacks/load_callback.py", ""),
        ("conditionals/always.py", ""),
    ]);
    assert_eq!(
        problems(&project, "addons"),
        "metadata.yaml:7: clean: a callback block belongs under `callbacks:`, with the blocks it is attached to in \
         its `upstream_blocks`, not under `blocks:`; move its entry there\n\
         metadata.yaml:11: notify: the callback `notify` is attached to `clean` (in its `upstream_blocks`), which is \
         not a block of this pipeline that runs; attach it to one of `blocks:`\n\
         metadata.yaml:19: weekday: block file `conditionals/weekday.py` not found; create it, or point \
         `configuration.file_source.path` at the right file\n\
         metadata.yaml:22: always: the conditional `always` is attached to `clean` (in its `upstream_blocks`), \
         which is not a block of this pipeline that runs; attach it to one of `blocks:`"
    );
}

/// A replica (`replicated_block:`) runs its original's file with its own uuid, upstream blocks and configuration
/// (Mage 0.9.80's server ran `rep_add_again` with `rep_add`'s file and `configuration: {add: 100}`:
/// fixtures/mage09 `replicas`); a replica of a replica runs the first original's file, as Mage's `file_path` does.
#[test]
fn a_replica_runs_its_originals_file_with_its_own_configuration() {
    let metadata = "\
blocks:
- uuid: add
  type: transformer
  configuration: {add: 10, file_source: {path: transformers/adder.py}}
- uuid: again
  type: transformer
  replicated_block: add
  configuration: {add: 100}
  upstream_blocks: [add]
- uuid: third
  type: transformer
  replicated_block: again
  upstream_blocks: [again]
";
    let (_dir, project) = project(&[
        ("pipelines/p/metadata.yaml", metadata),
        ("transformers/adder.py", ""),
    ]);
    let pipeline = project.load_pipeline("p").unwrap().pipeline;
    let again = pipeline.dag.get("again").unwrap();
    assert_eq!(again.file, "transformers/adder.py");
    assert_eq!(again.upstream, ["add"]);
    assert_eq!(again.configuration, serde_json::json!({"add": 100}));
    assert_eq!(
        pipeline.dag.get("third").unwrap().file,
        "transformers/adder.py"
    );
}

#[test]
fn a_replica_of_a_missing_block_or_of_itself_is_named_with_its_line() {
    let metadata = "\
blocks:
- uuid: a
  type: transformer
  replicated_block: ghost
- uuid: b
  type: transformer
  replicated_block: c
- uuid: c
  type: transformer
  replicated_block: b
- uuid: d
  type: transformer
  replicated_block: e
- uuid: e
  type: transformer
- uuid: f
  type: transformer
  replicated_block: [a]
";
    let (_dir, project) = project(&[("pipelines/p/metadata.yaml", metadata)]);
    let expected = "\
metadata.yaml:2: a: `replicated_block` is `ghost`, which is not a block of this pipeline (Mage replicates blocks of the same pipeline only); name one of its `blocks:`, or remove the key
metadata.yaml:5: b: `replicated_block` goes round in a circle (b -> c -> b); point it at the block whose file runs
metadata.yaml:8: c: `replicated_block` goes round in a circle (c -> b -> c); point it at the block whose file runs
metadata.yaml:11: d: `replicated_block` is `e`, whose file `transformers/e.py` is missing or outside the project; fix `e` first
metadata.yaml:14: e: block file `transformers/e.py` not found; create it, or point `configuration.file_source.path` at the right file
metadata.yaml:16: f: `replicated_block` must be the uuid of the block whose file this block runs, not a list";
    assert_eq!(problems(&project, "p"), expected);
}

/// A sub-project of Mage's platform (`plat/settings.yaml` lists `sales` and `shared`): `file_source.path` is relative
/// to the platform root, so a block may run the sibling project's file; a path that leaves the platform is an error
/// naming it. (Mage 0.9.80's `add_absolute_path`; its server ran such a pipeline: fixtures/mage_platform.)
#[test]
fn a_platform_sub_project_runs_sibling_files_and_stays_inside_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    let platform = dir.path().join("plat");
    write_project(
        &platform,
        &[
            (
                "settings.yaml",
                "projects:\n  shared: {}\n  sales: {active: true}\n",
            ),
            ("shared/metadata.yaml", ""),
            ("shared/data_loaders/people.py", ""),
            ("sales/metadata.yaml", ""),
            ("sales/data_loaders/orders.py", ""),
            ("outside.py", ""),
        ],
    );
    let good = "\
blocks:
- {uuid: orders, type: data_loader, configuration: {file_source: {path: sales/data_loaders/orders.py}}}
- {uuid: people, type: data_loader, configuration: {file_source: {path: plat/shared/data_loaders/people.py}}}
";
    let bad = "\
blocks:
- {uuid: away, type: data_loader, configuration: {file_source: {path: ../../elsewhere.py}}}
";
    write_project(
        &platform.join("sales"),
        &[
            ("pipelines/good/metadata.yaml", good),
            ("pipelines/bad/metadata.yaml", bad),
        ],
    );
    // `write_project` made a `pipelines/` folder at the root too; a platform root has none.
    std::fs::remove_dir(platform.join("pipelines")).unwrap();
    // The root opens its active project, as `mage start plat` does.
    let project = Project::open(&platform).unwrap();
    assert_eq!(project.name(), "sales");
    assert_eq!(
        project.platform_root(),
        Some(platform.canonicalize().unwrap().as_path())
    );
    let pipeline = project.load_pipeline("good").unwrap().pipeline;
    assert_eq!(
        pipeline.dag.get("orders").unwrap().file,
        "data_loaders/orders.py"
    );
    assert_eq!(
        pipeline.dag.get("people").unwrap().file,
        "../shared/data_loaders/people.py"
    );
    let found = problems(&project, "bad");
    assert!(
        found.starts_with(
            "metadata.yaml:2: away: block file `../../elsewhere.py` is outside the platform; keep block files inside "
        ),
        "{found}"
    );
    // A standalone project whose parent folder has some other settings.yaml is not a sub-project.
    write_project(&dir.path().join("alone"), &[("metadata.yaml", "")]);
    std::fs::write(dir.path().join("settings.yaml"), "theme: dark\n").unwrap();
    assert_eq!(
        Project::open(&dir.path().join("alone"))
            .unwrap()
            .platform_root(),
        None
    );
}

/// Mage 0.9.80 reads `dynamic` and `reduce_output` only as booleans (`is_dynamic_block`, `should_reduce_output` in
/// data_preparation/models/block/dynamic/shared.py: anything else is false unless DYNAMIC_BLOCKS_VERSION=2), so a
/// mapping runs the block once in both; Wand says so instead of passing over it.
#[test]
fn a_dynamic_setting_that_is_not_a_boolean_is_named() {
    let metadata = "\
blocks:
- {uuid: a, type: data_loader, configuration: {dynamic: {parent: true}}, downstream_blocks: [b]}
- {uuid: b, type: transformer, upstream_blocks: [a], configuration: {reduce_output: true}}
";
    let (_dir, project) = project(&[
        ("pipelines/p/metadata.yaml", metadata),
        ("data_loaders/a.py", ""),
        ("transformers/b.py", ""),
    ]);
    let loaded = project.load_pipeline("p").unwrap();
    let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(
        warnings,
        [
            "`configuration.dynamic` is {\"parent\":true}: Mage 0.9.80 reads only true or false here (a mapping is the \
          format of its DYNAMIC_BLOCKS_VERSION=2, off by default), so this block runs as if it were false, in Mage \
          and in Wand; set it to true or false"
        ]
    );
    assert!(model::dynamic_children(loaded.pipeline.dag.blocks()).is_empty());
}
