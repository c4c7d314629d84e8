//! The project's secrets from the command line (`wand secrets set|list|remove`; a value comes from standard input or
//! a hidden prompt, never from an argument, which `ps` would show), and the secrets key every process opens them
//! with: `WAND_SECRETS_KEY`, else the key file `<data dir>/secrets.key` (mode 0600), created on first start.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use model::SharedMask;
use storage::{SecretKey, SecretStore, Store, Vault};

use crate::config::{self, ProjectDatabase};

/// The key file's name in the data folder.
const KEY_FILE: &str = "secrets.key";

#[derive(Debug, clap::Subcommand)]
pub(crate) enum SecretsCommand {
    /// Create a secret or replace its value; the value comes from standard input (or a hidden prompt).
    Set(SetArgs),
    /// List the secrets: names, when and by whom each was set (never values).
    List(ProjectDatabase),
    /// Delete a secret.
    Remove(NameArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct NameArgs {
    #[command(flatten)]
    place: ProjectDatabase,
    /// The secret's name: letters, digits, `_`, `-` and `.`.
    name: String,
}

#[derive(Debug, clap::Args)]
pub(crate) struct SetArgs {
    #[command(flatten)]
    secret: NameArgs,
    /// Keep the value's trailing newline (by default one trailing newline, as `echo` adds, is dropped).
    #[arg(long)]
    keep_newline: bool,
}

pub(crate) fn secrets(command: SecretsCommand, masks: SharedMask) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    match command {
        SecretsCommand::Set(args) => {
            let value = read_value(&args.secret.name, args.keep_newline)?;
            runtime.block_on(async {
                let vault = place_vault(&args.secret.place, masks).await?;
                let info = vault
                    .set(
                        &args.secret.name,
                        &value,
                        Some("wand secrets".to_owned()),
                        chrono::Utc::now(),
                    )
                    .await?;
                println!("Set secret {}", info.name);
                if value.chars().count() < model::MIN_MASKED_CHARS {
                    eprintln!(
                        "warning: values shorter than {} characters are not hidden in logs",
                        model::MIN_MASKED_CHARS
                    );
                }
                Ok(ExitCode::SUCCESS)
            })
        }
        SecretsCommand::List(place) => runtime.block_on(async {
            let vault = place_vault(&place, masks).await?;
            let secrets = vault.list().await?;
            if secrets.is_empty() {
                println!("No secrets; add one with `wand secrets set PROJECT NAME`");
            }
            for secret in secrets {
                let by = secret.updated_by.as_deref().unwrap_or("-");
                println!(
                    "{}\tupdated {} by {by}\tcreated {}",
                    secret.name,
                    secret.updated_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    secret.created_at.format("%Y-%m-%d %H:%M:%S UTC")
                );
            }
            Ok(ExitCode::SUCCESS)
        }),
        SecretsCommand::Remove(args) => runtime.block_on(async {
            let vault = place_vault(&args.place, masks).await?;
            if !vault.delete(&args.name).await? {
                bail!("there is no secret `{}`", args.name);
            }
            println!("Removed secret {}", args.name);
            Ok(ExitCode::SUCCESS)
        }),
    }
}

/// The secrets of the project and database `place` names.
async fn place_vault(place: &ProjectDatabase, masks: SharedMask) -> anyhow::Result<Arc<Vault>> {
    let (data_dir, store) = place.open().await?;
    open_vault(store, &data_dir, masks).await
}

/// The secrets of `store`, opened with the secrets key (see the module's comment), which must be the one they were
/// stored with.
pub(crate) async fn open_vault(
    store: Arc<dyn Store>,
    data_dir: &Path,
    masks: SharedMask,
) -> anyhow::Result<Arc<Vault>> {
    let (key, source) = secrets_key(store.as_ref(), data_dir).await?;
    let vault = Vault::new(store, &key, source, masks);
    vault.check_key().await?;
    Ok(Arc::new(vault))
}

/// The key and where it came from: `WAND_SECRETS_KEY`, else the key file, created (mode 0600) if there is none and
/// the database holds no secret yet.
async fn secrets_key(
    store: &dyn SecretStore,
    data_dir: &Path,
) -> anyhow::Result<(SecretKey, String)> {
    if let Some(text) = config::secrets_key() {
        let key = SecretKey::from_base64(&text).context("WAND_SECRETS_KEY")?;
        return Ok((key, "WAND_SECRETS_KEY".to_owned()));
    }
    let path = data_dir.join(KEY_FILE);
    let source = format!("the key file {}", path.display());
    if !path.exists() {
        if store.secrets_state().await?.is_some() {
            bail!(
                "this database holds secrets, and this process has no key to read them: set WAND_SECRETS_KEY to the \
                 key they were stored with (the content of `{KEY_FILE}` in the data folder of the process that \
                 stored them), or copy that file to {}",
                path.display()
            );
        }
        match create_key_file(&path) {
            Ok(()) => eprintln!("Created the secrets key {}", path.display()),
            // Another process created it meanwhile: read theirs.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => {
                return Err(error).with_context(|| {
                    format!("cannot create the secrets key file {}", path.display())
                });
            }
        }
    }
    Ok((read_key_file(&path)?, source))
}

/// Writes a new random key to `path`, readable by its owner only; fails if the file exists.
fn create_key_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let key = SecretKey::generate().map_err(std::io::Error::other)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(format!("{}\n", key.to_base64()).as_bytes())?;
    file.sync_all()
}

/// The key in the key file at `path`, which only its owner may read.
fn read_key_file(path: &Path) -> anyhow::Result<SecretKey> {
    use std::os::unix::fs::PermissionsExt;
    let mut file = std::fs::File::open(path)
        .with_context(|| format!("cannot read the secrets key file {}", path.display()))?;
    let mode = file.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        bail!(
            "the secrets key file {} can be read by other users (mode {:o}); make it private with `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        );
    }
    let mut text = String::new();
    file.read_to_string(&mut text)
        .with_context(|| format!("cannot read the secrets key file {}", path.display()))?;
    SecretKey::from_base64(&text)
        .with_context(|| format!("the secrets key file {}", path.display()))
}

/// The value: a hidden prompt on a terminal (asked twice), else standard input (one trailing newline dropped
/// unless `keep_newline`).
fn read_value(name: &str, keep_newline: bool) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let value = rpassword::prompt_password(format!("Value of {name}: "))?;
        let again = rpassword::prompt_password("Again: ")?;
        anyhow::ensure!(value == again, "the two values differ");
        return Ok(value);
    }
    let mut value = String::new();
    std::io::stdin()
        .lock()
        .read_to_string(&mut value)
        .context("cannot read the secret's value from standard input")?;
    if !keep_newline && value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    anyhow::ensure!(
        !value.is_empty(),
        "give the value on standard input: printf %s \"$VALUE\" | wand secrets set PROJECT {name}"
    );
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_private_and_a_readable_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        create_key_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let key = read_key_file(&path).unwrap();
        assert_eq!(read_key_file(&path).unwrap().id(), key.id());
        assert_eq!(
            create_key_file(&path).unwrap_err().kind(),
            std::io::ErrorKind::AlreadyExists
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = format!("{:#}", read_key_file(&path).unwrap_err());
        assert!(error.contains("chmod 600"), "{error}");
    }
}
