//! Backfills: a backfill's runs are all created with it (status `initial`, code pinned once), and each starts only
//! through `BackfillStore::start_backfill_run`, which lets no more than the pipeline's run limits run at once. A
//! finished run frees its slot and the next waiting run of its backfill starts; cancelling stops the running runs
//! and cancels the waiting ones; a retry adds a new run for each planned run that failed or was cancelled.

use model::{BackfillRange, BackfillStatus, PlannedRun, RunInterval, RunStatus};
use serde_json::{Map, Value};
use storage::{Backfill, BackfillSlot, NewBackfill};

use crate::{RunRequest, Scheduler, SchedulerError};

/// How many waiting runs of a backfill without a run limit are looked at in one pass.
const WAITING_PAGE: i64 = 1000;

/// A backfill to make.
#[derive(Debug, Clone)]
pub struct BackfillRequest {
    pub pipeline_uuid: String,
    /// Its name; `Backfill <start>` (or `Backfill <n> variable sets`) when empty.
    pub name: Option<String>,
    pub range: BackfillRange,
    /// Variables every run gets, under the per-run ones.
    pub variables: Map<String, Value>,
}

/// What a backfill run carries beyond a run request: which planned run it is, and its interval.
pub(crate) struct BackfillRun {
    pub(crate) slot: BackfillSlot,
    pub(crate) interval: Option<RunInterval>,
    /// Mage names the trigger of a backfill's runs `Backfill <name>`; blocks get it as `trigger_name`.
    pub(crate) trigger_name: String,
}

impl BackfillRequest {
    /// The name it gets.
    fn name(&self) -> String {
        match (&self.name, &self.range) {
            (Some(name), _) if !name.trim().is_empty() => name.trim().to_owned(),
            (_, BackfillRange::Dates { start, .. }) => {
                format!("Backfill {}", model::python_iso(*start))
            }
            (_, BackfillRange::VariableSets(sets)) => {
                format!("Backfill {} variable sets", sets.len())
            }
        }
    }
}

impl Scheduler {
    /// The runs a backfill would make, without making them (the UI's preview). The pipeline must exist.
    pub fn preview_backfill(
        &self,
        request: &BackfillRequest,
    ) -> Result<Vec<PlannedRun>, SchedulerError> {
        self.project.load_pipeline(&request.pipeline_uuid)?;
        Ok(request.range.plan(&request.variables, self.clock.now())?)
    }

    /// Makes a backfill and all its runs; they start as the pipeline's `concurrency_config` allows (its
    /// `pipeline_run_limit` counts the backfill's own runs, as Mage counts those of the backfill's trigger).
    pub async fn create_backfill(
        &self,
        request: BackfillRequest,
    ) -> Result<Backfill, SchedulerError> {
        let pipeline = self.project.load_pipeline(&request.pipeline_uuid)?.pipeline;
        let now = self.clock.now();
        let planned = request.range.plan(&request.variables, now)?;
        let code_hash = self.pin_code().await?;
        let name = request.name();
        let backfill = self
            .store
            .create_backfill(NewBackfill {
                pipeline_uuid: pipeline.uuid.clone(),
                name: name.clone(),
                range: request.range,
                variables: request.variables,
                run_limit: pipeline.concurrency.pipeline_run_limit,
                run_limit_all: pipeline.concurrency.pipeline_run_limit_all_triggers,
                total_runs: planned.len() as i64,
                created_at: now,
            })
            .await?;
        tracing::info!(backfill = backfill.id, pipeline = %pipeline.uuid, runs = planned.len(), "backfill created");
        for (index, run) in planned.into_iter().enumerate() {
            let extra = BackfillRun {
                slot: BackfillSlot {
                    backfill_id: backfill.id,
                    index: index as i64,
                },
                interval: run.interval,
                trigger_name: format!("Backfill {name}"),
            };
            let request =
                RunRequest::manual(pipeline.uuid.clone(), run.variables, run.execution_date);
            self.create_backfill_run(&pipeline, code_hash.clone(), request, extra)
                .await?;
        }
        Ok(backfill)
    }

    /// Cancels an open backfill: no run of it starts any more, its running runs are stopped and its waiting runs
    /// cancelled.
    pub async fn cancel_backfill(&self, id: i64) -> Result<Backfill, SchedulerError> {
        let backfill = self.backfill_or_error(id).await?;
        if !backfill.status.is_open() {
            return Err(SchedulerError::BackfillState {
                id,
                message: format!(
                    "it is {} already; only an initial or running backfill can be cancelled",
                    backfill.status.as_str()
                ),
            });
        }
        // First, so that no run of it starts while the others are being cancelled.
        self.store
            .set_backfill_status(id, BackfillStatus::Cancelled)
            .await?;
        for run in self.store.backfill_runs(id, true).await? {
            if run.status.is_finished() {
                continue;
            }
            match self.cancel_run(run.id).await {
                Ok(_) => {}
                // It finished meanwhile.
                Err(SchedulerError::Storage(storage::StorageError::Transition(_))) => {}
                Err(error) => return Err(error),
            }
        }
        self.backfill_or_error(id).await
    }

