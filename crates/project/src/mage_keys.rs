//! Every key Mage's pipeline, block and trigger models define, and what Wand does with it: honours it (handled),
//! says it has no effect (warned: cosmetic, the run's result is the same), or refuses the file (refused: running
//! without it would give another result than Mage). A key at a value where Mage does what Wand does is silent.
//!
//! The tables only classify; `project.rs` and `triggers_file.rs` apply them. Nothing here reads files.

use serde_json::{Map, Value};

/// What Wand does with a key at a value that is not inert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Wand does what Mage does with it.
    Handled,
    /// Wand ignores it, and the run's result is the same: a warning.
    Warned,
    /// Wand would run the pipeline differently from Mage: an error.
    Refused,
}

/// The values of a key at which Mage does what Wand does; any other value is diagnosed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Inert {
    /// Never diagnosed (handled keys).
    Always,
    /// Absent, null, `false`, `""`, `[]` or `{}`: Mage's defaults.
    Empty,
    /// Anything but `true` (Mage tests `isinstance(value, bool)` and the value).
    NotTrue,
    /// Absent, null, or one of these strings.
    OneOf(&'static [&'static str]),
    /// A test of its own, and which values fail it, in words.
    When(
        fn(&Value) -> bool,
        #[cfg_attr(
            not(test),
            expect(dead_code, reason = "read by the classification's listing")
        )]
        &'static str,
    ),
}

impl Inert {
    pub(crate) fn holds(&self, value: &Value) -> bool {
        match self {
            Inert::Always => true,
            Inert::Empty => is_empty(value),
            Inert::NotTrue => value != &Value::Bool(true),
            Inert::OneOf(allowed) => match value {
                Value::Null => true,
                Value::String(text) => allowed.contains(&text.as_str()),
                _ => false,
            },
            Inert::When(test, _) => test(value),
        }
    }

    /// The values that are diagnosed, in words (for the classification's listing).
    #[cfg(test)]
    pub(crate) fn diagnosed_when(&self) -> String {
        match self {
            Inert::Always => "never".to_owned(),
            Inert::Empty => "not empty".to_owned(),
            Inert::NotTrue => "true".to_owned(),
            Inert::OneOf(allowed) => format!("not one of {}", allowed.join(", ")),
            Inert::When(_, words) => (*words).to_owned(),
        }
    }
}

/// One key and what Wand does with it.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) key: &'static str,
    pub(crate) verdict: Verdict,
    pub(crate) inert: Inert,
    /// For a handled key, what Wand does with it; otherwise what Wand does not do, and what to do about it.
    pub(crate) note: &'static str,
}

/// A diagnosis of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finding {
    Warning(String),
    Error(String),
}

/// What to say about a key no table lists.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Unknown<'a> {
    /// Nothing: the mapping is the user's (a block's `configuration` reaches the block as `kwargs['configuration']`).
    Silent,
    /// A warning naming what the mapping is.
    Warn(&'a str),
}

/// Checks the keys of `map` against `rules`; `path` prefixes key names in messages (`configuration.`).
pub(crate) fn check(
    rules: &[Rule],
    map: &Map<String, Value>,
    path: &str,
    unknown: Unknown<'_>,
) -> Vec<Finding> {
    map.iter()
        .flat_map(|(key, value)| check_one(rules, key, value, path, unknown))
        .collect()
}

/// Checks one key and its value against `rules`.
pub(crate) fn check_one(
    rules: &[Rule],
    key: &str,
    value: &Value,
    path: &str,
    unknown: Unknown<'_>,
) -> Option<Finding> {
    let Some(rule) = rule(rules, key) else {
        return match unknown {
            Unknown::Silent => None,
            Unknown::Warn(what) => Some(Finding::Warning(format!(
                "`{path}{key}` is not a key of {what} that Mage or Wand knows; it has no effect (check its \
                 spelling, or remove it)"
            ))),
        };
    };
    if rule.inert.holds(value) {
        return None;
    }
    let message = format!("`{path}{key}` {}: {}", show(value), rule.note);
    match rule.verdict {
        Verdict::Handled => None,
        Verdict::Warned => Some(Finding::Warning(message)),
        Verdict::Refused => Some(Finding::Error(message)),
    }
}

