//! End-to-end tests: the real `wand` binary on the projects in `fixtures/` and `examples/`, with a real Python
//! (set `WAND_PYTHON` to an interpreter with pandas, pyarrow and pyyaml).

mod addons;
mod backfills;
mod contract;
mod dbt_blocks;
mod dynamic;
mod failures;
mod global_data_products;
mod init;
mod logs;
mod metrics;
mod notifications;
#[path = "../../../../tests/required_env.rs"]
mod required_env;
mod rerun_block;
mod retention;
mod run_model;
mod run_pipelines;
mod scale_out;
mod secrets;
mod sensors;
mod server;
mod serving;
mod sql_blocks;
mod streaming;
mod support;
mod tidy;
mod trigger_pipeline;
mod users;
mod validation;
