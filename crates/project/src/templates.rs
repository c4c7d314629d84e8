//! Block templates: the starting code of a new block, per block type and source (generic, API, a database...),
//! grouped as Mage's "Data sources" menu groups them. The code is in `templates/blocks/`; nothing here runs it.

use model::{BlockType, Language};
use serde::Serialize;

/// Mage's group of files on this machine (Mage lists them ungrouped).
const GROUP_FILES: &str = "Files";
/// Mage's group of HTTP APIs and online spreadsheets (Mage lists them ungrouped).
const GROUP_APIS: &str = "APIs";
/// Mage's `GROUP_DATA_LAKES` (`mage_ai/data_preparation/templates/constants.py`): object stores.
const GROUP_DATA_LAKES: &str = "Data lakes";
/// Mage's `GROUP_DATA_WAREHOUSES`.
const GROUP_DATA_WAREHOUSES: &str = "Data warehouses";
/// Mage's `GROUP_DATABASES`.
const GROUP_DATABASES: &str = "Databases";
/// Mage's `GROUP_DATABASES_NO_SQL`.
const GROUP_DATABASES_NO_SQL: &str = "Databases (NoSQL)";

/// The groups, in the order a menu shows them (after the templates of no group).
pub const TEMPLATE_GROUPS: &[&str] = &[
    GROUP_FILES,
    GROUP_APIS,
    GROUP_DATA_LAKES,
    GROUP_DATA_WAREHOUSES,
    GROUP_DATABASES,
    GROUP_DATABASES_NO_SQL,
];

/// A template a new block can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BlockTemplate {
    /// `<block type>/<source>`, e.g. `data_loader/api`; a SQL template for one database is
    /// `<block type>/sql/<data_provider>`, e.g. `data_loader/sql/postgres`.
    pub key: &'static str,
    pub block_type: BlockType,
    pub language: Language,
    /// What the UI shows: "API", "Local file", ...
    pub label: &'static str,
    /// The "Data sources" group the UI shows it under (one of `TEMPLATE_GROUPS`); none for the generic ones.
    pub group: Option<&'static str>,
    /// For a SQL template for one database: the block's `configuration.data_provider` (Mage's name, `postgres`).
    pub data_provider: Option<&'static str>,
    /// The file under `templates/blocks/` the code comes from.
    #[serde(skip)]
    pub file: &'static str,
    #[serde(skip)]
    pub code: &'static str,
}

macro_rules! template {
    (@option) => {
        None
    };
    (@option $value:expr) => {
        Some($value)
    };
    ($key:literal, $kind:ident, $language:ident, $label:literal, $file:literal
        $(, group: $group:expr)? $(, provider: $provider:literal)?) => {
        BlockTemplate {
            key: $key,
            block_type: BlockType::$kind,
            language: Language::$language,
            label: $label,
            group: template!(@option $($group)?),
            data_provider: template!(@option $($provider)?),
            file: $file,
            code: include_str!(concat!("../templates/blocks/", $file)),
        }
    };
}

