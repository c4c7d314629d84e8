//! The key walk: every key Mage's pipeline, block and trigger models define is classified, a key at Mage's
//! default is silent, and every other value of a warned or refused key is diagnosed naming it.

use std::fmt::Write;

use serde_json::{Value, json};

use super::*;
use crate::Project;

/// The keys of Mage 0.9.80's models, read from its source (site-packages/mage_ai of `pip install mage-ai==0.9.80`).
/// A key Mage adds later must be added here and to a table, which the walk below then checks.
const MAGE_KEYS: &[(&str, &[&str])] = &[
    (
        // mage_ai/data_preparation/models/pipeline.py: `Pipeline.load_config` (config.get(...)),
        // `Pipeline.to_dict_base` and `Pipeline.to_dict` (blocks, callbacks, conditionals, widgets, extensions).
        "pipeline",
        &[
            "blocks",
            "cache_block_output_in_memory",
            "callbacks",
            "concurrency_config",
            "conditionals",
            "created_at",
            "data_integration",
            "description",
            "execution_framework",
            "executor_config",
            "executor_count",
            "executor_type",
            "extensions",
            "name",
            "notification_config",
            "remote_variables_dir",
            "retry_config",
            "run_pipeline_in_one_process",
            "settings",
            "spark_config",
            "tags",
            "type",
            "uuid",
            "variables",
            "variables_dir",
            "widgets",
        ],
    ),
    (
        // mage_ai/data_preparation/models/block/__init__.py: `Block.to_dict_base`; pipeline.py:
        // `build_shared_args_kwargs` in `Pipeline.load_config` (color, content, extension_uuid, ...) and
        // `__initialize_blocks_by_uuid` (upstream_blocks, downstream_blocks).
        "block",
        &[
            "all_upstream_blocks_executed",
            "callback_blocks",
            "color",
            "conditional_blocks",
            "configuration",
            "content",
            "downstream_blocks",
            "executor_config",
            "executor_type",
            "extension_uuid",
            "groups",
            "has_callback",
            "language",
            "name",
            "replicated_block",
            "retry_config",
            "status",
            "timeout",
            "type",
            "upstream_blocks",
            "uuid",
        ],
    ),
    (
        // `configuration.get(...)` of a block in mage_ai/data_preparation/models/block/__init__.py,
        // block/sql/__init__.py, block/dbt/block*.py (`dbt`, `dbt_project_name`, `dbt_profile_target`),
        // block/dynamic/shared.py and block/settings/dynamic/mixins.py (`dynamic`, `reduce_output`),
        // block/settings/variables/mixins.py, block/settings/global_data_products/mixins.py,
        // block/global_data_product/__init__.py, block/data_integration/mixins.py, models/widget/__init__.py.
        "block configuration",
        &[
            "chart_type",
            "data_integration",
            "data_provider",
            "data_provider_database",
            "data_provider_profile",
            "data_provider_schema",
            "data_provider_table",
            "dbt",
            "dbt_profile_target",
            "dbt_project_name",
            "disable_output_preview",
            "disable_query_preprocessing",
            "dynamic",
            "export_write_policy",
            "file_path",
            "file_source",
            "global_data_product",
            "global_data_products",
            "limit",
            "limit_in_pipeline_run",
            "reduce_output",
            "unique_upstream_table_name",
            "use_raw_sql",
            "variables",
        ],
    ),
    (
        // mage_ai/orchestration/concurrency.py: `ConcurrencyConfig`.
        "concurrency_config",
        &[
            "block_run_limit",
            "on_pipeline_run_limit_reached",
            "pipeline_run_limit",
            "pipeline_run_limit_all_triggers",
        ],
    ),
    (
        // mage_ai/data_preparation/shared/retry.py: `RetryConfig`.
        "retry_config",
        &["delay", "exponential_backoff", "max_delay", "retries"],
    ),
    (
        // mage_ai/data_preparation/models/triggers/__init__.py: `Trigger` and `Trigger.to_dict`.
        "trigger",
        &[
            "description",
            "envs",
            "last_enabled_at",
            "name",
            "pipeline_uuid",
            "repo_path",
            "schedule_interval",
            "schedule_type",
            "settings",
            "sla",
            "start_time",
            "status",
            "token",
            "variables",
        ],
    ),
    (
        // Same file: `SettingsConfig`, and `invalid_schedule_interval` that `build_triggers` adds.
        "trigger settings",
        &[
            "allow_blocks_to_fail",
            "create_initial_pipeline_run",
            "invalid_schedule_interval",
            "landing_time_enabled",
            "pipeline_run_limit",
            "skip_if_previous_running",
            "timeout",
            "timeout_status",
        ],
    ),
];

