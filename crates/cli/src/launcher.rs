//! Blocks start runs of other pipelines (`trigger_pipeline`, a global data product's pipeline) through the scheduler
//! of the process that runs them.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use scheduler::{RunRequest, Scheduler};
use serde_json::{Map, Value};
use worker::RunLauncher;

/// Creates the run as a manual run of the pipeline's current code, as the API's "run now" does, and remembers it.
pub(crate) struct SchedulerLauncher {
    scheduler: Arc<Scheduler>,
    launched: Mutex<Vec<i64>>,
}

impl SchedulerLauncher {
    pub(crate) fn new(scheduler: Arc<Scheduler>) -> SchedulerLauncher {
        SchedulerLauncher {
            scheduler,
            launched: Mutex::new(Vec::new()),
        }
    }

    /// The runs blocks started so far, oldest first (`wand run` waits for them before it ends).
    pub(crate) fn launched(&self) -> Vec<i64> {
        self.launched.lock().expect("launched lock").clone()
    }
}

impl RunLauncher for SchedulerLauncher {
    fn launch(
        &self,
        pipeline_uuid: String,
        variables: Map<String, Value>,
    ) -> Pin<Box<dyn Future<Output = Result<i64, String>> + Send + '_>> {
        Box::pin(async move {
            let run = self
                .scheduler
                // A running streaming pipeline is refused (a second consumer), as by the API's "run now".
                .run_now(RunRequest::manual(pipeline_uuid, variables, Utc::now()))
                .await
                .map_err(|error| error.to_string())?;
            self.launched.lock().expect("launched lock").push(run.id);
            Ok(run.id)
        })
    }

    fn launch_product(
        &self,
        pipeline_uuid: String,
        product_uuid: String,
    ) -> Pin<Box<dyn Future<Output = Result<i64, String>> + Send + '_>> {
        Box::pin(async move {
            let run = self
                .scheduler
                .create_run(RunRequest {
                    global_data_product: Some(product_uuid),
                    ..RunRequest::manual(pipeline_uuid, Map::new(), Utc::now())
                })
                .await
                .map_err(|error| error.to_string())?;
            self.launched.lock().expect("launched lock").push(run.id);
            Ok(run.id)
        })
    }
}