/// The rule for `key`, if a table lists it.
pub(crate) fn rule<'a>(rules: &'a [Rule], key: &str) -> Option<&'a Rule> {
    rules.iter().find(|rule| rule.key == key)
}

/// Mage's defaults: absent, null, `false`, empty text, an empty list or mapping.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(flag) => !flag,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        Value::Number(_) => false,
    }
}

/// The value, after the key: "is true", "is \"sql\"", or "lists `a`, `b`" for a list of blocks.
fn show(value: &Value) -> String {
    if let Value::Array(items) = value {
        let uuids: Vec<String> = items
            .iter()
            .filter_map(|item| item.get("uuid").and_then(Value::as_str))
            .map(|uuid| format!("`{uuid}`"))
            .collect();
        if !uuids.is_empty() && uuids.len() == items.len() {
            return format!("lists {}", uuids.join(", "));
        }
    }
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("is {}…", text.chars().take(60).collect::<String>())
    } else {
        format!("is {text}")
    }
}

const fn handled(key: &'static str, note: &'static str) -> Rule {
    Rule {
        key,
        verdict: Verdict::Handled,
        inert: Inert::Always,
        note,
    }
}

const fn warned(key: &'static str, inert: Inert, note: &'static str) -> Rule {
    Rule {
        key,
        verdict: Verdict::Warned,
        inert,
        note,
    }
}

const fn refused(key: &'static str, inert: Inert, note: &'static str) -> Rule {
    Rule {
        key,
        verdict: Verdict::Refused,
        inert,
        note,
    }
}

/// The block types Wand runs, and the notebook cells it keeps without running (as Mage's pipeline runs do);
/// callbacks and conditionals run as add-ons of the blocks they are attached to, from `callbacks:` and `conditionals:`.
pub(crate) const WAND_BLOCK_TYPES: &[&str] = &[
    "data_loader",
    "transformer",
    "data_exporter",
    "custom",
    "sensor",
    "scratchpad",
    "markdown",
    "chart",
    "callback",
    "conditional",
    "global_data_product",
    "dbt",
];

/// Mage's `BlockType` values (mage_ai/data_preparation/models/constants.py, Mage 0.9.80).
pub(crate) const MAGE_BLOCK_TYPES: &[&str] = &[
    "callback",
    "conditional",
    "chart",
    "custom",
    "data_exporter",
    "data_loader",
    "dbt",
    "dynamic_child",
    "extension",
    "global_data_product",
    "hook",
    "markdown",
    "scratchpad",
    "sensor",
    "transformer",
    "group",
    "pipeline",
];

/// Mage's `BlockLanguage` values (same file).
const MAGE_LANGUAGES: &[&str] = &["markdown", "python", "r", "sql", "yaml"];

/// A block type Wand runs or keeps, or a name that is not Mage's (reported as unknown by the loader).
fn block_type_inert(value: &Value) -> bool {
    value
        .as_str()
        .is_none_or(|kind| WAND_BLOCK_TYPES.contains(&kind) || !MAGE_BLOCK_TYPES.contains(&kind))
}

/// Python or SQL, or a name that is not one of Mage's languages (reported as unknown by the loader).
fn language_inert(value: &Value) -> bool {
    value.as_str().is_none_or(|language| {
        matches!(language, "python" | "sql") || !MAGE_LANGUAGES.contains(&language)
    })
}

/// At most one executor (Mage starts `executor_count` consumers of a streaming pipeline).
fn one_executor(value: &Value) -> bool {
    value.as_i64().is_none_or(|count| count <= 1)
}

/// No extension lists blocks (Mage writes `extensions: {great_expectations: {blocks: []}}` once opened).
fn extensions_inert(value: &Value) -> bool {
    match value {
        Value::Object(extensions) => extensions.values().all(|extension| {
            extension.get("blocks").is_none_or(|blocks| {
                blocks.as_array().is_none_or(Vec::is_empty) || blocks.is_null()
            })
        }),
        other => is_empty(other),
    }
}

/// A `notification_config` is done in full unless it names a channel Wand does not send to.
fn notification_inert(value: &Value) -> bool {
    model::UNSUPPORTED_CHANNEL_KEYS
        .iter()
        .all(|key| value.get(key).is_none_or(Value::is_null))
}