fn table(name: &str) -> &'static [Rule] {
    TABLES
        .iter()
        .find(|(table, _)| *table == name)
        .map(|(_, rules)| *rules)
        .unwrap_or_else(|| panic!("no table classifies {name} keys"))
}

#[test]
fn every_key_of_mages_models_is_classified() {
    let mut missing = Vec::new();
    for (model, keys) in MAGE_KEYS {
        for key in *keys {
            if rule(table(model), key).is_none() {
                missing.push(format!("{model}: {key}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys Mage defines that no table classifies (add them to mage_keys.rs as handled, warned or refused):\n{}",
        missing.join("\n")
    );
}

/// The classification, listed in `classification.txt` beside this file; `UPDATE_EXPECT=1` rewrites it.
#[test]
fn the_classification_is_listed() {
    let mut text = String::new();
    let mut counts = [0usize; 3];
    for (name, rules) in TABLES {
        writeln!(text, "## {name}").unwrap();
        for rule in *rules {
            let verdict = match rule.verdict {
                Verdict::Handled => "handled",
                Verdict::Warned => "warned",
                Verdict::Refused => "refused",
            };
            counts[rule.verdict as usize] += 1;
            let when = match rule.verdict {
                Verdict::Handled => String::new(),
                _ => format!(" when {}", rule.inert.diagnosed_when()),
            };
            writeln!(text, "{:<32} {verdict}{when}: {}", rule.key, rule.note).unwrap();
        }
        writeln!(text).unwrap();
    }
    writeln!(
        text,
        "total: {} handled, {} warned, {} refused",
        counts[0], counts[1], counts[2]
    )
    .unwrap();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/mage_keys/classification.txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        text, expected,
        "the classification changed; check it and run with UPDATE_EXPECT=1 to accept it"
    );
}

/// A value of `rule`'s key at which Mage does something Wand does not.
fn diagnosed_sample(rule: &Rule) -> Value {
    match (rule.key, rule.inert) {
        ("type", Inert::OneOf(_)) => json!("pyspark"),
        ("executor_count", _) => json!(2),
        ("type", _) => json!("extension"),
        ("language", _) => json!("r"),
        ("extensions", _) => json!({"great_expectations": {"blocks": [{"uuid": "check"}]}}),
        ("notification_config", _) => {
            json!({"telegram_config": {"bot_token": "t", "chat_id": "c"}})
        }
        (_, Inert::OneOf(_)) => json!("something_else"),
        (_, Inert::NotTrue) => json!(true),
        (_, Inert::Empty) => json!(["something"]),
        (key, inert) => panic!("give `{key}` ({inert:?}) a sample value"),
    }
}

/// A Mage-generated pipeline file with every key of Mage's models at Mage's default.
fn mage_defaults() -> Value {
    json!({
        "blocks": [{
            "all_upstream_blocks_executed": true,
            "color": null,
            "configuration": {
                "file_source": {"path": "data_loaders/load.py"},
                "file_path": null,
                "dynamic": false,
                "reduce_output": false,
                "disable_output_preview": false,
                "variables": null,
                "global_data_products": {},
                "data_provider": "postgres",
                "data_provider_schema": "public",
                "export_write_policy": "append",
                "limit": 1000,
                "use_raw_sql": false,
            },
            "downstream_blocks": [],
            "executor_config": null,
            "executor_type": "local_python",
            "has_callback": false,
            "language": "python",
            "name": "load",
            "retry_config": {"retries": 0, "delay": 5, "max_delay": 60, "exponential_backoff": true},
            "status": "not_executed",
            "timeout": null,
            "type": "data_loader",
            "upstream_blocks": [],
            "uuid": "load",
            "replicated_block": null,
            "groups": [],
            "content": null,
            "extension_uuid": null,
            "callback_blocks": [],
            "conditional_blocks": [],
        }],
        "cache_block_output_in_memory": false,
        "callbacks": [],
        "concurrency_config": {"on_pipeline_run_limit_reached": "wait"},
        "conditionals": [],
        "created_at": "2024-03-12 08:15:42.123456+00:00",
        "data_integration": null,
        "description": null,
        "execution_framework": null,
        "executor_config": {},
        "executor_count": 1,
        "executor_type": null,
        "extensions": {"great_expectations": {"blocks": []}},
        "name": "p",
        "notification_config": {},
        "remote_variables_dir": null,
        "retry_config": {},
        "run_pipeline_in_one_process": false,
        "settings": {"triggers": {"save_in_code_automatically": true}},
        "spark_config": {},
        "tags": [],
        "type": "python",
        "updated_at": "2024-03-12 08:15:42",
        "uuid": "p",
        "variables": {},
        "variables_dir": "/home/src/mage_data/proj",
        "widgets": [],
    })
}

fn project_with(metadata: &Value) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    std::fs::create_dir_all(root.join("pipelines/p")).unwrap();
    std::fs::create_dir_all(root.join("data_loaders")).unwrap();
    std::fs::write(root.join("metadata.yaml"), "project_type: standalone\n").unwrap();
    std::fs::write(root.join("data_loaders/load.py"), "").unwrap();
    // JSON is YAML.
    std::fs::write(root.join("pipelines/p/metadata.yaml"), metadata.to_string()).unwrap();
    let project = Project::open(&root).unwrap();
    (dir, project)
}

/// (errors, warnings) of loading `metadata`, as messages.
fn diagnose(metadata: &Value) -> (Vec<String>, Vec<String>) {
    let (_dir, project) = project_with(metadata);
    match project.load_pipeline("p") {
        Ok(loaded) => (
            Vec::new(),
            loaded.warnings.into_iter().map(|d| d.message).collect(),
        ),
        Err(crate::ProjectError::Invalid(errors)) => {
            (errors.into_iter().map(|d| d.message).collect(), Vec::new())
        }
        Err(other) => panic!("{other}"),
    }
}

#[test]
fn a_mage_generated_file_with_every_key_at_its_default_is_silent() {
    assert_eq!(diagnose(&mage_defaults()), (Vec::new(), Vec::new()));
}

/// Sets `key` at `path` (`[]` for the top level, `["blocks", "0"]` for the block, ...) in the defaults.
fn with(path: &[&str], key: &str, value: Value) -> Value {
    let mut metadata = mage_defaults();
    let mut target = &mut metadata;
    for step in path {
        target = match step.parse::<usize>() {
            Ok(index) => &mut target[index],
            Err(_) => &mut target[*step],
        };
    }
    target[key] = value;
    metadata
}

#[test]
fn every_warned_or_refused_key_is_diagnosed_by_name_at_a_value_mage_acts_on() {
    let places: [(&[Rule], &[&str], &str); 5] = [
        (PIPELINE_KEYS, &[], ""),
        (BLOCK_KEYS, &["blocks", "0"], ""),
        (
            CONFIGURATION_KEYS,
            &["blocks", "0", "configuration"],
            "configuration.",
        ),
        (
            CONCURRENCY_KEYS,
            &["concurrency_config"],
            "concurrency_config.",
        ),
        (RETRY_KEYS, &["retry_config"], "retry_config."),
    ];
    let mut wrong = Vec::new();
    for (rules, path, prefix) in places {
        for rule in rules.iter().filter(|rule| rule.verdict != Verdict::Handled) {
            let value = diagnosed_sample(rule);
            let (errors, warnings) = diagnose(&with(path, rule.key, value.clone()));
            let named = format!("`{prefix}{}`", rule.key);
            let found = match rule.verdict {
                Verdict::Refused => errors.iter().any(|e| e.contains(&named)),
                _ => errors.is_empty() && warnings.iter().any(|w| w.contains(&named)),
            };
            if !found {
                wrong.push(format!(
                    "{named} = {value} ({:?}): errors {errors:?}, warnings {warnings:?}",
                    rule.verdict
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn unknown_keys_are_warned_about_except_in_the_users_configuration() {
    let metadata = with(&[], "no_such_key", json!(1));
    let metadata = {
        let mut metadata = metadata;
        metadata["blocks"][0]["no_such_block_key"] = json!(1);
        metadata["blocks"][0]["configuration"]["my_setting"] = json!(1);
        metadata
    };
    let (errors, warnings) = diagnose(&metadata);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    for key in ["`no_such_key`", "`no_such_block_key`"] {
        assert!(
            warnings.iter().any(|w| w.contains(key)),
            "{key}: {warnings:?}"
        );
    }
}

#[test]
fn notebook_cells_may_be_in_any_language() {
    let metadata = with(&["blocks", "0"], "type", json!("markdown"));
    let metadata = {
        let mut metadata = metadata;
        metadata["blocks"][0]["language"] = json!("markdown");
        metadata
    };
    assert_eq!(diagnose(&metadata), (Vec::new(), Vec::new()));
}

#[test]
fn a_block_of_a_type_wand_does_not_run_is_one_error_naming_the_type() {
    let mut metadata = with(&["blocks", "0"], "type", json!("extension"));
    metadata["blocks"][0]["language"] = json!("sql");
    let (errors, warnings) = diagnose(&metadata);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("`type` is \"extension\": Wand does not run blocks of this type yet"),
        "{errors:?}"
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn the_wand_init_example_pipeline_is_silent() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    crate::init(&root).unwrap();
    let project = Project::open(&root).unwrap();
    for uuid in project.pipeline_uuids() {
        let loaded = project.load_pipeline(&uuid).unwrap();
        assert!(loaded.warnings.is_empty(), "{uuid}: {:?}", loaded.warnings);
    }
}
