//! `wand start`: creates the project if it is missing (like `mage start`), then serves the API on 127.0.0.1:6789
//! (or another address, with sign-in always required off loopback; over HTTPS with a certificate) and runs the
//! scheduler and local workers in the same process until Ctrl-C.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use project::Project;
use scheduler::{Scheduler, SystemClock};
use server::AppState;
use tokio::sync::{broadcast, watch};

use crate::config;
use crate::launcher::SchedulerLauncher;
use crate::worker_role::WorkerRole;

#[derive(Debug, clap::Args)]
pub(crate) struct StartArgs {
    /// The project folder; created (like `wand init`) if it does not exist.
    project: PathBuf,
    /// The `worker_tag`s this server's own workers serve (comma-separated; add `default` to keep untagged
    /// blocks). Without it, its workers run untagged blocks and tagged ones wait for `wand worker --tags`.
    #[arg(long, value_name = "TAG,...", value_delimiter = ',')]
    tags: Vec<String>,
    /// How long a worker's claim on a block run lasts without a heartbeat (seconds). After a crash, the block
    /// runs of the dead process are recovered once their lease has expired.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    lease_seconds: u64,
    /// The address to listen on. Off loopback (0.0.0.0 to listen everywhere) sign-in is always required and an
    /// owner must exist (`wand users add`, or WAND_OWNER_EMAIL and WAND_OWNER_PASSWORD on the first start).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Serve without sign-in even once users exist (loopback only; refused off loopback). Mage's
    /// REQUIRE_USER_AUTHENTICATION=0 means the same.
    #[arg(long)]
    no_auth: bool,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key); session cookies are then `Secure`.
    #[arg(long, value_name = "PATH", env = "WAND_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PATH", env = "WAND_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Reverse proxies in front of Wand (addresses or networks, comma-separated) whose X-Forwarded-For names the
    /// client, for the sign-in rate limit and the audit trail.
    #[arg(
        long,
        value_name = "ADDRESS,...",
        value_delimiter = ',',
        env = "WAND_TRUSTED_PROXIES"
    )]
    trusted_proxy: Vec<String>,
    /// Origins of a reverse proxy in front of Wand (https://wand.example.com, comma-separated) whose pages may
    /// change state and open the terminal; Wand answers only its own loopback names and these hosts.
    #[arg(
        long,
        value_name = "ORIGIN,...",
        value_delimiter = ',',
        env = "WAND_ALLOWED_ORIGINS"
    )]
    allowed_origin: Vec<String>,
    #[arg(long, default_value_t = 6789)]
    port: u16,
    /// How many blocks the local worker runs at once; 0 runs no worker in this process.
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// The Python interpreter for the blocks (default: $WAND_PYTHON, else the project's .venv if it has one, else
    /// the Python environment wand was pip-installed into, else a new .venv).
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// A store every machine reaches, for block outputs when workers run on several machines: file:///shared/path
    /// or s3://bucket/prefix (S3-compatible servers through AWS_ENDPOINT and the other AWS_* variables).
    #[arg(long, value_name = "URL", env = "WAND_OUTPUT_STORE")]
    output_store: Option<String>,
    /// Where run history, outputs and logs go (default: $WAND_DATA_DIR, else ~/.wand/<project>).
    #[arg(long, value_name = "PATH")]
    data_dir: Option<PathBuf>,
    /// The run history's database: sqlite://PATH or postgres://... (default: $WAND_DATABASE_URL, else SQLite in
    /// the data folder).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

pub(crate) fn start(args: StartArgs, masks: model::SharedMask) -> anyhow::Result<ExitCode> {
    tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(start_async(args, masks))
}