/// Pipeline-level keys: `Pipeline.load_config`, `to_dict_base` and `to_dict` in
/// mage_ai/data_preparation/models/pipeline.py (Mage 0.9.80), plus `updated_at` that older versions wrote.
pub(crate) const PIPELINE_KEYS: &[Rule] = &[
    handled("blocks", "the blocks Wand runs, checked one by one"),
    warned(
        "cache_block_output_in_memory",
        Inert::Empty,
        "Wand always writes block outputs to its data directory; the outputs are the same (remove the key to \
         silence this)",
    ),
    handled(
        "callbacks",
        "each callback runs in the process of every block it lists in `upstream_blocks`, after it (success or \
         failure), as in Mage",
    ),
    handled(
        "concurrency_config",
        "block_run_limit, pipeline_run_limit and pipeline_run_limit_all_triggers are honoured",
    ),
    handled(
        "conditionals",
        "each conditional runs before every block it lists in `upstream_blocks`; a false one makes that block and \
         the blocks below it `condition_failed`, as in Mage",
    ),
    handled("created_at", "informational; kept in the file"),
    refused(
        "data_integration",
        Inert::Empty,
        "this is a data-integration catalog, and Wand does not run data-integration pipelines yet; run this \
         pipeline with Mage until Wand supports it",
    ),
    handled("description", "informational; kept in the file"),
    refused(
        "execution_framework",
        Inert::Empty,
        "Wand does not run Mage's execution frameworks; remove the key, or run this pipeline with Mage until \
         Wand supports it",
    ),
    warned(
        "executor_config",
        Inert::Empty,
        "Wand runs every block in a local Python process, so executor settings do not apply (remove them to \
         silence this)",
    ),
    warned(
        "executor_count",
        Inert::When(one_executor, "it is more than 1"),
        "Wand runs a streaming pipeline in one process; Mage's extra executors (each a consumer of the same \
         source) are not started (set it to 1 or remove it to silence this)",
    ),
    warned(
        "executor_type",
        Inert::OneOf(&["local_python", "local_python_force"]),
        "Wand runs every block in a local Python process (use `worker_tag` and `wand worker --tags` to run \
         blocks on other machines); set it to local_python to silence this",
    ),
    refused(
        "extensions",
        Inert::When(extensions_inert, "an extension lists blocks"),
        "Wand does not run extension blocks (Great Expectations checks) yet, so a failing check would not fail \
         the run; remove them, or run this pipeline with Mage until Wand supports it",
    ),
    handled("name", "the pipeline's name"),
    warned(
        "notification_config",
        Inert::When(
            notification_inert,
            "opsgenie_config or telegram_config is set",
        ),
        "Wand sends notifications to Slack, Teams, Discord, Google Chat, email and webhook_config, not to \
         Opsgenie or Telegram: nothing is sent there (remove those keys to silence this)",
    ),
    handled(
        "remote_variables_dir",
        "Mage writes it from the project's settings and never reads it back",
    ),
    handled(
        "retry_config",
        "retries, delay, max_delay and exponential_backoff are honoured",
    ),
    warned(
        "run_pipeline_in_one_process",
        Inert::Empty,
        "Wand runs each block in its own process; outputs pass between blocks as stored files (remove the key \
         to silence this)",
    ),
    handled(
        "settings",
        "Wand always keeps triggers in code (triggers.yaml), as save_in_code_automatically asks",
    ),
    warned(
        "spark_config",
        Inert::Empty,
        "Wand starts no Spark session for blocks; remove it to silence this",
    ),
    warned(
        "tags",
        Inert::Empty,
        "Wand does not show or filter pipelines by tag yet; the tags are kept in the file",
    ),
    refused(
        "type",
        Inert::OneOf(&["python", "streaming"]),
        "Wand runs standard (`python`) and `streaming` pipelines; data-integration, pyspark and databricks \
         pipelines need Mage until Wand runs them",
    ),
    handled(
        "updated_at",
        "written by older Mage versions and never read",
    ),
    handled("uuid", "the pipeline's folder name is its uuid, as in Mage"),
    handled("variables", "the pipeline's global variables"),
    handled(
        "variables_dir",
        "Mage writes it from the project's settings and never reads it back",
    ),
    warned(
        "widgets",
        Inert::Empty,
        "Wand does not draw charts yet; the widgets are kept in the file",
    ),
];

