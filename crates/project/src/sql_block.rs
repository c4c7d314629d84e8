//! The load-time checks of a SQL block's `configuration`: a provider Wand runs and an `io_config.yaml` profile
//! that exists, so that a run never starts only to fail on a missing connection.

use std::path::Path;

use model::BlockType;
use serde_json::Value;

/// Mage's `data_provider` values (`DataSource` in mage_ai/io/base.py, Mage 0.9.80) that Wand runs SQL on, with the
/// Python package each needs in the project's `requirements.txt` (the driver its `mage_ai.io` connector imports).
/// Mage's other SQL providers (Druid, Spark) are not databases Wand runs SQL on.
pub const SQL_PROVIDERS: &[(&str, &str)] = &[
    ("duckdb", "duckdb"),
    ("postgres", "psycopg2-binary"),
    ("mysql", "mysql-connector-python"),
    ("bigquery", "google-cloud-bigquery"),
    ("snowflake", "snowflake-connector-python[pandas]"),
    ("redshift", "redshift-connector"),
    ("mssql", "pyodbc"),
    ("clickhouse", "clickhouse-connect"),
    ("trino", "trino"),
];

/// Providers whose block cannot name its table without `data_provider_schema`: BigQuery's dataset has no default
/// in the profile (Mage writes the table to `None.<table>` and fails).
const SCHEMA_REQUIRED: &[&str] = &["bigquery"];

/// The profile Mage's `ConfigFileLoader` reads when a block names none.
const DEFAULT_PROFILE: &str = "default";

/// Block types whose SQL runs in a pipeline (Mage offers SQL for loaders, transformers, exporters and custom
/// blocks).
pub(crate) fn sql_runs_as(block_type: BlockType) -> bool {
    matches!(
        block_type,
        BlockType::DataLoader
            | BlockType::Transformer
            | BlockType::DataExporter
            | BlockType::Custom
    )
}

/// What is wrong with a SQL block's configuration, one message per problem; empty when it can run.
pub(crate) fn sql_block_problems(
    project_root: &Path,
    block_type: BlockType,
    configuration: &Value,
) -> Vec<String> {
    let mut problems = Vec::new();
    if !sql_runs_as(block_type) {
        problems.push(format!(
            "a {} block cannot be written in SQL; use Python, or make it a data_loader, transformer, \
             data_exporter or custom block",
            block_type.as_str()
        ));
        return problems;
    }
    let text = |key: &str| {
        configuration
            .get(key)
            .and_then(Value::as_str)
            .filter(|value| !value.is_empty())
    };
    let known: Vec<&str> = SQL_PROVIDERS.iter().map(|(name, _)| *name).collect();
    match text("data_provider") {
        None => problems.push(format!(
            "a SQL block needs `configuration.data_provider`, the database its SQL runs on: one of {}",
            known.join(", ")
        )),
        Some(provider) if !known.contains(&provider) => problems.push(format!(
            "`configuration.data_provider: {provider}` is not a database Wand runs SQL on; use one of {}",
            known.join(", ")
        )),
        Some(provider) => {
            let raw = configuration.get("use_raw_sql").and_then(Value::as_bool) == Some(true);
            if SCHEMA_REQUIRED.contains(&provider) && !raw && text("data_provider_schema").is_none() {
                problems.push(format!(
                    "a SQL block on `{provider}` writes its table to `configuration.data_provider_schema` (the \
                     dataset), which is not set; set it, or use raw SQL (`use_raw_sql: true`)"
                ));
            }
        }
    }
    for key in ["export_write_policy"] {
        if let Some(policy) = configuration.get(key).filter(|value| !value.is_null())
            && !matches!(policy.as_str(), Some("append" | "replace" | "fail"))
        {
            problems.push(format!(
                "`configuration.{key}` must be append, replace or fail, not {policy}"
            ));
        }
    }
    let profile = text("data_provider_profile").unwrap_or(DEFAULT_PROFILE);
    let config_path = project_root.join("io_config.yaml");
    match std::fs::read_to_string(&config_path) {
        Err(_) => problems.push(format!(
            "a SQL block connects with the `{profile}` profile of io_config.yaml, and the project has no \
             io_config.yaml; create it (`wand init` writes one) with a `{profile}:` profile"
        )),
        Ok(text) => {
            let profiles = io_config_profiles(&text);
            if !profiles.iter().any(|name| name == profile) {
                problems.push(format!(
                    "`configuration.data_provider_profile: {profile}` is not a profile of io_config.yaml (it has {}); \
                     add it there or pick one of those",
                    if profiles.is_empty() {
                        "none".to_owned()
                    } else {
                        profiles.join(", ")
                    }
                ));
            }
        }
    }
    problems
}

