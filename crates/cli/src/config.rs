//! Configuration read once, here: defaults < `WAND_*` environment variables < flags. Besides the flags clap fills
//! from `WAND_*` variables and main's `WAND_LOG` filter, the only code that reads environment variables (the tidy
//! test checks it): the roles and libraries receive what they need from here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

/// The folder of a project's runtime data (database, outputs, logs): never inside the project tree.
pub(crate) fn data_dir(flag: Option<PathBuf>, project_name: &str) -> anyhow::Result<PathBuf> {
    // Mage's MAGE_DATA_DIR holds a folder per project, as Wand's default does.
    let mage_dir =
        || std::env::var_os("MAGE_DATA_DIR").map(|dir| PathBuf::from(dir).join(project_name));
    let dir = match flag
        .or_else(|| std::env::var_os("WAND_DATA_DIR").map(PathBuf::from))
        .or_else(mage_dir)
    {
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

/// Which project's run history a maintenance command works on (`wand users`, `wand secrets`): its folder and where
/// its history is kept, as `wand start` finds them.
#[derive(Debug, clap::Args)]
pub(crate) struct ProjectDatabase {
    /// The project folder.
    project: PathBuf,
    /// Where run history is kept (default: $WAND_DATA_DIR, else ~/.wand/<project>).
    #[arg(long, value_name = "PATH")]
    data_dir: Option<PathBuf>,
    /// The database: sqlite://PATH or postgres://... (default: $WAND_DATABASE_URL, else SQLite in the data folder).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

impl ProjectDatabase {
    /// The project folder named.
    pub(crate) fn project(&self) -> &Path {
        &self.project
    }

    /// The project's data folder and its store.
    pub(crate) async fn open(&self) -> anyhow::Result<(PathBuf, Arc<dyn storage::Store>)> {
        let project = project::Project::open(&self.project)?;
        let data_dir = data_dir(self.data_dir.clone(), project.name())?;
        let (store, _) = store(self.database_url.clone(), &data_dir).await?;
        Ok((data_dir, store))
    }
}

/// The Python interpreter the user chose for the blocks: `--python`, else `WAND_PYTHON`; none means the project's
/// `.venv`, else the environment `wand` was pip-installed into (`installed_python`), else a new `.venv`.
pub(crate) fn python(flag: Option<PathBuf>) -> Option<PathBuf> {
    flag.or_else(|| std::env::var_os("WAND_PYTHON").map(PathBuf::from))
}

/// The interpreter of the Python environment this binary was installed into by `pip install wand-pipelines`, if
/// it was (`runtime::installed_python` reads the layout around the running executable).
pub(crate) fn installed_python() -> Option<PathBuf> {
    runtime::installed_python(&std::env::current_exe().ok()?)
}

/// The runtime's environment request: `--python`, else `WAND_PYTHON`, else the project's `.venv` if it has one,
/// else the environment `wand` was installed into, else a new `.venv` (`runtime::ensure_python` keeps the order).
pub(crate) fn environment(
    project_root: &Path,
    python: Option<PathBuf>,
) -> runtime::EnvironmentRequest {
    runtime::EnvironmentRequest {
        project_root: project_root.to_owned(),
        explicit: self::python(python),
        installed: installed_python(),
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

/// The shell the server's terminal opens: `SHELL`, else bash; none when Mage's `DISABLE_TERMINAL` is set (to
/// anything but 0 or false).
pub(crate) fn shell() -> anyhow::Result<Option<String>> {
    if flag("DISABLE_TERMINAL")?.unwrap_or(false) {
        return Ok(None);
    }
    Ok(Some(
        std::env::var("SHELL").unwrap_or_else(|_| "/bin/bash".to_owned()),
    ))
}

/// A yes/no environment variable: 1/true/yes/on or 0/false/no/off (any case); unset or empty is `None`.
fn flag(name: &str) -> anyhow::Result<Option<bool>> {
    let Ok(text) = std::env::var(name) else {
        return Ok(None);
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "1" | "true" | "yes" | "on" => Ok(Some(true)),
        "0" | "false" | "no" | "off" => Ok(Some(false)),
        _ => anyhow::bail!("{name}=`{text}` is neither 1/true nor 0/false"),
    }
}

/// When `wand start` asks for sign-in: never with `--no-auth` or Mage's `REQUIRE_USER_AUTHENTICATION=0` (loopback
/// only), always off loopback or with `REQUIRE_USER_AUTHENTICATION=1`, else once a user exists.
pub(crate) fn sign_in(no_auth: bool, host: std::net::IpAddr) -> anyhow::Result<server::SignIn> {
    let required = flag("REQUIRE_USER_AUTHENTICATION")?;
    if no_auth && required == Some(true) {
        anyhow::bail!("--no-auth contradicts REQUIRE_USER_AUTHENTICATION=1: drop one of them");
    }
    if no_auth || required == Some(false) {
        let what = if no_auth {
            "--no-auth"
        } else {
            "REQUIRE_USER_AUTHENTICATION=0"
        };
        if !host.is_loopback() {
            anyhow::bail!(
                "refusing {what} on {host}: off loopback anyone who reaches the port could read your data and run code \
                 on this machine, so sign-in is always required there; drop {what}, or listen on 127.0.0.1"
            );
        }
        return Ok(server::SignIn::Never);
    }
    if !host.is_loopback() || required == Some(true) {
        return Ok(server::SignIn::Always);
    }
    Ok(server::SignIn::OnceUsersExist)
}

/// How long a session lasts: Mage's `MAGE_ACCESS_TOKEN_EXPIRY_TIME` (seconds), else a week.
pub(crate) fn session_lifetime() -> anyhow::Result<std::time::Duration> {
    match std::env::var("MAGE_ACCESS_TOKEN_EXPIRY_TIME") {
        Err(_) => Ok(std::time::Duration::from_secs(7 * 24 * 3600)),
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|seconds| *seconds > 0)
            .map(std::time::Duration::from_secs)
            .with_context(|| {
                format!(
                    "MAGE_ACCESS_TOKEN_EXPIRY_TIME `{text}` is not a number of seconds (1 or more)"
                )
            }),
    }
}

/// Mage's settings Wand does not apply, each with what to do instead; `wand start` prints one warning per variable
/// set, so that nothing is ignored silently.
const MAGE_SETTINGS_NOT_APPLIED: &[(&str, &str)] = &[
    (
        "AUTHENTICATION_MODE",
        "Wand signs users in with its own accounts (wand users add); LDAP and OAuth are not available",
    ),
    (
        "JWT_SECRET",
        "Wand's sessions are server-side and need no signing secret; the variable can go",
    ),
    (
        "REQUIRE_USER_PERMISSIONS",
        "Wand's roles (viewer, editor, admin, owner) always apply",
    ),
    (
        "MAGE_BASE_PATH",
        "Wand serves at the root path; put a proxy that strips the prefix in front of it",
    ),
    (
        "DISABLE_NOTEBOOK_EDIT_ACCESS",
        "give users the viewer role to keep them from editing",
    ),
    (
        "ENABLE_PROMETHEUS",
        "Wand always serves /metrics, behind the API's sign-in (a viewer's API token as Bearer)",
    ),
];

/// One warning per Mage setting in the environment that Wand does not apply.
pub(crate) fn mage_settings_not_applied() -> Vec<String> {
    MAGE_SETTINGS_NOT_APPLIED
        .iter()
        .filter(|(name, _)| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
        .map(|(name, instead)| format!("{name} is set but Wand does not use it: {instead}"))
        .collect()
}

/// How notification settings are read (`notification_config`'s `{{ env_var('NAME') }}` reads this process's
/// environment) and the base of the run links in messages: Mage's `MAGE_PUBLIC_HOST`, else `http://localhost:PORT`.
pub(crate) fn notify_settings(port: u16) -> scheduler::NotifySettings {
    scheduler::NotifySettings {
        env: std::sync::Arc::new(|name| std::env::var(name).ok()),
        public_url: std::env::var("MAGE_PUBLIC_HOST")
            .ok()
            .filter(|host| !host.trim().is_empty())
            .unwrap_or_else(|| format!("http://localhost:{port}")),
    }
}

/// The trusted reverse proxies of `--trusted-proxy` (addresses or CIDR networks).
pub(crate) fn trusted_proxies(entries: &[String]) -> anyhow::Result<Vec<ipnet::IpNet>> {
    entries
        .iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .with_context(|| {
                    format!("--trusted-proxy `{entry}` is neither an address (10.0.0.5) nor a network (10.0.0.0/8)")
                })
        })
        .collect()
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

/// The run history's database: `--database-url`, else `WAND_DATABASE_URL`, else Mage's
/// `MAGE_DATABASE_CONNECTION_URL` (its SQLAlchemy form, `postgresql+psycopg2://...`, is read too), else SQLite in
/// the data folder. Accepts `sqlite://PATH` and `postgres://...`. Returns the store and a description without any
/// password.
pub(crate) async fn store(
    flag: Option<String>,
    data_dir: &Path,
) -> anyhow::Result<(Arc<dyn storage::Store>, String)> {
    let url = flag
        .or_else(|| std::env::var("WAND_DATABASE_URL").ok())
        .or_else(|| {
            std::env::var("MAGE_DATABASE_CONNECTION_URL")
                .ok()
                .map(|url| without_driver(&url))
        });
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

/// A SQLAlchemy URL without its driver: `postgresql+psycopg2://...` is `postgresql://...`.
fn without_driver(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match scheme.split_once('+') {
            Some((dialect, _driver)) => format!("{dialect}://{rest}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
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

/// Where `wand start` exports the traces of runs over OTLP (HTTP/protobuf), from the standard variables:
/// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as it is), else OTEL_EXPORTER_OTLP_ENDPOINT (a base URL, `/v1/traces`
/// appended), named OTEL_SERVICE_NAME (default `wand`). None without an endpoint, or with OTEL_SDK_DISABLED=true.
pub(crate) fn otlp_traces() -> anyhow::Result<Option<crate::telemetry::OtlpTraces>> {
    otlp_traces_from(|name| std::env::var(name).ok())
}

/// `otlp_traces` with the variables read by `variable`.
fn otlp_traces_from(
    variable: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<crate::telemetry::OtlpTraces>> {
    let set = |name: &str| variable(name).filter(|value| !value.trim().is_empty());
    if set("OTEL_SDK_DISABLED").is_some_and(|value| value.trim().eq_ignore_ascii_case("true")) {
        return Ok(None);
    }
    let endpoint = match (
        set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        set("OTEL_EXPORTER_OTLP_ENDPOINT"),
    ) {
        (Some(traces), _) => traces.trim().to_owned(),
        (None, Some(base)) => format!("{}/v1/traces", base.trim().trim_end_matches('/')),
        (None, None) => return Ok(None),
    };
    let protocol =
        set("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").or_else(|| set("OTEL_EXPORTER_OTLP_PROTOCOL"));
    if let Some(protocol) = protocol.filter(|protocol| protocol.trim() != "http/protobuf") {
        anyhow::bail!(
            "OTEL_EXPORTER_OTLP_PROTOCOL is `{protocol}` but Wand exports traces over http/protobuf only: point \
             OTEL_EXPORTER_OTLP_ENDPOINT at the collector's OTLP/HTTP port (4318 by default) and unset the protocol"
        );
    }
    let url = url_of(&endpoint).with_context(|| {
        format!("the OTLP traces endpoint `{endpoint}` is not an http:// or https:// URL")
    })?;
    Ok(Some(crate::telemetry::OtlpTraces {
        endpoint: url,
        service_name: set("OTEL_SERVICE_NAME").unwrap_or_else(|| "wand".to_owned()),
    }))
}

/// `endpoint` if it is an absolute http(s) URL.
fn url_of(endpoint: &str) -> Option<String> {
    let rest = endpoint
        .strip_prefix("http://")
        .or_else(|| endpoint.strip_prefix("https://"))?;
    (!rest.is_empty() && !rest.starts_with('/')).then(|| endpoint.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{redact, without_driver};

    #[test]
    fn mage_database_urls_lose_their_driver() {
        assert_eq!(
            without_driver("postgresql+psycopg2://mage:pw@db:5432/mage"),
            "postgresql://mage:pw@db:5432/mage"
        );
        assert_eq!(
            without_driver("sqlite:////tmp/mage.db"),
            "sqlite:////tmp/mage.db"
        );
        assert_eq!(without_driver("postgres://db/x"), "postgres://db/x");
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgres://wand:s3cret@db:5432/wand"),
            "postgres://wand:***@db:5432/wand"
        );
        assert_eq!(redact("postgres://wand@db/wand"), "postgres://wand@db/wand");
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }

    #[test]
    fn otlp_traces_come_from_the_standard_variables() {
        use super::otlp_traces_from;
        let from = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            otlp_traces_from(move |name| {
                pairs
                    .iter()
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value.clone())
            })
        };
        assert_eq!(from(&[]).unwrap(), None);
        let base = from(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")])
            .unwrap()
            .unwrap();
        assert_eq!(
            (base.endpoint.as_str(), base.service_name.as_str()),
            ("http://collector:4318/v1/traces", "wand")
        );
        let traces = from(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://traces.example/in",
            ),
            ("OTEL_SERVICE_NAME", "etl"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            (traces.endpoint.as_str(), traces.service_name.as_str()),
            ("https://traces.example/in", "etl")
        );
        let disabled = from(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_SDK_DISABLED", "true"),
        ]);
        assert_eq!(disabled.unwrap(), None);
        let grpc = from(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ]);
        assert!(format!("{:#}", grpc.unwrap_err()).contains("http/protobuf only"));
        let relative = from(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]);
        assert!(format!("{:#}", relative.unwrap_err()).contains("not an http:// or https:// URL"));
    }
}