/// Block-level keys: `Block.to_dict_base`, and what `Pipeline.load_config` passes to the block and reads in
/// `__initialize_blocks_by_uuid` (mage_ai/data_preparation/models/block/__init__.py and pipeline.py, Mage 0.9.80),
/// plus Wand's `worker_tag`.
pub(crate) const BLOCK_KEYS: &[Rule] = &[
    handled(
        "all_upstream_blocks_executed",
        "notebook state Mage writes and never reads in a run",
    ),
    handled(
        "callback_blocks",
        "Mage derives it from `callbacks:` and never reads it",
    ),
    warned(
        "color",
        Inert::Empty,
        "Wand's editor does not colour blocks; the colour is kept in the file",
    ),
    handled(
        "conditional_blocks",
        "Mage derives it from `conditionals:` and never reads it",
    ),
    handled(
        "configuration",
        "passed to the block as kwargs['configuration']; its keys are checked one by one",
    ),
    refused(
        "content",
        Inert::Empty,
        "Mage would run this text instead of the block's file, and Wand runs the file; move the code into the \
         file and remove `content`",
    ),
    handled(
        "downstream_blocks",
        "checked against upstream_blocks, which win, as in Mage",
    ),
    warned(
        "executor_config",
        Inert::Empty,
        "Wand runs every block in a local Python process, so executor settings do not apply (remove them to \
         silence this)",
    ),
    warned(
        "executor_type",
        Inert::OneOf(&["local_python", "local_python_force"]),
        "Wand runs every block in a local Python process (use `worker_tag` and `wand worker --tags` to run it on \
         another machine); set it to local_python to silence this",
    ),
    refused(
        "extension_uuid",
        Inert::Empty,
        "this is an extension block (Great Expectations), and Wand does not run extensions yet; remove it, or \
         run this pipeline with Mage until Wand supports it",
    ),
    warned(
        "groups",
        Inert::Empty,
        "Wand does not group blocks; the groups are kept in the file",
    ),
    handled(
        "has_callback",
        "true runs `callbacks/<uuid>_callback.py` after the block, before the `callbacks:` attached to it, as in \
         Mage",
    ),
    refused(
        "language",
        Inert::When(
            language_inert,
            "r, yaml or markdown on a block that runs (yaml is a dbt block's command, or a streaming pipeline's \
             source or sink)",
        ),
        "Wand runs Python and SQL blocks, and dbt blocks in SQL (a model) or YAML (a dbt command); R and YAML \
         data-integration blocks are not run yet: rewrite the block in Python or SQL, or run this pipeline with \
         Mage until Wand supports it",
    ),
    handled("name", "the block's name"),
    handled(
        "replicated_block",
        "the block runs the file of the block it names (of the same pipeline), with its own uuid, upstream blocks \
         and configuration, as in Mage",
    ),
    handled(
        "retry_config",
        "retries, delay, max_delay and exponential_backoff are honoured",
    ),
    handled(
        "status",
        "notebook state Mage writes and never reads in a run",
    ),
    handled(
        "timeout",
        "the block run is stopped and failed after this many seconds",
    ),
    refused(
        "type",
        Inert::When(
            block_type_inert,
            "extension, dynamic_child, hook, group or pipeline",
        ),
        "Wand does not run blocks of this type yet; remove the block, or run this pipeline with Mage until Wand \
         supports it",
    ),
    handled("upstream_blocks", "the block's parents, in argument order"),
    handled("uuid", "the block's name in the pipeline"),
    handled(
        "worker_tag",
        "Wand's own: only workers started with this tag run the block",
    ),
];

