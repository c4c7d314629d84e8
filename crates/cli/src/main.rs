//! The `wand` binary: parses the command line, reads configuration once, wires the roles, and maps outcomes to
//! exit codes: 0 (completed), 1 (a block failed), 2 (bad input or infrastructure).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary talks to its user on stdout and stderr"
)]

mod config;
mod display;
mod launcher;
mod local_run;
mod log_mask;
mod retention_cmd;
mod secrets_cmd;
mod serve;
mod telemetry;
mod users_cmd;
mod worker_cmd;
mod worker_role;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Wand: data pipelines of Python blocks, compatible with Mage projects.
#[derive(Debug, Parser)]
#[command(name = "wand", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new project (the same layout as `mage init`).
    Init {
        /// Folder of the new project; it must not exist.
        path: PathBuf,
    },
    /// Run a pipeline once, now, and wait for it (like `mage run`).
    Run(local_run::RunArgs),
    /// Serve the project: the API on 127.0.0.1:6789, the scheduler and local workers (like `mage start`).
    Start(serve::StartArgs),
    /// Run blocks only: claim queued block runs from the shared database (scale-out workers).
    Worker(worker_cmd::WorkerArgs),
    /// Manage the users who may sign in to the server.
    #[command(subcommand)]
    Users(users_cmd::UsersCommand),
    /// Manage the project's secrets, which blocks read with `get_secret_value` and `mage_secret_var`.
    #[command(subcommand)]
    Secrets(secrets_cmd::SecretsCommand),
    /// Delete the block outputs of runs older than `variables_retention_period` (like `mage clean-cached-variables`).
    CleanCachedVariables(retention_cmd::CleanArgs),
    /// Delete the logs of runs older than `logging_config.retention_period` (like `mage clean-old-logs`).
    CleanOldLogs(retention_cmd::CleanArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The secret values this process opens, hidden in its own log as in blocks' logs.
    let masks = model::SharedMask::default();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WAND_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(log_mask::MaskedStderr {
            mask: masks.clone(),
        })
        .init();
    let result = match cli.command {
        Command::Init { path } => init(&path),
        Command::Run(args) => local_run::run(args, masks),
        Command::Start(args) => serve::start(args, masks),
        Command::Worker(args) => worker_cmd::worker(args, masks),
        Command::Users(command) => users_cmd::users(command),
        Command::Secrets(command) => secrets_cmd::secrets(command, masks),
        Command::CleanCachedVariables(args) => retention_cmd::clean_cached_variables(args),
        Command::CleanOldLogs(args) => retention_cmd::clean_old_logs(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes on one line, each cause once: many errors already name their cause in their own message
/// (`path: No such file or directory`), which `{:#}` would repeat.
fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

fn init(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    project::init(path)?;
    println!("Created project {}", path.display());
    println!(
        "Run its example pipeline with: wand run {} example_pipeline",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
