//! The on-disk, Mage-compatible project format: open a project, load and validate its pipelines,
//! write pipeline files back without losing keys, and scaffold new projects like `mage init`.
//!
//! Everything here works on files; nothing runs user code.

mod addon_edit;
mod dbt_block;
mod dbt_catalog;
mod dbt_edit;
mod disk;
mod edit;
mod error;
mod files;
mod global_data_products;
mod mage_keys;
mod notifications;
mod pipeline_file;
mod platform;
mod project;
mod retention;
mod scaffold;
mod settings;
mod snapshot;
mod sql_block;
mod streaming;
mod templates;
mod triggers_file;

pub use dbt_catalog::{DbtLineage, DbtModel, DbtNode};
pub use edit::{BlockSource, NewBlock, io_config_providers, slug};
pub use error::{Diagnostic, ProjectError, Severity};
pub use files::{FileContent, FileEntry};
pub use global_data_products::{GLOBAL_DATA_PRODUCTS_FILE, GlobalDataProducts};
pub use pipeline_file::PipelineFile;
pub use platform::platform_root;
pub use project::{LoadedPipeline, Project};
pub use retention::RetentionSettings;
pub use scaffold::init;
pub use settings::ProjectSettings;
pub use snapshot::{
    CODE_EXTENSIONS, CodeHasher, CodeSnapshot, MAX_FILE_BYTES, code_hash, snapshot, unpack,
};
pub use sql_block::{SQL_PROVIDERS, io_config_profiles};
pub use templates::{
    BLOCK_TEMPLATES, BlockTemplate, TEMPLATE_GROUPS, block_template, generic_template,
    offered_templates, sql_template,
};
pub use triggers_file::DeclaredTriggers;
