//! `wand users`: manage the users of a project's server from the command line (`add` creates one, the first owner
//! included; `list`; `remove`). The password is read from standard input or a prompt, never from an argument (which
//! `ps` would show).

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;

use crate::config::ProjectDatabase;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum UsersCommand {
    /// Add a user; the password comes from standard input (or a prompt on a terminal).
    Add(AddArgs),
    /// List the users: id, email, role, created.
    List(ProjectDatabase),
    /// Remove a user (its sessions and API tokens go with it); the last owner stays.
    Remove(RemoveArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct RemoveArgs {
    #[command(flatten)]
    at: ProjectDatabase,
    #[arg(long)]
    email: String,
}

#[derive(Debug, clap::Args)]
pub(crate) struct AddArgs {
    #[command(flatten)]
    at: ProjectDatabase,
    #[arg(long)]
    email: String,
    /// owner, admin, editor or viewer.
    #[arg(long, value_parser = clap::value_parser!(model::Role))]
    role: model::Role,
}

pub(crate) fn users(command: UsersCommand) -> anyhow::Result<ExitCode> {
    match command {
        UsersCommand::Add(args) => add(args),
        UsersCommand::List(at) => list(at),
        UsersCommand::Remove(args) => remove(args),
    }
}

/// Runs `work` against the store of the project `at` names.
fn with_store<T>(
    at: ProjectDatabase,
    work: impl AsyncFnOnce(&dyn storage::Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(async {
            let (_, store) = at.open().await?;
            work(store.as_ref()).await
        })
}

fn list(at: ProjectDatabase) -> anyhow::Result<ExitCode> {
    let users = with_store(at, async |store| Ok(store.users().await?))?;
    if users.is_empty() {
        println!(
            "No users: the server asks for no sign-in on loopback. Add the owner with `wand users add`."
        );
    }
    for user in users {
        println!(
            "{:>4}  {:<40} {:<7} created {}",
            user.id,
            user.email,
            user.role.as_str(),
            user.created_at.format("%Y-%m-%d %H:%M UTC")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(args: RemoveArgs) -> anyhow::Result<ExitCode> {
    let email = model::normalize_email(&args.email);
    with_store(args.at, async |store| {
        let users = store.users().await?;
        let user = users
            .iter()
            .find(|user| user.email == email)
            .with_context(|| format!("there is no user {email} (`wand users list` shows them)"))?;
        let owners = users
            .iter()
            .filter(|user| user.role == model::Role::Owner)
            .count();
        anyhow::ensure!(
            user.role != model::Role::Owner || owners > 1,
            "{email} is the last owner: add another owner first"
        );
        store.delete_user(user.id).await?;
        println!("Removed {email}; its sessions and API tokens are gone with it");
        Ok(ExitCode::SUCCESS)
    })
}

fn add(args: AddArgs) -> anyhow::Result<ExitCode> {
    let password = read_password()?;
    let request = server::UserRequest {
        email: args.email,
        password,
        role: args.role,
    };
    let user = with_store(args.at, async |store| {
        Ok(server::add_user(store, request).await?)
    })?;
    println!("Added {} ({}) as user {}", user.email, user.role, user.id);
    Ok(ExitCode::SUCCESS)
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