/// The keys of a block's `configuration` that Mage reads (`configuration.get(...)` in
/// mage_ai/data_preparation/models/block/ and mage_ai/data_preparation/models/widget/, Mage 0.9.80). Other keys
/// are the user's: they reach the block as kwargs['configuration'] in Mage and in Wand alike.
pub(crate) const CONFIGURATION_KEYS: &[Rule] = &[
    handled(
        "chart_type",
        "read by Mage for charts only, which pipeline runs do not run",
    ),
    handled(
        "data_provider",
        "a SQL block's database: duckdb, postgres, mysql, bigquery, snowflake, redshift, mssql, clickhouse or trino \
         (Mage's druid and spark are refused when the block is loaded)",
    ),
    handled(
        "data_provider_database",
        "the BigQuery project, Snowflake, Redshift or ClickHouse database or Trino catalog of a SQL block's tables \
         (default: the profile's); on DuckDB, PostgreSQL, MySQL and SQL Server the profile names the database, as \
         in Mage",
    ),
    handled(
        "data_provider_profile",
        "the io_config.yaml profile a SQL block connects with",
    ),
    handled(
        "data_provider_schema",
        "the schema of a SQL block's result table and of its upstream tables",
    ),
    handled(
        "data_provider_table",
        "the name of a SQL block's result table (default: <pipeline>_<block>)",
    ),
    refused(
        "data_integration",
        Inert::Empty,
        "Mage runs this block as a data-integration source or destination, and Wand does not run data \
         integration yet; remove it, or run this pipeline with Mage until Wand supports it",
    ),
    handled(
        "dbt",
        "`disable_tests: true` runs `dbt run` (or `snapshot`) instead of `dbt build` for a dbt model block; `command` is a dbt YAML block's dbt command (default run)",
    ),
    handled(
        "dbt_profile_target",
        "the dbt target a dbt block runs with (`--target`, Jinja-rendered with `variables` and `env_var`); default: the profile's",
    ),
    handled(
        "dbt_project_name",
        "a dbt YAML block's dbt project folder (`dbt/<name>` or a path in the project); a model block's is the folder above its file holding `dbt_project.yml`",
    ),
    handled(
        "disable_query_preprocessing",
        "with use_raw_sql, a SQL block's rendered SQL is sent whole in one call, not split into statements, and passes nothing on",
    ),
    warned(
        "disable_output_preview",
        Inert::Empty,
        "Wand previews every stored output; the run is the same (remove the key to silence this)",
    ),
    handled(
        "dynamic",
        "a dynamic block: each block below it runs once per item of its output",
    ),
    handled(
        "export_write_policy",
        "what a SQL block does when its result table exists: append, replace or fail",
    ),
    handled(
        "file_path",
        "the block's file, when `file_source.path` is not set",
    ),
    handled("file_source", "`file_source.path` is the block's file"),
    handled(
        "global_data_product",
        "a global_data_product block's product (`uuid`, in global_data_products.yaml) and its overrides of \
         `outdated_after`, `outdated_starting_at` and `settings`",
    ),
    warned(
        "global_data_products",
        Inert::Empty,
        "Mage 0.9.80 defines these per-block product settings but never reads them in a run, and neither does \
         Wand; remove the key",
    ),
    handled(
        "limit",
        "read by Mage only when a SQL or dbt block runs in its notebook; pipeline runs ignore it there as in Wand, whose editor runs are pipeline runs",
    ),
    handled(
        "limit_in_pipeline_run",
        "caps the rows a SQL block passes on in a pipeline run",
    ),
    handled(
        "reduce_output",
        "a dynamic child whose instances' outputs reach the block below as one list",
    ),
    handled(
        "unique_upstream_table_name",
        "a SQL block on Trino writes its upstream tables as `<table>_<unix time>`; blocks on other databases \
         ignore it in Mage and Wand alike",
    ),
    handled(
        "upstream_block_configuration",
        "a SQL block's names for its upstream tables (`<uuid>: {table_name: [schema.]table}`)",
    ),
    handled(
        "use_raw_sql",
        "a SQL block's statements run as written; no result table is created",
    ),
    refused(
        "variables",
        Inert::Empty,
        "Mage reads upstream outputs in batches, chunks or as generators by these settings, and Wand passes \
         each output whole; remove them, or run this pipeline with Mage until Wand supports it",
    ),
];

/// The keys of a pipeline's `concurrency_config` (`ConcurrencyConfig` in mage_ai/orchestration/concurrency.py,
/// Mage 0.9.80).
pub(crate) const CONCURRENCY_KEYS: &[Rule] = &[
    handled(
        "block_run_limit",
        "at most this many blocks of one run at once",
    ),
    refused(
        "on_pipeline_run_limit_reached",
        Inert::OneOf(&["wait"]),
        "Wand makes runs over the limit wait and does not skip them yet; set it to wait, or run this pipeline \
         with Mage until Wand supports it",
    ),
    handled(
        "pipeline_run_limit",
        "at most this many runs of one trigger at once",
    ),
    handled(
        "pipeline_run_limit_all_triggers",
        "at most this many runs of the pipeline at once",
    ),
];