async fn start_async(args: StartArgs, masks: model::SharedMask) -> anyhow::Result<ExitCode> {
    let sign_in = config::sign_in(args.no_auth, args.host)?;
    let mut trusted_origins =
        server::TrustedOrigins::parse(&args.allowed_origin).map_err(anyhow::Error::msg)?;
    if !args.host.is_loopback() {
        trusted_origins = trusted_origins.answering_any_host();
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            Some(server::Tls::from_pem_files(cert, key).map_err(anyhow::Error::msg)?)
        }
        _ => None,
    };
    let auth_settings = server::AuthSettings {
        sign_in,
        session_lifetime: config::session_lifetime()?,
        https: tls.is_some(),
        trusted_proxies: config::trusted_proxies(&args.trusted_proxy)?,
    };
    let shell = config::shell()?;
    let traces = config::otlp_traces()?
        .map(|otlp| crate::telemetry::RunTraces::new(&otlp))
        .transpose()?;
    for warning in config::mage_settings_not_applied() {
        eprintln!("warning: {warning}");
    }
    if !args.project.exists() {
        project::init(&args.project)?;
        eprintln!("Created project {}", args.project.display());
    }
    let project = Project::open(&args.project)?;
    let data_dir = config::data_dir(args.data_dir, project.name())?;
    let (store, database) = config::store(args.database_url.clone(), &data_dir).await?;
    let outputs = config::output_store(&data_dir, args.output_store.as_deref())?;
    create_first_owner(store.as_ref()).await?;
    if sign_in == server::SignIn::Always && store.user_count().await? == 0 {
        bail!(
            "sign-in is required ({}) but there is no user yet: create the owner first with \
             `wand users add {} --email EMAIL --role owner` (it asks for the password), or set WAND_OWNER_EMAIL and \
             WAND_OWNER_PASSWORD for this start",
            if args.host.is_loopback() {
                "REQUIRE_USER_AUTHENTICATION=1".to_owned()
            } else {
                format!("listening on {}", args.host)
            },
            args.project.display()
        );
    }
    let secrets = crate::secrets_cmd::open_vault(store.clone(), &data_dir, masks).await?;
    // Before the roles start, so that nothing they record is lost.
    server::install_metrics();
    let (notices, _) = broadcast::channel(4096);
    let (logs, _) = broadcast::channel(16_384);
    let lease = Duration::from_secs(args.lease_seconds.max(1));
    let scheduler = Arc::new(
        Scheduler::new(
            store.clone(),
            notices.clone(),
            Arc::new(SystemClock),
            project.clone(),
        )
        .with_lease_restart_grace(lease)
        .with_notifications(config::notify_settings(args.port)),
    );
    let (stop, stopped) = watch::channel(false);
    let mut roles = vec![
        tokio::spawn(crate::telemetry::watch_runs(
            store.clone(),
            notices.subscribe(),
            traces,
            stopped.clone(),
        )),
        tokio::spawn(
            scheduler
                .clone()
                .run(stopped.clone(), Duration::from_secs(1)),
        ),
    ];
    // Sends the notifications the scheduler records (any replica may send one; each is claimed once).
    let notifier = Arc::new(notifier::Notifier::new(
        store.clone(),
        project.clone(),
        config::notify_settings(args.port),
    ));
    // What the project's notification settings say wrong (a channel Wand does not send to, a template it cannot
    // render): said once at start, naming the file and the key; never a value.
    match notifier.channels() {
        Ok(list) => {
            for problem in list.problems {
                eprintln!(
                    "warning: {}: {problem}",
                    project.root().join("metadata.yaml").display()
                );
            }
        }
        Err(error) => eprintln!(
            "warning: {}: notification_config: {error}",
            project.root().join("metadata.yaml").display()
        ),
    }
    roles.push(tokio::spawn(notifier.clone().run(
        notices.clone(),
        stopped.clone(),
        Duration::from_secs(2),
    )));

    roles.push(tokio::spawn(crate::retention_cmd::periodic(
        store.clone(),
        project.clone(),
        data_dir.clone(),
        stopped.clone(),
    )));

    let concurrency = args.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(2)
    });
    if concurrency > 0 {
        // The Python environment may take a while to build on first start: serve at once, run blocks when ready.
        let worker = WorkerRole {
            store: store.clone(),
            notices: notices.clone(),
            logs: logs.clone(),
            project: Some(project.clone()),
            data_dir: data_dir.clone(),
            outputs: outputs.clone(),
            tags: args.tags.clone(),
            python: args.python.clone(),
            concurrency,
            lease,
            sensor_interval: config::sensor_interval()?,
            launcher: Some(Arc::new(SchedulerLauncher::new(scheduler.clone()))),
            secrets: secrets.clone(),
            name: "wand-start",
        };
        roles.push(tokio::spawn(worker.run(stopped.clone())));
    }

    let state = AppState {
        store,
        scheduler,
        notices,
        logs,
        project: project.clone(),
        data_dir,
        outputs,
        database,
        shell,
        environment: config::environment(project.root(), args.python.clone()),
        trusted_origins,
        auth: server::Auth::new(auth_settings),
        secrets,
        notifier,
    };
    let address = SocketAddr::new(args.host, args.port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {address}; is another server using port {}? pass --port",
                args.port
            )
        })?;
    let address = listener.local_addr().unwrap_or(address);
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "Wand is serving project `{}` on {scheme}://{address}",
        project.name()
    );
    eprintln!(
        "{}",
        match sign_in {
            server::SignIn::Never => "Sign-in: never (--no-auth)",
            server::SignIn::OnceUsersExist =>
                "Sign-in: required once a user exists (wand users add, or create the owner in the UI)",
            server::SignIn::Always => "Sign-in: always required",
        }
    );
    server::serve(
        listener,
        server::app(state),
        server::Limits::default(),
        tls,
        shutdown_signal(),
    )
    .await
    .context("the HTTP server stopped")?;
    let _ = stop.send(true);
    for role in roles {
        let _ = role.await;
    }
    Ok(ExitCode::SUCCESS)
}

/// On a first start (no user yet), the owner named by the environment (`config::first_owner`), if any.
async fn create_first_owner(store: &dyn storage::Store) -> anyhow::Result<()> {
    let Some((email, password)) = config::first_owner()? else {
        return Ok(());
    };
    if store.user_count().await? > 0 {
        return Ok(());
    }
    let request = server::UserRequest {
        email,
        password,
        role: model::Role::Owner,
    };
    let owner = server::add_user(store, request)
        .await
        .context("cannot create the owner from WAND_OWNER_EMAIL / WAND_OWNER_PASSWORD")?;
    eprintln!("Created the owner {}; sign-in is now required", owner.email);
    Ok(())
}

pub(crate) async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("can listen for SIGTERM");
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
}