    /// Runs again, as new runs of the backfill, each planned run whose latest run failed or was cancelled (with its
    /// variables, execution date and interval, on the project's code as it is now); they start as slots free.
    pub async fn retry_backfill(&self, id: i64) -> Result<Backfill, SchedulerError> {
        let backfill = self.backfill_or_error(id).await?;
        if backfill.status.is_open() {
            return Err(SchedulerError::BackfillState {
                id,
                message: "it is still running; cancel it first or wait for it to finish".to_owned(),
            });
        }
        let again: Vec<storage::PipelineRun> = self
            .store
            .backfill_runs(id, true)
            .await?
            .into_iter()
            .filter(|run| matches!(run.status, RunStatus::Failed | RunStatus::Cancelled))
            .collect();
        if again.is_empty() {
            return Err(SchedulerError::BackfillState {
                id,
                message: "none of its runs failed or was cancelled: there is nothing to retry"
                    .to_owned(),
            });
        }
        let pipeline = self
            .project
            .load_pipeline(&backfill.pipeline_uuid)?
            .pipeline;
        let code_hash = self.pin_code().await?;
        self.store
            .set_backfill_status(id, BackfillStatus::Initial)
            .await?;
        for run in again {
            let extra = BackfillRun {
                slot: BackfillSlot {
                    backfill_id: id,
                    index: run.backfill_index.unwrap_or_default(),
                },
                interval: run.definition.interval,
                trigger_name: format!("Backfill {}", backfill.name),
            };
            let request =
                RunRequest::manual(pipeline.uuid.clone(), run.variables, run.execution_date);
            self.create_backfill_run(&pipeline, code_hash.clone(), request, extra)
                .await?;
        }
        self.backfill_or_error(id).await
    }

    /// After a run of backfill `id` finished (or on the tick's pass): starts its waiting runs while slots are free,
    /// then notes the backfill completed or failed once all its runs are finished.
    pub(crate) async fn advance_backfill(&self, id: i64) -> Result<(), SchedulerError> {
        let Some(backfill) = self.store.backfill(id).await? else {
            return Ok(());
        };
        if backfill.status.is_open() {
            // At most a limit's worth can start now (without a limit, every run started when it was created).
            let room = backfill.run_limit.map_or(WAITING_PAGE, i64::from);
            for run_id in self.store.waiting_backfill_runs(id, room).await? {
                if !self.store.start_backfill_run(run_id).await? {
                    break;
                }
                self.started(run_id);
                // Boxed: advancing a run may finish it, which advances its backfill again.
                Box::pin(self.advance_run(run_id)).await?;
            }
        }
        self.settle_backfill(&backfill).await
    }

    /// Notes a backfill completed (every latest run completed) or failed (all finished, some not completed).
    async fn settle_backfill(&self, backfill: &Backfill) -> Result<(), SchedulerError> {
        if backfill.status == BackfillStatus::Cancelled {
            return Ok(());
        }
        let progress = self.store.backfill_progress(backfill.id).await?;
        let finished: i64 = progress
            .iter()
            .filter(|(status, _)| status.is_finished())
            .map(|(_, count)| count)
            .sum();
        if finished < backfill.total_runs {
            return Ok(());
        }
        let all_completed = progress
            .iter()
            .all(|(status, _)| *status == RunStatus::Completed);
        let status = if all_completed {
            BackfillStatus::Completed
        } else {
            BackfillStatus::Failed
        };
        if status != backfill.status {
            tracing::info!(
                backfill = backfill.id,
                status = status.as_str(),
                "backfill finished"
            );
            self.store.set_backfill_status(backfill.id, status).await?;
        }
        Ok(())
    }

    /// The tick's safety net: every open backfill starts what it may and settles (a notice may have been missed).
    pub(crate) async fn pass_over_backfills(&self) -> Result<(), SchedulerError> {
        for backfill in self.store.open_backfills().await? {
            self.advance_backfill(backfill.id).await?;
        }
        Ok(())
    }

    /// Starts a waiting run of a backfill if its limits allow; whether it started.
    pub(crate) async fn start_backfill_run(&self, run_id: i64) -> Result<bool, SchedulerError> {
        let started = self.store.start_backfill_run(run_id).await?;
        if started {
            self.started(run_id);
        }
        Ok(started)
    }

    fn started(&self, run_id: i64) {
        self.publish(model::Notice::Run {
            run_id,
            status: RunStatus::Running,
        });
    }

    async fn backfill_or_error(&self, id: i64) -> Result<Backfill, SchedulerError> {
        self.store
            .backfill(id)
            .await?
            .ok_or(SchedulerError::BackfillNotFound(id))
    }
}
