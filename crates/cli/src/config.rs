//! Configuration read once, here: defaults < `WAND_*` environment variables < flags. Besides the flags clap fills
//! from `WAND_*` variables and main's `WAND_LOG` filter, the only code that reads environment variables (the tidy
//! test checks it): the roles and libraries receive what they need from here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

/// The folder of a project's runtime data (database, outputs, logs): never inside the project tree.
pub(crate) fn data_dir(flag: Option<PathBuf>, project_name: &str) -> anyhow::Result<PathBuf> {
    let dir = match flag.or_else(|| std::env::var_os("WAND_DATA_DIR").map(PathBuf::from)) {
        Some(dir) => dir,
        None => dirs::home_dir()
            .context("cannot find the home folder; pass --data-dir or set WAND_DATA_DIR")?
            .join(".wand")
            .join(project_name),
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create data folder {}", dir.display()))?;
    // Absolute, because stored output and log paths must stay valid from any working directory.
    std::fs::canonicalize(&dir)
        .with_context(|| format!("cannot resolve data folder {}", dir.display()))
}

/// The Python interpreter the user chose for the blocks: `--python`, else `WAND_PYTHON`; none means the project's
/// `.venv`.
pub(crate) fn python(flag: Option<PathBuf>) -> Option<PathBuf> {
    flag.or_else(|| std::env::var_os("WAND_PYTHON").map(PathBuf::from))
}

/// The runtime's environment request: `--python`, else `WAND_PYTHON`, else the project's `.venv`.
pub(crate) fn environment(
    project_root: &Path,
    python: Option<PathBuf>,
) -> runtime::EnvironmentRequest {
    runtime::EnvironmentRequest {
        project_root: project_root.to_owned(),
        explicit: self::python(python),
        uv: which::which("uv").ok(),
        base_python: which::which("python3").unwrap_or_else(|_| PathBuf::from("python3")),
    }
}

/// The user's `PYTHONPATH`, which blocks keep (after Wand's own package).
pub(crate) fn user_python_path() -> Option<std::ffi::OsString> {
    std::env::var_os("PYTHONPATH")
}

/// The shared output store of `--output-store URL` (none: outputs stay in `data_dir`), with its settings from the
/// `AWS_*` environment variables (`AWS_ENDPOINT` and `AWS_ALLOW_HTTP` for S3-compatible servers).
pub(crate) fn output_store(
    data_dir: &Path,
    url: Option<&str>,
) -> anyhow::Result<runtime::OutputStore> {
    let settings: Vec<(String, String)> = std::env::vars()
        .filter(|(name, _)| name.starts_with("AWS_"))
        .collect();
    Ok(runtime::OutputStore::open(data_dir, url, &settings)?)
}

/// The shell the server's terminal opens: `SHELL`, else bash.
pub(crate) fn shell() -> String {
    std::env::var("SHELL").unwrap_or_else(|_| "/bin/bash".to_owned())
}

/// The `ENV` blocks see in their kwargs (Mage's `env`): the `ENV` variable, else `default`.
pub(crate) fn block_env(default: &str) -> String {
    std::env::var("ENV").unwrap_or_else(|_| default.to_owned())
}

/// How long a sensor whose check did not hold waits before its next check: Mage's minute, or
/// `WAND_SENSOR_INTERVAL` seconds (for tests).
pub(crate) fn sensor_interval() -> anyhow::Result<std::time::Duration> {
    match std::env::var("WAND_SENSOR_INTERVAL") {
        Err(_) => Ok(std::time::Duration::from_secs(60)),
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|seconds| std::time::Duration::try_from_secs_f64(seconds).ok())
            .with_context(|| {
                format!("WAND_SENSOR_INTERVAL `{text}` is not a number of seconds (0 or more)")
            }),
    }
}

/// The first owner to create on a first start: `WAND_OWNER_EMAIL` and `WAND_OWNER_PASSWORD`, else Mage's
/// `DEFAULT_OWNER_EMAIL` and `DEFAULT_OWNER_PASSWORD`. Never a default: unset, no owner is made. Half of a pair is
/// an error, so a typo does not leave the server open.
pub(crate) fn first_owner() -> anyhow::Result<Option<(String, String)>> {
    for (email, password) in [
        ("WAND_OWNER_EMAIL", "WAND_OWNER_PASSWORD"),
        ("DEFAULT_OWNER_EMAIL", "DEFAULT_OWNER_PASSWORD"),
    ] {
        match (std::env::var(email).ok(), std::env::var(password).ok()) {
            (Some(email), Some(password)) => return Ok(Some((email, password))),
            (None, None) => {}
            _ => anyhow::bail!(
                "set both {email} and {password} to create the first owner, or neither"
            ),
        }
    }
    Ok(None)
}

/// The secrets key from `WAND_SECRETS_KEY` (base64 of 32 bytes): what every process sharing a database across
/// machines must be given alike. Without it, a process uses the key file in its data folder (`secrets_cmd`).
pub(crate) fn secrets_key() -> Option<String> {
    std::env::var("WAND_SECRETS_KEY")
        .ok()
        .filter(|text| !text.trim().is_empty())
}

/// The run history's database: `--database-url`, else `WAND_DATABASE_URL`, else SQLite in the data folder.
/// Accepts `sqlite://PATH` and `postgres://...`. Returns the store and a description without any password.
pub(crate) async fn store(
    flag: Option<String>,
    data_dir: &Path,
) -> anyhow::Result<(Arc<dyn storage::Store>, String)> {
    let url = flag.or_else(|| std::env::var("WAND_DATABASE_URL").ok());
    match url.as_deref() {
        None => {
            let path = data_dir.join("wand.db");
            let store = storage::SqliteStore::open(&path).await?;
            Ok((Arc::new(store), format!("sqlite://{}", path.display())))
        }
        Some(url) if url.starts_with("sqlite://") => {
            let path = PathBuf::from(url.trim_start_matches("sqlite://"));
            let store = storage::SqliteStore::open(&path).await?;
            Ok((Arc::new(store), format!("sqlite://{}", path.display())))
        }
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let shown = redact(url);
            let store = storage::PgStore::connect(url)
                .await
                .with_context(|| format!("cannot use the database at {shown}"))?;
            Ok((Arc::new(store), shown))
        }
        Some(other) => anyhow::bail!(
            "--database-url `{}` is not supported: use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE",
            redact(other)
        ),
    }
}

/// A database URL with its password replaced, for messages and the settings page.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgres://wand:s3cret@db:5432/wand"),
            "postgres://wand:***@db:5432/wand"
        );
        assert_eq!(redact("postgres://wand@db/wand"), "postgres://wand@db/wand");
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
