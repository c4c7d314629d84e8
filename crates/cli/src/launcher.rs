//! Blocks start runs of other pipelines (`trigger_pipeline`) through the scheduler of the process that runs them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::Utc;
use scheduler::{RunRequest, Scheduler};
use serde_json::{Map, Value};
use worker::RunLauncher;

/// Creates the run as a manual run of the pipeline's current code, as the API's "run now" does.
pub(crate) struct SchedulerLauncher(pub(crate) Arc<Scheduler>);

impl RunLauncher for SchedulerLauncher {
    fn launch(
        &self,
        pipeline_uuid: String,
        variables: Map<String, Value>,
    ) -> Pin<Box<dyn Future<Output = Result<i64, String>> + Send + '_>> {
        Box::pin(async move {
            self.0
                .create_run(RunRequest::manual(pipeline_uuid, variables, Utc::now()))
                .await
                .map(|run| run.id)
                .map_err(|error| error.to_string())
        })
    }
}
