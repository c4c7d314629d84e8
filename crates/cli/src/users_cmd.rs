//! `wand users`: manage the users of a project's server from the command line (`add` creates one, the first owner
//! included). The password is read from standard input or a prompt, never from an argument (which `ps` would show).

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::config;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum UsersCommand {
    /// Add a user; the password comes from standard input (or a prompt on a terminal).
    Add(AddArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct AddArgs {
    /// The project folder.
    project: PathBuf,
    #[arg(long)]
    email: String,
    /// owner, admin, editor or viewer.
    #[arg(long, value_parser = clap::value_parser!(model::Role))]
    role: model::Role,
    /// Where run history is kept (default: $WAND_DATA_DIR, else ~/.wand/<project>).
    #[arg(long, value_name = "PATH")]
    data_dir: Option<PathBuf>,
    /// The database: sqlite://PATH or postgres://... (default: $WAND_DATABASE_URL, else SQLite in the data folder).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

pub(crate) fn users(command: UsersCommand) -> anyhow::Result<ExitCode> {
    match command {
        UsersCommand::Add(args) => add(args),
    }
}

fn add(args: AddArgs) -> anyhow::Result<ExitCode> {
    let password = read_password()?;
    let project = project::Project::open(&args.project)?;
    let data_dir = config::data_dir(args.data_dir, project.name())?;
    tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(async {
            let (store, _) = config::store(args.database_url, &data_dir).await?;
            let request = server::UserRequest {
                email: args.email,
                password,
                role: args.role,
            };
            let user = server::add_user(store.as_ref(), request).await?;
            println!("Added {} ({}) as user {}", user.email, user.role, user.id);
            Ok(ExitCode::SUCCESS)
        })
}

/// The password: a hidden prompt on a terminal (asked twice), else the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let password = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(password == again, "the two passwords differ");
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    anyhow::ensure!(
        !password.is_empty(),
        "give the password on standard input: echo \"$PASSWORD\" | wand users add ..."
    );
    Ok(password)
}