/// The keys of a `retry_config` (`RetryConfig` in mage_ai/data_preparation/shared/retry.py, Mage 0.9.80).
pub(crate) const RETRY_KEYS: &[Rule] = &[
    handled("delay", "seconds before the first retry"),
    handled("exponential_backoff", "the delay doubles with each retry"),
    handled("max_delay", "the longest delay between retries"),
    handled("retries", "how many times a failed block runs again"),
];

/// The keys of a trigger in `triggers.yaml` (`Trigger` in mage_ai/data_preparation/models/triggers/__init__.py,
/// Mage 0.9.80), plus Wand's `end_time`.
pub(crate) const TRIGGER_KEYS: &[Rule] = &[
    handled("description", "the trigger's description"),
    handled("end_time", "Wand's own: no run is started after it"),
    refused(
        "envs",
        Inert::Empty,
        "Wand does not support it yet (the trigger would fire in every environment); remove it to run the \
         trigger everywhere",
    ),
    handled(
        "last_enabled_at",
        "Wand records when it enables a trigger in its own database, as Mage records it here",
    ),
    handled("name", "the trigger's name, unique in the pipeline"),
    handled(
        "pipeline_uuid",
        "Mage replaces it with the pipeline whose folder holds the file, as Wand does",
    ),
    warned(
        "repo_path",
        Inert::Empty,
        "Wand fires the trigger for the project it serves; remove the key to silence this",
    ),
    handled(
        "schedule_interval",
        "@once, @hourly, ... or a cron expression; @always_on keeps one run of a streaming pipeline going",
    ),
    handled("schedule_type", "time or api (event triggers are refused)"),
    handled("settings", "its keys are checked one by one"),
    handled(
        "sla",
        "seconds after the execution date: a run still going then is marked passed_sla and alerts once",
    ),
    handled("start_time", "no run is started before it"),
    handled("status", "active or inactive"),
    handled("token", "the API trigger's token, part of its URL"),
    handled("variables", "the variables of the trigger's runs"),
];

/// The keys of a trigger's `settings` (`SettingsConfig` in mage_ai/data_preparation/models/triggers/__init__.py,
/// Mage 0.9.80), plus Wand's `catch_up` and `timezone`.
pub(crate) const TRIGGER_SETTINGS_KEYS: &[Rule] = &[
    handled(
        "allow_blocks_to_fail",
        "independent blocks keep running after a block failed",
    ),
    handled(
        "catch_up",
        "Wand's own: what happens to slots missed while Wand was down",
    ),
    handled(
        "create_initial_pipeline_run",
        "the slot current when the trigger is enabled runs",
    ),
    handled(
        "invalid_schedule_interval",
        "Mage's own flag for its UI; Wand refuses an invalid interval itself",
    ),
    refused(
        "landing_time_enabled",
        Inert::NotTrue,
        "Wand does not support it yet (it would start runs at the slot, not so that they land by it); \
         remove it or set it to false",
    ),
    handled(
        "pipeline_run_limit",
        "at most this many runs of the trigger at once",
    ),
    handled(
        "skip_if_previous_running",
        "a slot is skipped while an earlier run is still going",
    ),
    handled("timeout", "a run is stopped after this many seconds"),
    handled("timeout_status", "what a run past its timeout becomes"),
    handled("timezone", "Wand's own: the time zone of the schedule"),
];

/// Every table, by the name of what it classifies (for the classification's listing).
#[cfg(test)]
pub(crate) const TABLES: &[(&str, &[Rule])] = &[
    ("pipeline", PIPELINE_KEYS),
    ("block", BLOCK_KEYS),
    ("block configuration", CONFIGURATION_KEYS),
    ("concurrency_config", CONCURRENCY_KEYS),
    ("retry_config", RETRY_KEYS),
    ("trigger", TRIGGER_KEYS),
    ("trigger settings", TRIGGER_SETTINGS_KEYS),
];

#[cfg(test)]
mod tests;
