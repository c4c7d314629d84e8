//! `/metrics` in Prometheus' text format, and the HTTP request metrics. The roles record through the `metrics`
//! facade (a no-op until `install_metrics` sets the process-wide recorder); this module describes every family,
//! adds the gauges read from the database at each scrape, and renders. It must not grow with time or traffic:
//! labels are bounded (pipelines, statuses, route templates, status classes; never ids or dynamic names) and an
//! upkeep thread drains histogram samples whether or not anyone scrapes.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::{ApiError, AppState};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Block runs take from milliseconds to hours.
const BLOCK_RUN_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
    10800.0,
];
/// Waits (in the queue, behind a schedule slot) from milliseconds to a quarter of an hour.
const WAIT_BUCKETS: &[f64] = &[
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
];
/// API answers from a millisecond to ten seconds.
const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Sets the process-wide recorder (once; later calls return the same handle) and describes every family. `wand
/// start` calls it before its roles start; `app` calls it too, so a router built alone still serves `/metrics`.
pub fn install_metrics() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = [
            ("wand_block_run_duration_seconds", BLOCK_RUN_BUCKETS),
            ("wand_queue_wait_seconds", WAIT_BUCKETS),
            ("wand_scheduler_lag_seconds", WAIT_BUCKETS),
            ("wand_http_request_duration_seconds", HTTP_BUCKETS),
        ]
        .into_iter()
        .fold(PrometheusBuilder::new(), |builder, (name, buckets)| {
            builder
                .set_buckets_for_metric(Matcher::Full(name.to_owned()), buckets)
                .expect("bucket lists are not empty")
        });
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(error) = metrics::set_global_recorder(recorder) {
            tracing::warn!(%error, "another metrics recorder is installed; /metrics shows only the gauges");
        }
        describe();
        // Counters of rare events start at zero, so that a rate or an alert on them has a series from the start.
        for outcome in ["queued", "failed"] {
            metrics::counter!("wand_lease_recoveries_total", "outcome" => outcome).absolute(0);
        }
        metrics::counter!("wand_python_supervisor_restarts_total").absolute(0);
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".to_owned())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start the metrics upkeep thread; histograms drain at each scrape only");
        }
        handle
    })
}

/// `GET /metrics`: every family in Prometheus' text format (version 0.0.4), behind the API's sign-in.
pub(crate) async fn scrape(State(state): State<AppState>) -> Result<Response, ApiError> {
    let handle = install_metrics();
    set_gauges(state.store.gauges().await?);
    let mut response = handle.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(response)
}

/// The route template a request matched, filled in by `mark_route` for `observe_requests` (which runs before
/// routing, and so cannot see it itself).
#[derive(Clone, Default)]
pub(crate) struct MatchedRoute(Arc<OnceLock<String>>);

/// Outermost layer: counts and times every request by method, route template and status class.
pub(crate) async fn observe_requests(mut request: Request, next: Next) -> Response {
    let matched = MatchedRoute::default();
    request.extensions_mut().insert(matched.clone());
    let method = method_label(request.method());
    let api = request.uri().path().starts_with("/api/");
    let started = Instant::now();
    let response = next.run(request).await;
    let route = match matched.0.get() {
        Some(route) => route.clone(),
        // The UI's files (the router's fallback), or a path no route takes.
        None if api => "unmatched".to_owned(),
        None => "ui".to_owned(),
    };
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics::counter!("wand_http_requests_total", "method" => method, "route" => route.clone(), "status" => status.clone())
        .increment(1);
    metrics::histogram!("wand_http_request_duration_seconds", "method" => method, "route" => route, "status" => status)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A route layer (outside `authorize`, so refused requests are named too): tells `observe_requests` the template.
pub(crate) async fn mark_route(request: Request, next: Next) -> Response {
    if let (Some(matched), Some(path)) = (
        request.extensions().get::<MatchedRoute>(),
        request.extensions().get::<MatchedPath>(),
    ) {
        let _ = matched.0.set(path.as_str().to_owned());
    }
    next.run(request).await
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The (pipeline, status) pairs of `wand_runs` set at an earlier scrape: those that have no run now go to zero.
static SEEN_RUN_LABELS: Mutex<BTreeSet<(String, &'static str)>> = Mutex::new(BTreeSet::new());

fn set_gauges(gauges: storage::Gauges) {
    let mut seen = SEEN_RUN_LABELS.lock().expect("gauge labels lock");
    let now: BTreeSet<(String, &'static str)> = gauges
        .unfinished_runs
        .iter()
        .map(|(pipeline, status, _)| (pipeline.clone(), status.as_str()))
        .collect();
    for (pipeline, status) in seen.difference(&now) {
        metrics::gauge!("wand_runs", "pipeline" => pipeline.clone(), "status" => *status).set(0.0);
    }
    for (pipeline, status, count) in gauges.unfinished_runs {
        metrics::gauge!("wand_runs", "pipeline" => pipeline, "status" => status.as_str())
            .set(count as f64);
    }
    seen.extend(now);
    metrics::gauge!("wand_queued_block_runs").set(gauges.queued_block_runs as f64);
}

/// The HELP line of every family, wherever it is recorded.
fn describe() {
    use metrics::Unit;
    metrics::describe_counter!(
        "wand_runs_finished_total",
        "Pipeline runs that finished, by pipeline and final status."
    );
    metrics::describe_gauge!(
        "wand_runs",
        "Pipeline runs not finished yet, by pipeline and status (initial or running)."
    );
    metrics::describe_histogram!(
        "wand_block_run_duration_seconds",
        Unit::Seconds,
        "How long block runs ran (their last attempt), by pipeline and final status; recorded when the run ends."
    );
    metrics::describe_gauge!("wand_queued_block_runs", "Block runs in the queue now.");
    metrics::describe_histogram!(
        "wand_queue_wait_seconds",
        Unit::Seconds,
        "How long block runs waited in the queue before a worker of this process claimed them."
    );
    metrics::describe_counter!(
        "wand_lease_recoveries_total",
        "Block runs whose worker stopped renewing its lease, by what became of them (queued again or failed)."
    );
    metrics::describe_histogram!(
        "wand_scheduler_lag_seconds",
        Unit::Seconds,
        "How late the runs of schedule triggers were created against their slot."
    );
    metrics::describe_counter!(
        "wand_python_supervisor_restarts_total",
        "Times a Python supervisor of this process died and was started again."
    );
    metrics::describe_counter!(
        "wand_http_requests_total",
        "HTTP requests, by method, route template and status class."
    );
    metrics::describe_histogram!(
        "wand_http_request_duration_seconds",
        Unit::Seconds,
        "How long HTTP requests took until their answer's headers, by method, route template and status class."
    );
}
