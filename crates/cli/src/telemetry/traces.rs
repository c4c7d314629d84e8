//! The trace of each finished run, exported over OTLP (HTTP/protobuf) when an endpoint is configured
//! (`config::otlp_traces`): a `run <pipeline>` span from the run's creation to its end, with one child span per
//! block run (its last attempt), both with their status and the pipeline, trigger, block and attempt as attributes.
//! Spans are built after the fact from the stored times, so a run's trace does not depend on which process ran
//! its blocks; a run's spans go out together, in one request, on the server's own runtime (no exporter thread, no
//! span queue kept between runs). Without an endpoint nothing here exists.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use opentelemetry::trace::{Span, SpanKind, Status, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    SdkTracer, SdkTracerProvider, SpanData, SpanExporter, SpanProcessor,
};
use storage::{BlockRun, PipelineRun};
use tokio::sync::Semaphore;

/// Where traces go, from the standard `OTEL_*` variables.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OtlpTraces {
    /// The full URL spans are posted to (`…/v1/traces`).
    pub(crate) endpoint: String,
    /// The `service.name` of the resource.
    pub(crate) service_name: String,
}

/// How many runs' exports may be under way at once; past that (a collector that does not answer), a run's trace is
/// dropped with a warning rather than held.
const EXPORTS_AT_ONCE: u32 = 4;
/// How long one export may take.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The tracer that builds a run's spans, and the exporter that sends them.
pub(crate) struct RunTraces {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    ended: Ended,
    exporter: Arc<opentelemetry_otlp::SpanExporter>,
    exports: Arc<Semaphore>,
}

impl RunTraces {
    pub(crate) fn new(config: &OtlpTraces) -> anyhow::Result<RunTraces> {
        let mut exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(config.endpoint.clone())
            .with_timeout(EXPORT_TIMEOUT)
            .with_shared_http_client(http_client(&config.endpoint)?)
            .build()
            .with_context(|| format!("cannot export traces to {}", config.endpoint))?;
        let resource = Resource::builder()
            .with_service_name(config.service_name.clone())
            .build();
        exporter.set_resource(&resource);
        let ended = Ended::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(ended.clone())
            .with_resource(resource)
            .build();
        let tracer = provider.tracer("wand");
        Ok(RunTraces {
            provider,
            tracer,
            ended,
            exporter: Arc::new(exporter),
            exports: Arc::new(Semaphore::new(EXPORTS_AT_ONCE as usize)),
        })
    }

    /// Builds the spans of a finished run and its block runs, and sends them in the background.
    pub(crate) fn export(&self, run: &PipelineRun, trigger: Option<&str>, block_runs: &[BlockRun]) {
        self.build_spans(run, trigger, block_runs);
        let batch = self.ended.take();
        let Ok(permit) = self.exports.clone().try_acquire_owned() else {
            tracing::warn!(
                run = run.id,
                "the OTLP collector is not keeping up; this run's trace is dropped"
            );
            return;
        };
        let exporter = self.exporter.clone();
        let run_id = run.id;
        tokio::spawn(async move {
            if let Err(error) = exporter.export(batch).await {
                tracing::warn!(run = run_id, %error, "cannot export the run's trace");
            }
            drop(permit);
        });
    }

    /// Waits (a few seconds at most) for the exports under way.
    pub(crate) async fn shutdown(self) {
        let waited =
            tokio::time::timeout(EXPORT_TIMEOUT, self.exports.acquire_many(EXPORTS_AT_ONCE)).await;
        if waited.is_err() {
            tracing::warn!("the last traces were still being exported at shutdown");
        }
        let _ = self.provider.shutdown();
    }

    fn build_spans(&self, run: &PipelineRun, trigger: Option<&str>, block_runs: &[BlockRun]) {
        let ended = run.completed_at.unwrap_or_else(Utc::now);
        let mut attributes = vec![
            KeyValue::new("wand.pipeline", run.pipeline_uuid.clone()),
            KeyValue::new("wand.run_id", run.id),
            KeyValue::new("wand.status", run.status.as_str()),
            KeyValue::new("wand.execution_date", run.execution_date.to_rfc3339()),
        ];
        if let Some(id) = run.trigger_id {
            attributes.push(KeyValue::new("wand.trigger_id", id));
        }
        if let Some(name) = trigger {
            attributes.push(KeyValue::new("wand.trigger", name.to_owned()));
        }
        let mut span = self
            .tracer
            .span_builder(format!("run {}", run.pipeline_uuid))
            .with_kind(SpanKind::Internal)
            .with_start_time(time(run.created_at))
            .with_attributes(attributes)
            .start(&self.tracer);
        span.set_status(status(run.status == model::RunStatus::Failed, None));
        let parent = Context::new().with_span(span);
        for block_run in block_runs {
            let started = block_run
                .started_at
                .or(block_run.completed_at)
                .unwrap_or(ended);
            let mut attributes = vec![
                KeyValue::new("wand.pipeline", run.pipeline_uuid.clone()),
                KeyValue::new("wand.run_id", run.id),
                KeyValue::new("wand.block", block_run.block_uuid.clone()),
                KeyValue::new("wand.attempt", block_run.attempt),
                KeyValue::new("wand.status", block_run.status.as_str()),
            ];
            if let Some(name) = trigger {
                attributes.push(KeyValue::new("wand.trigger", name.to_owned()));
            }
            let mut child = self
                .tracer
                .span_builder(format!("block {}", block_run.block_uuid))
                .with_kind(SpanKind::Internal)
                .with_start_time(time(started))
                .with_attributes(attributes)
                .start_with_context(&self.tracer, &parent);
            let failed = block_run.status == model::BlockRunStatus::Failed;
            child.set_status(status(failed, block_run.error.as_deref()));
            child.end_with_timestamp(time(block_run.completed_at.unwrap_or(ended)));
        }
        parent.span().end_with_timestamp(time(ended));
    }
}

/// The span processor: keeps the spans of the run being built until `export` takes them.
#[derive(Debug, Clone, Default)]
struct Ended(Arc<Mutex<Vec<SpanData>>>);

impl Ended {
    fn take(&self) -> Vec<SpanData> {
        std::mem::take(&mut *self.0.lock().expect("ended spans lock"))
    }
}

impl SpanProcessor for Ended {
    fn on_start(&self, _span: &mut opentelemetry_sdk::trace::Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        self.0.lock().expect("ended spans lock").push(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// The exporter's client: for a plain-HTTP collector, the usual case beside the server, hyper's alone (setting up
/// TLS for nothing would cost the server a megabyte of memory); for HTTPS, reqwest's with the platform's roots.
fn http_client(endpoint: &str) -> anyhow::Result<Arc<dyn opentelemetry_http::HttpClient>> {
    if endpoint.starts_with("http://") {
        return Ok(Arc::new(
            opentelemetry_http::hyper::HyperClient::with_default_connector(EXPORT_TIMEOUT, None),
        ));
    }
    let client = reqwest::Client::builder()
        .timeout(EXPORT_TIMEOUT)
        .build()
        .context("cannot build the OTLP exporter's HTTP client")?;
    Ok(Arc::new(client))
}

fn time(at: DateTime<Utc>) -> SystemTime {
    at.into()
}

/// A failure's span is an error with its first line as the description; others are `Ok`.
fn status(failed: bool, error: Option<&str>) -> Status {
    if failed {
        Status::error(
            error
                .and_then(|error| error.lines().next())
                .unwrap_or("failed")
                .to_owned(),
        )
    } else {
        Status::Ok
    }
}