/// The profile names of an `io_config.yaml`: its top-level keys but `version`. Read line by line because Mage
/// renders the file as a Jinja template before parsing it, so it need not be valid YAML as written.
pub fn io_config_profiles(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| {
            line.starts_with(|c: char| c.is_alphanumeric() || matches!(c, '_' | '"' | '\''))
        })
        .filter_map(|line| line.split_once(':').map(|(key, _)| key.trim()))
        .map(|key| key.trim_matches(|c| c == '"' || c == '\'').to_owned())
        .filter(|key| key != "version" && !key.contains(' '))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn profiles_are_the_top_level_keys_but_version() {
        let text = "version: 0.1.1\ndefault:\n  POSTGRES_HOST: \"{{ env_var('H') }}\"\n# note: x\n\"dev\":\n  \
                    DUCKDB_DATABASE: a.db\n";
        assert_eq!(io_config_profiles(text), ["default", "dev"]);
    }

    #[test]
    fn a_sql_block_needs_a_known_provider_an_existing_profile_and_a_valid_policy() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path();
        let check =
            |configuration: Value| sql_block_problems(root, BlockType::Transformer, &configuration);
        let no_file = check(json!({"data_provider": "duckdb"}));
        assert_eq!(no_file.len(), 1);
        assert!(no_file[0].contains("has no io_config.yaml"), "{no_file:?}");

        std::fs::write(
            root.join("io_config.yaml"),
            "version: 1\ndefault:\n  DUCKDB_DATABASE: x\n",
        )
        .unwrap();
        assert!(check(json!({"data_provider": "duckdb"})).is_empty());
        assert!(
            check(
                json!({"data_provider": "postgres", "data_provider_profile": "default",
                             "export_write_policy": "fail"})
            )
            .is_empty()
        );

        let problems = check(
            json!({"data_provider": "oracle", "data_provider_profile": "prod",
                                    "export_write_policy": "upsert"}),
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("`configuration.data_provider: oracle` is not a database"));
        assert!(problems[1].contains("append, replace or fail, not \"upsert\""));
        assert!(problems[2].contains("`configuration.data_provider_profile: prod` is not a profile of io_config.yaml (it has default)"));

        // Mage's six warehouses run too; BigQuery's dataset has no default.
        for provider in ["snowflake", "redshift", "mssql", "clickhouse", "trino"] {
            assert!(
                check(json!({"data_provider": provider})).is_empty(),
                "{provider}"
            );
        }
        let no_dataset = check(json!({"data_provider": "bigquery"}));
        assert_eq!(no_dataset.len(), 1, "{no_dataset:?}");
        assert!(
            no_dataset[0]
                .contains("`configuration.data_provider_schema` (the dataset), which is not set")
        );
        assert!(
            check(json!({"data_provider": "bigquery", "data_provider_schema": "shop"})).is_empty()
        );
        assert!(check(json!({"data_provider": "bigquery", "use_raw_sql": true})).is_empty());

        let missing = check(json!({}));
        assert!(missing[0].starts_with("a SQL block needs `configuration.data_provider`"));
        let sensor =
            sql_block_problems(root, BlockType::Sensor, &json!({"data_provider": "duckdb"}));
        assert!(
            sensor[0].contains("a sensor block cannot be written in SQL"),
            "{sensor:?}"
        );
    }
}
