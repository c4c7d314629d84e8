//! What `wand start` tells monitoring about runs, read from the notices bus: when a run ends, its row and its block
//! runs are read once and become the run metrics (finished runs, block run durations) and, when an OTLP endpoint
//! is configured, its trace. The queue wait is the time between a block run's `queued` notice and the `running`
//! notice of the worker that claimed it. It never changes run state and never holds more than the block runs
//! queued now.

mod traces;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use model::{BlockRunStatus, Notice};
use storage::{BlockRun, PipelineRun, Store};
use tokio::sync::{broadcast, watch};

pub(crate) use traces::{OtlpTraces, RunTraces};

/// Watches `notices` until `stop` turns true; then flushes the traces not exported yet.
pub(crate) async fn watch_runs(
    store: Arc<dyn Store>,
    mut notices: broadcast::Receiver<Notice>,
    traces: Option<RunTraces>,
    mut stop: watch::Receiver<bool>,
) {
    let mut queued: HashMap<(i64, String), Instant> = HashMap::new();
    loop {
        let notice = tokio::select! {
            notice = notices.recv() => notice,
            _ = stop.wait_for(|stop| *stop) => break,
        };
        match notice {
            Ok(Notice::BlockRun {
                run_id,
                block_uuid,
                status: BlockRunStatus::Queued,
                ..
            }) => {
                queued.insert((run_id, block_uuid), Instant::now());
            }
            Ok(Notice::BlockRun {
                run_id,
                block_uuid,
                status: BlockRunStatus::Running,
                ..
            }) => {
                if let Some(since) = queued.remove(&(run_id, block_uuid)) {
                    metrics::histogram!("wand_queue_wait_seconds")
                        .record(since.elapsed().as_secs_f64());
                }
            }
            Ok(Notice::Run { run_id, status }) if status.is_finished() => {
                queued.retain(|(run, _), _| *run != run_id);
                if let Err(error) = run_finished(store.as_ref(), run_id, traces.as_ref()).await {
                    tracing::warn!(run = run_id, %error, "cannot read the finished run for its metrics and trace");
                }
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "run metrics missed status notices (the bus was full)"
                );
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
    if let Some(traces) = traces {
        traces.shutdown().await;
    }
}

async fn run_finished(
    store: &dyn Store,
    run_id: i64,
    traces: Option<&RunTraces>,
) -> Result<(), storage::StorageError> {
    let Some(run) = store.run(run_id).await? else {
        return Ok(());
    };
    let block_runs = store.block_runs(run_id).await?;
    record_run_metrics(&run, &block_runs);
    tracing::debug!(
        run = run_id,
        status = run.status.as_str(),
        "run counted in the metrics"
    );
    if let Some(traces) = traces {
        let trigger = match run.trigger_id {
            Some(id) => store.trigger(id).await?.map(|trigger| trigger.name),
            None => None,
        };
        traces.export(&run, trigger.as_deref(), &block_runs);
    }
    Ok(())
}

/// The finished run's counter, and one duration per block run that ran (its last attempt).
fn record_run_metrics(run: &PipelineRun, block_runs: &[BlockRun]) {
    metrics::counter!(
        "wand_runs_finished_total",
        "pipeline" => run.pipeline_uuid.clone(),
        "status" => run.status.as_str()
    )
    .increment(1);
    for block_run in block_runs {
        let (Some(started), Some(completed)) = (block_run.started_at, block_run.completed_at)
        else {
            continue;
        };
        let seconds = (completed - started)
            .to_std()
            .unwrap_or_default()
            .as_secs_f64();
        metrics::histogram!(
            "wand_block_run_duration_seconds",
            "pipeline" => run.pipeline_uuid.clone(),
            "status" => block_run.status.as_str()
        )
        .record(seconds);
    }
}
