//! Serving the router on a TCP listener with limits a slow or greedy client cannot get around: a connection that
//! does not send a request's headers in time is dropped (idle keep-alive connections included), a request body that
//! stalls is cut, and one client address holds at most a fixed number of connections at once.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// How long accepting pauses after an error such as running out of file descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// What one client may take of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From a connection's start (or the end of its previous request) to the end of the next request's headers.
    pub header_timeout: Duration,
    /// The longest wait for the next piece of a request body.
    pub body_timeout: Duration,
    /// Connections one client address may hold open at once; further ones are closed as they come.
    pub connections_per_client: usize,
    /// How long a shutdown waits for open requests (live streams never end on their own).
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            connections_per_client: 256,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Serves `app` on `listener` (over TLS when `tls` is given) until `shutdown` resolves, then lets open requests
/// finish for a grace period.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<crate::Tls>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = app.layer(RequestBodyTimeoutLayer::new(limits.body_timeout));
    let open = Arc::new(Mutex::new(HashMap::<IpAddr, usize>::new()));
    // HTTP/1 only, read from the first byte: its header timeout is what drops silent and half-open connections.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: the listener itself is fine, so keep accepting once
                    // connections have had a moment to close, rather than spinning on the same error.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        let Some(slot) = Slot::take(&open, peer.ip(), limits.connections_per_client) else {
            tracing::debug!(client = %peer.ip(), "too many connections from one client; closing the new one");
            continue;
        };
        let _ = stream.set_nodelay(true);
        // Handlers may ask for the client's address (the sign-in rate limit does).
        let service = TowerToHyperService::new(
            app.clone()
                .layer(axum::Extension(axum::extract::ConnectInfo(peer))),
        );
        let builder = builder.clone();
        let stopping = stopping.clone();
        let tls = tls.clone();
        let handshake_timeout = limits.header_timeout;
        connections.spawn(async move {
            let result = match tls {
                None => serve_connection(&builder, stream, service, stopping).await,
                Some(tls) => {
                    // A client that does not finish its handshake in time is dropped, as one that sends no headers.
                    match tokio::time::timeout(handshake_timeout, tls.0.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            serve_connection(&builder, stream, service, stopping).await
                        }
                        Ok(Err(error)) => {
                            tracing::debug!(client = %peer.ip(), %error, "TLS handshake failed");
                            Ok(())
                        }
                        Err(_) => Ok(()),
                    }
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let finished = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.shutdown_grace, finished)
        .await
        .is_err()
    {
        tracing::info!("stopped with requests still open (live streams)");
    }
    Ok(())
}

/// Serves one connection (plain or TLS) until it closes; asked to stop, finishes the request in flight, then closes.
async fn serve_connection<S, IO>(
    builder: &hyper::server::conn::http1::Builder,
    io: IO,
    service: S,
    mut stopping: watch::Receiver<bool>,
) -> hyper::Result<()>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::HttpService<hyper::body::Incoming> + Send,
    S::Future: Send + 'static,
    S::ResBody: 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let connection = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => Some(result),
        _ = stopping.wait_for(|stop| *stop) => None,
    };
    match result {
        Some(result) => result,
        None => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    }
}

/// One open connection of a client, counted until dropped.
struct Slot {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    client: IpAddr,
}

impl Slot {
    fn take(
        open: &Arc<Mutex<HashMap<IpAddr, usize>>>,
        client: IpAddr,
        limit: usize,
    ) -> Option<Slot> {
        let mut counts = open.lock().expect("connection counts lock");
        let count = counts.entry(client).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            open: open.clone(),
            client,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.open.lock().expect("connection counts lock");
        if let Some(count) = counts.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.client);
            }
        }
    }
}