/// Every template, in the order a menu shows them (within a group).
pub const BLOCK_TEMPLATES: &[BlockTemplate] = &[
    // Data loaders, in Python.
    template!(
        "data_loader/generic",
        DataLoader,
        Python,
        "Generic (no template)",
        "data_loader_generic.py"
    ),
    template!("data_loader/file", DataLoader, Python, "Local file", "data_loader_file.py", group: GROUP_FILES),
    template!("data_loader/api", DataLoader, Python, "API", "data_loader_api.py", group: GROUP_APIS),
    template!("data_loader/google_sheets", DataLoader, Python, "Google Sheets", "data_loader_google_sheets.py",
        group: GROUP_APIS),
    template!("data_loader/s3", DataLoader, Python, "Amazon S3", "data_loader_s3.py", group: GROUP_DATA_LAKES),
    template!("data_loader/azure_blob_storage", DataLoader, Python, "Azure Blob Storage",
        "data_loader_azure_blob_storage.py", group: GROUP_DATA_LAKES),
    template!("data_loader/google_cloud_storage", DataLoader, Python, "Google Cloud Storage",
        "data_loader_google_cloud_storage.py", group: GROUP_DATA_LAKES),
    template!("data_loader/redshift", DataLoader, Python, "Amazon Redshift", "data_loader_redshift.py",
        group: GROUP_DATA_WAREHOUSES),
    template!("data_loader/bigquery", DataLoader, Python, "Google BigQuery", "data_loader_bigquery.py",
        group: GROUP_DATA_WAREHOUSES),
    template!("data_loader/snowflake", DataLoader, Python, "Snowflake", "data_loader_snowflake.py",
        group: GROUP_DATA_WAREHOUSES),
    template!("data_loader/trino", DataLoader, Python, "Trino", "data_loader_trino.py",
        group: GROUP_DATA_WAREHOUSES),
    template!("data_loader/clickhouse", DataLoader, Python, "ClickHouse", "data_loader_clickhouse.py",
        group: GROUP_DATABASES),
    template!("data_loader/duckdb", DataLoader, Python, "DuckDB", "data_loader_duckdb.py", group: GROUP_DATABASES),
    template!("data_loader/mssql", DataLoader, Python, "Microsoft SQL Server", "data_loader_mssql.py",
        group: GROUP_DATABASES),
    template!("data_loader/mysql", DataLoader, Python, "MySQL", "data_loader_mysql.py", group: GROUP_DATABASES),
    template!("data_loader/postgres", DataLoader, Python, "PostgreSQL", "data_loader_postgres.py",
        group: GROUP_DATABASES),
    template!("data_loader/mongodb", DataLoader, Python, "MongoDB", "data_loader_mongodb.py",
        group: GROUP_DATABASES_NO_SQL),
    // Data loaders, in SQL: on the database of the block's profile, or on one database.
    template!(
        "data_loader/sql",
        DataLoader,
        Sql,
        "Generic (the profile's database)",
        "data_loader_sql.sql"
    ),
    template!("data_loader/sql/redshift", DataLoader, Sql, "Amazon Redshift", "data_loader_sql.sql",
        group: GROUP_DATA_WAREHOUSES, provider: "redshift"),
    template!("data_loader/sql/bigquery", DataLoader, Sql, "Google BigQuery", "data_loader_sql.sql",
        group: GROUP_DATA_WAREHOUSES, provider: "bigquery"),
    template!("data_loader/sql/snowflake", DataLoader, Sql, "Snowflake", "data_loader_sql.sql",
        group: GROUP_DATA_WAREHOUSES, provider: "snowflake"),
    template!("data_loader/sql/trino", DataLoader, Sql, "Trino", "data_loader_sql.sql",
        group: GROUP_DATA_WAREHOUSES, provider: "trino"),
    template!("data_loader/sql/clickhouse", DataLoader, Sql, "ClickHouse", "data_loader_sql.sql",
        group: GROUP_DATABASES, provider: "clickhouse"),
    template!("data_loader/sql/duckdb", DataLoader, Sql, "DuckDB", "data_loader_sql.sql",
        group: GROUP_DATABASES, provider: "duckdb"),
    template!("data_loader/sql/mssql", DataLoader, Sql, "Microsoft SQL Server", "data_loader_sql.sql",
        group: GROUP_DATABASES, provider: "mssql"),
    template!("data_loader/sql/mysql", DataLoader, Sql, "MySQL", "data_loader_sql.sql",
        group: GROUP_DATABASES, provider: "mysql"),
    template!("data_loader/sql/postgres", DataLoader, Sql, "PostgreSQL", "data_loader_sql.sql",
        group: GROUP_DATABASES, provider: "postgres"),
    // Transformers.
    template!(
        "transformer/generic",
        Transformer,
        Python,
        "Generic (no template)",
        "transformer_generic.py"
    ),
    template!(
        "transformer/sql",
        Transformer,
        Sql,
        "Generic (the profile's database)",
        "transformer_sql.sql"
    ),
    // Data exporters, in Python.
    template!(
        "data_exporter/generic",
        DataExporter,
        Python,
        "Generic (no template)",
        "data_exporter_generic.py"
    ),
    template!("data_exporter/file", DataExporter, Python, "Local file", "data_exporter_file.py",
        group: GROUP_FILES),
    template!("data_exporter/google_sheets", DataExporter, Python, "Google Sheets",
        "data_exporter_google_sheets.py", group: GROUP_APIS),
    template!("data_exporter/s3", DataExporter, Python, "Amazon S3", "data_exporter_s3.py",
        group: GROUP_DATA_LAKES),
    template!("data_exporter/azure_blob_storage", DataExporter, Python, "Azure Blob Storage",
        "data_exporter_azure_blob_storage.py", group: GROUP_DATA_LAKES),
    template!("data_exporter/google_cloud_storage", DataExporter, Python, "Google Cloud Storage",
        "data_exporter_google_cloud_storage.py", group: GROUP_DATA_LAKES),
    template!("data_exporter/redshift", DataExporter, Python, "Amazon Redshift", "data_exporter_redshift.py",
        group: GROUP_DATA_WAREHOUSES),
    template!("data_exporter/bigquery", DataExporter, Python, "Google BigQuery", "data_exporter_bigquery.py",
        group: GROUP_DATA_WAREHOUSES),
    template!("data_exporter/snowflake", DataExporter, Python, "Snowflake", "data_exporter_snowflake.py",
        group: GROUP_DATA_WAREHOUSES),
    template!("data_exporter/trino", DataExporter, Python, "Trino", "data_exporter_trino.py",
        group: GROUP_DATA_WAREHOUSES),
    template!("data_exporter/clickhouse", DataExporter, Python, "ClickHouse", "data_exporter_clickhouse.py",
        group: GROUP_DATABASES),
    template!("data_exporter/duckdb", DataExporter, Python, "DuckDB", "data_exporter_duckdb.py",
        group: GROUP_DATABASES),
    template!("data_exporter/mssql", DataExporter, Python, "Microsoft SQL Server", "data_exporter_mssql.py",
        group: GROUP_DATABASES),
    template!("data_exporter/mysql", DataExporter, Python, "MySQL", "data_exporter_mysql.py",
        group: GROUP_DATABASES),
    template!("data_exporter/postgres", DataExporter, Python, "PostgreSQL", "data_exporter_postgres.py",
        group: GROUP_DATABASES),
    template!("data_exporter/mongodb", DataExporter, Python, "MongoDB", "data_exporter_mongodb.py",
        group: GROUP_DATABASES_NO_SQL),
    // Data exporters, in SQL.
    template!(
        "data_exporter/sql",
        DataExporter,
        Sql,
        "Generic (the profile's database)",
        "data_exporter_sql.sql"
    ),
    template!("data_exporter/sql/redshift", DataExporter, Sql, "Amazon Redshift", "data_exporter_sql.sql",
        group: GROUP_DATA_WAREHOUSES, provider: "redshift"),
    template!("data_exporter/sql/bigquery", DataExporter, Sql, "Google BigQuery", "data_exporter_sql.sql",
        group: GROUP_DATA_WAREHOUSES, provider: "bigquery"),
    template!("data_exporter/sql/snowflake", DataExporter, Sql, "Snowflake", "data_exporter_sql.sql",
        group: GROUP_DATA_WAREHOUSES, provider: "snowflake"),
    template!("data_exporter/sql/trino", DataExporter, Sql, "Trino", "data_exporter_sql.sql",
        group: GROUP_DATA_WAREHOUSES, provider: "trino"),
    template!("data_exporter/sql/clickhouse", DataExporter, Sql, "ClickHouse", "data_exporter_sql.sql",
        group: GROUP_DATABASES, provider: "clickhouse"),
    template!("data_exporter/sql/duckdb", DataExporter, Sql, "DuckDB", "data_exporter_sql.sql",
        group: GROUP_DATABASES, provider: "duckdb"),
    template!("data_exporter/sql/mssql", DataExporter, Sql, "Microsoft SQL Server", "data_exporter_sql.sql",
        group: GROUP_DATABASES, provider: "mssql"),
    template!("data_exporter/sql/mysql", DataExporter, Sql, "MySQL", "data_exporter_sql.sql",
        group: GROUP_DATABASES, provider: "mysql"),
    template!("data_exporter/sql/postgres", DataExporter, Sql, "PostgreSQL", "data_exporter_sql.sql",
        group: GROUP_DATABASES, provider: "postgres"),
    // The other types.
    template!(
        "custom/generic",
        Custom,
        Python,
        "Generic (no template)",
        "custom_generic.py"
    ),
    template!(
        "custom/sql",
        Custom,
        Sql,
        "Generic (the profile's database)",
        "custom_sql.sql"
    ),
    template!(
        "sensor/generic",
        Sensor,
        Python,
        "Generic (no template)",
        "sensor_generic.py"
    ),
    template!(
        "scratchpad/generic",
        Scratchpad,
        Python,
        "Scratchpad",
        "scratchpad_generic.py"
    ),
    template!(
        "markdown/generic",
        Markdown,
        Markdown,
        "Markdown",
        "markdown_generic.md"
    ),
];

