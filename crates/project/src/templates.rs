//! Block templates: the starting code of a new block, per block type and source (generic, API, file, ...).

use model::{BlockType, Language};
use serde::Serialize;

/// A template a new block can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BlockTemplate {
    /// `<block type>/<source>`, e.g. `data_loader/api`.
    pub key: &'static str,
    pub block_type: BlockType,
    pub language: Language,
    /// What the UI shows: "API", "Local file", ...
    pub label: &'static str,
    #[serde(skip)]
    pub code: &'static str,
}

macro_rules! template {
    ($key:literal, $kind:ident, $language:ident, $label:literal, $file:literal) => {
        BlockTemplate {
            key: $key,
            block_type: BlockType::$kind,
            language: Language::$language,
            label: $label,
            code: include_str!(concat!("../templates/blocks/", $file)),
        }
    };
}

/// Every template, in the order a menu shows them.
pub const BLOCK_TEMPLATES: &[BlockTemplate] = &[
    template!(
        "data_loader/generic",
        DataLoader,
        Python,
        "Generic (no template)",
        "data_loader_generic.py"
    ),
    template!(
        "data_loader/api",
        DataLoader,
        Python,
        "API",
        "data_loader_api.py"
    ),
    template!(
        "data_loader/file",
        DataLoader,
        Python,
        "Local file",
        "data_loader_file.py"
    ),
    template!(
        "data_loader/postgres",
        DataLoader,
        Python,
        "PostgreSQL",
        "data_loader_postgres.py"
    ),
    template!(
        "data_loader/duckdb",
        DataLoader,
        Python,
        "DuckDB",
        "data_loader_duckdb.py"
    ),
    template!(
        "data_loader/sql",
        DataLoader,
        Sql,
        "SQL",
        "data_loader_sql.sql"
    ),
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
        "SQL",
        "transformer_sql.sql"
    ),
    template!(
        "data_exporter/generic",
        DataExporter,
        Python,
        "Generic (no template)",
        "data_exporter_generic.py"
    ),
    template!(
        "data_exporter/file",
        DataExporter,
        Python,
        "Local file",
        "data_exporter_file.py"
    ),
    template!(
        "data_exporter/postgres",
        DataExporter,
        Python,
        "PostgreSQL",
        "data_exporter_postgres.py"
    ),
    template!(
        "data_exporter/duckdb",
        DataExporter,
        Python,
        "DuckDB",
        "data_exporter_duckdb.py"
    ),
    template!(
        "data_exporter/sql",
        DataExporter,
        Sql,
        "SQL",
        "data_exporter_sql.sql"
    ),
    template!(
        "custom/generic",
        Custom,
        Python,
        "Generic (no template)",
        "custom_generic.py"
    ),
    template!("custom/sql", Custom, Sql, "SQL", "custom_sql.sql"),
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

/// The template with this key.
pub fn block_template(key: &str) -> Option<&'static BlockTemplate> {
    BLOCK_TEMPLATES.iter().find(|template| template.key == key)
}

/// The SQL template of a block type, if SQL blocks of that type run (data loaders, transformers, exporters, custom).
pub fn sql_template(block_type: BlockType) -> Option<&'static BlockTemplate> {
    BLOCK_TEMPLATES
        .iter()
        .find(|template| template.block_type == block_type && template.language == Language::Sql)
}

/// The generic template of a block type, if it has one.
pub fn generic_template(block_type: BlockType) -> Option<&'static BlockTemplate> {
    BLOCK_TEMPLATES
        .iter()
        .find(|template| template.block_type == block_type && template.key.ends_with("/generic"))
}
