//! The trace of each finished run, exported over OTLP (HTTP/protobuf) when an endpoint is configured
//! (`config::otlp_traces`): a `run <pipeline>` span from the run's creation to its end, with one child span per
//! block run (its last attempt), both with their status and the pipeline, trigger, block and attempt as attributes.
//! Spans are built after the fact from the stored times, so a run's trace does not depend on which process ran
//! its blocks. Without an endpoint nothing here exists.

use std::time::SystemTime;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use opentelemetry::trace::{Span, SpanKind, Status, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use storage::{BlockRun, PipelineRun};

/// Where traces go, from the standard `OTEL_*` variables.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OtlpTraces {
    /// The full URL spans are posted to (`…/v1/traces`).
    pub(crate) endpoint: String,
    /// The `service.name` of the resource.
    pub(crate) service_name: String,
}

/// An OTLP exporter with its batch (a thread of its own sends them).
pub(crate) struct RunTraces {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

impl RunTraces {
    pub(crate) fn new(config: &OtlpTraces) -> anyhow::Result<RunTraces> {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(config.endpoint.clone())
            .build()
            .with_context(|| format!("cannot export traces to {}", config.endpoint))?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(
                Resource::builder()
                    .with_service_name(config.service_name.clone())
                    .build(),
            )
            .build();
        let tracer = provider.tracer("wand");
        Ok(RunTraces { provider, tracer })
    }

    /// Queues the spans of a finished run and its block runs for the exporter.
    pub(crate) fn export(&self, run: &PipelineRun, trigger: Option<&str>, block_runs: &[BlockRun]) {
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

    /// Sends what is still batched, then stops the exporter's thread.
    pub(crate) async fn shutdown(self) {
        let provider = self.provider;
        let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if let Ok(Err(error)) = flushed {
            tracing::warn!(%error, "the last traces could not be exported");
        }
    }
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