/// The templates a new block may start from now: all but the SQL ones for a database Wand does not run SQL blocks
/// on yet (`SQL_PROVIDERS`), which appear once it does.
pub fn offered_templates() -> impl Iterator<Item = &'static BlockTemplate> {
    BLOCK_TEMPLATES.iter().filter(|template| {
        template.data_provider.is_none_or(|provider| {
            crate::SQL_PROVIDERS
                .iter()
                .any(|(name, _)| *name == provider)
        })
    })
}

/// The template with this key (offered or not: a block from a SQL template for a database Wand does not run SQL on
/// is refused, with the reason, when its pipeline is validated).
pub fn block_template(key: &str) -> Option<&'static BlockTemplate> {
    BLOCK_TEMPLATES.iter().find(|template| template.key == key)
}

/// The generic SQL template of a block type, if SQL blocks of that type run (data loaders, transformers, exporters,
/// custom).
pub fn sql_template(block_type: BlockType) -> Option<&'static BlockTemplate> {
    BLOCK_TEMPLATES.iter().find(|template| {
        template.block_type == block_type
            && template.language == Language::Sql
            && template.data_provider.is_none()
    })
}

/// The generic template of a block type, if it has one.
pub fn generic_template(block_type: BlockType) -> Option<&'static BlockTemplate> {
    BLOCK_TEMPLATES
        .iter()
        .find(|template| template.block_type == block_type && template.key.ends_with("/generic"))
}

#[cfg(test)]
mod tests;
