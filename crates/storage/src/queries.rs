//! Every query of the store, written once for both databases: `shared_queries!` expands into the `RunStore` and
//! `TriggerStore` impls of a backend. Queries use `$N` placeholders (SQLite takes them too), times bind through the
//! backend's `stamp` and JSON as `Json`; what truly differs between the databases comes from the backend's `Backend` impl (change
//! announcements, restart grace, change watching, leadership) and from three SQL fragments given to the macro
//! (row locks and how a JSON list of worker tags is read).

use std::time::Duration;

use async_trait::async_trait;

use crate::{Change, StorageError};

/// What a database does its own way, beyond the SQL fragments `shared_queries!` takes. The defaults are those of a
/// database that one process owns (SQLite): nobody else to tell of changes or to lead, no restart but its own.
#[async_trait]
pub(crate) trait Backend {
    type Db: sqlx::Database;

    /// Whether `announce` tells anyone: a change that announces nothing needs no transaction of its own.
    const ANNOUNCES: bool = false;

    /// Tells the other processes sharing the database about `change`, when `transaction` commits.
    async fn announce(
        _transaction: &mut sqlx::Transaction<'_, Self::Db>,
        _change: Change,
    ) -> Result<(), StorageError> {
        Ok(())
    }

    /// Whether the database server (re)started less than `grace` ago (an embedded database restarts only with the
    /// process, which then recovers everything: never).
    async fn restarted_within(&self, _grace: Duration) -> Result<bool, StorageError> {
        Ok(false)
    }

    /// Changes made by other processes, as `RunStore::watch_changes` describes.
    async fn watch(&self) -> Result<Option<tokio::sync::mpsc::Receiver<Change>>, StorageError> {
        Ok(None)
    }

    /// Whether this process leads, as `RunStore::try_lead` describes.
    async fn lead(&self) -> Result<bool, StorageError> {
        Ok(true)
    }

    /// `announce` for each of `changes`, as one statement where the database allows.
    async fn announce_all(
        transaction: &mut sqlx::Transaction<'_, Self::Db>,
        changes: Vec<Change>,
    ) -> Result<(), StorageError> {
        for change in changes {
            Self::announce(transaction, change).await?;
        }
        Ok(())
    }
}

/// A unique-key violation as the conflict `message` names, other errors as they are.
pub(crate) fn conflict(error: sqlx::Error, message: impl FnOnce() -> String) -> StorageError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::Conflict(message()),
        _ => error.into(),
    }
}

/// Implements `RunStore` and `TriggerStore` for `$store` (a struct with a `pool` that implements `Backend`). `stamp`
/// makes a time bindable; `lock_row` follows a `SELECT` whose row is then changed in the same transaction;
/// `skip_locked` follows the claim's `SELECT` of the next queued block run; `tag_list` reads bind `$5` (a JSON list
/// of text) as rows, `uuid_list` and `origin_list` the same for binds `$2` and `$3`; `block_run_heads` selects the
/// block runs `b` as one JSON list of `[block_uuid, status, origin]` in creation order (`[]` for none).
macro_rules! shared_queries {
    ($store:ty, stamp: $stamp:path, lock_row: $lock_row:literal, skip_locked: $skip_locked:literal,
     tag_list: $tag_list:literal, uuid_list: $uuid_list:literal, origin_list: $origin_list:literal,
     block_run_heads: $block_run_heads:literal) => {
    // A scope of its own, so these imports do not meet the backend module's.
    const _: () = {
        use chrono::{DateTime, Utc};
        use model::{BlockOutputs, BlockRunEvent, BlockRunStatus, RunEvent, RunStatus, Trigger, TriggerSpec, TriggerStatus};
        use sqlx::types::Json;

        use $crate::queries::{Backend, conflict};
        use $crate::rows::{TriggerRow, enum_text};
        use $crate::{
            BlockRun, BlockRunChange, BlockRunFilter, Change, InstanceCount, Lease, NewInstance,
            NewRun, PipelineRun, RunFilter, RunState, RunStore, StorageError, TriggerStore,
        };

        /// The status of a block run; inside a transaction, its row locked for the rest of it (the state machine's
        /// input).
        async fn locked_status<'e>(
            executor: impl sqlx::Executor<'e, Database = <$store as Backend>::Db>,
            run_id: i64,
            block_uuid: &str,
        ) -> Result<BlockRunStatus, StorageError> {
            let (status,): (String,) = sqlx::query_as(concat!(
                "SELECT status FROM block_runs WHERE pipeline_run_id = $1 AND block_uuid = $2",
                $lock_row
            ))
            .bind(run_id)
            .bind(block_uuid)
            .fetch_optional(executor)
            .await?
            .ok_or_else(|| StorageError::BlockRunNotFound {
                run_id,
                block_uuid: block_uuid.to_owned(),
            })?;
            Ok(BlockRunStatus::try_from(status)?)
        }

        /// The update that applies `change` to a block run, if its status is one the event is allowed from (the
        /// sources are bound as five values, repeating the first, so that every event shares one statement).
        fn block_run_update<'q>(
            run_id: i64,
            block_uuid: &'q str,
            change: BlockRunChange,
        ) -> sqlx::query::Query<'q, <$store as Backend>::Db, <<$store as Backend>::Db as sqlx::Database>::Arguments> {
            let next = change.event.target();
            let starting = change.event == BlockRunEvent::Start;
            let retrying = change.event == BlockRunEvent::Retry;
            let waiting = change.event == BlockRunEvent::Wait;
            // A claim counts an attempt; a sensor's check that did not hold gives it back.
            let attempts = i64::from(starting) - i64::from(waiting);
            let sources = change.event.sources();
            debug_assert!(sources.len() <= 5, "{:?} has more sources than the update binds", change.event);
            let source = |index: usize| sources.get(index).unwrap_or(&sources[0]).as_str();
            sqlx::query(
                "UPDATE block_runs SET status = $1,
                    attempt = attempt + $2,
                    waiting_since = CASE WHEN $14 THEN COALESCE(waiting_since, started_at)
                                         WHEN $3 THEN waiting_since ELSE NULL END,
                    started_at = CASE WHEN $3 THEN $4 WHEN $5 THEN NULL ELSE started_at END,
                    queued_at = CASE WHEN $16 THEN $4 WHEN $5 THEN NULL ELSE queued_at END,
                    completed_at = CASE WHEN $6 THEN $4 ELSE NULL END,
                    error = CASE WHEN $3 OR $5 THEN NULL ELSE COALESCE($7, error) END,
                    outputs = CASE WHEN $3 OR $5 THEN NULL ELSE COALESCE($8, outputs) END,
                    log_path = COALESCE($9, log_path),
                    ready_at = $10,
                    claimed_by = CASE WHEN $11 THEN NULL ELSE claimed_by END,
                    lease_until = CASE WHEN $11 THEN NULL ELSE lease_until END,
                    cancelled_callbacks = CASE
                        WHEN $5 THEN NULL
                        WHEN $15 AND EXISTS (SELECT 1 FROM pipeline_runs r
                                             WHERE r.id = $12 AND r.status = 'cancelled') THEN 'pending'
                        ELSE cancelled_callbacks END
                 WHERE pipeline_run_id = $12 AND block_uuid = $13 AND status IN ($17, $18, $19, $20, $21)",
            )
            .bind(next.as_str())
            .bind(attempts)
            .bind(starting)
            .bind($stamp(Utc::now()))
            .bind(retrying)
            .bind(next.is_finished())
            .bind(change.error)
            .bind(change.outputs.map(Json))
            .bind(change.log_path)
            .bind(change.ready_at.map($stamp))
            .bind(next != BlockRunStatus::Running)
            .bind(run_id)
            .bind(block_uuid)
            .bind(waiting)
            .bind(change.cancelled_callbacks && next == BlockRunStatus::Cancelled)
            // Queued anew (not a waiting sensor, which keeps its first time): the timeline's `queued` mark.
            .bind(next == BlockRunStatus::Queued && !waiting)
            .bind(source(0))
            .bind(source(1))
            .bind(source(2))
            .bind(source(3))
            .bind(source(4))
        }

        impl $store {
            /// `change_run`'s step inside `transaction` (which `NotificationStore::finish_run` extends).
            pub(crate) async fn apply_run_event(
                transaction: &mut sqlx::Transaction<'_, <$store as Backend>::Db>,
                run_id: i64,
                event: RunEvent,
            ) -> Result<RunStatus, StorageError> {
                let (status,): (String,) = sqlx::query_as(concat!(
                    "SELECT status FROM pipeline_runs WHERE id = $1",
                    $lock_row
                ))
                .bind(run_id)
                .fetch_optional(&mut **transaction)
                .await?
                .ok_or(StorageError::RunNotFound(run_id))?;
                let next = RunStatus::try_from(status)?.apply(event)?;
                let now = $stamp(Utc::now());
                let (started, completed) = match event {
                    RunEvent::Start => (Some(now), None),
                    RunEvent::Retry => (None, None),
                    RunEvent::Complete | RunEvent::Fail | RunEvent::Cancel => (None, Some(now)),
                };
                sqlx::query(
                    "UPDATE pipeline_runs SET status = $1, started_at = COALESCE($2, started_at),
                     completed_at = CASE WHEN $3 THEN NULL ELSE COALESCE($4, completed_at) END WHERE id = $5",
                )
                .bind(next.as_str())
                .bind(started)
                .bind(event == RunEvent::Retry)
                .bind(completed)
                .bind(run_id)
                .execute(&mut **transaction)
                .await?;
                // Other processes (another replica's API, anyone waiting on the run) learn that it ended.
                if next.is_finished() {
                    Self::announce(transaction, Change::Run(run_id)).await?;
                }
                Ok(next)
            }
        }

        #[async_trait::async_trait]
        impl RunStore for $store {
            async fn create_run(&self, run: NewRun) -> Result<PipelineRun, StorageError> {
                let now = Utc::now();
                let mut transaction = self.pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO pipeline_runs (pipeline_uuid, trigger_id, status, variables, definition,
                        execution_date, created_at, code_hash, backfill_id, backfill_index)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(&run.pipeline_uuid)
                .bind(run.trigger_id)
                .bind(RunStatus::Initial.as_str())
                .bind(Json(&run.variables))
                .bind(Json(&run.definition))
                .bind($stamp(run.execution_date))
                .bind($stamp(now))
                .bind(&run.code_hash)
                .bind(run.backfill.map(|slot| slot.backfill_id))
                .bind(run.backfill.map(|slot| slot.index))
                .fetch_one(&mut *transaction)
                .await
                .map_err(|error| {
                    conflict(error, || {
                        "this trigger already has a run for that slot".to_owned()
                    })
                })?;
                for block_uuid in &run.block_uuids {
                    sqlx::query(
                        "INSERT INTO block_runs (pipeline_run_id, block_uuid, status, worker_tag)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(id)
                    .bind(block_uuid)
                    .bind(BlockRunStatus::Initial.as_str())
                    .bind(run.worker_tags.get(block_uuid))
                    .execute(&mut *transaction)
                    .await?;
                }
                Self::announce(&mut transaction, Change::Run(id)).await?;
                transaction.commit().await?;
                Ok(PipelineRun {
                    id,
                    pipeline_uuid: run.pipeline_uuid,
                    trigger_id: run.trigger_id,
                    status: RunStatus::Initial,
                    variables: run.variables,
                    definition: run.definition,
                    execution_date: run.execution_date,
                    created_at: now,
                    started_at: None,
                    completed_at: None,
                    code_hash: run.code_hash,
                    backfill_id: run.backfill.map(|slot| slot.backfill_id),
                    backfill_index: run.backfill.map(|slot| slot.index),
                    pruned: Default::default(),
                    passed_sla: false,
                })
            }

            async fn create_trigger_runs(
                &self,
                runs: Vec<NewRun>,
                slots: &[(i64, DateTime<Utc>)],
            ) -> Result<Vec<PipelineRun>, StorageError> {
                let now = Utc::now();
                let mut transaction = self.pool.begin().await?;
                // Only active triggers get runs and slots: the runs were worked out before this transaction (see
                // the scheduler's `TriggerPlan`), and a trigger may have been disabled or deleted since.
                let mut active = std::collections::HashSet::new();
                let named: std::collections::BTreeSet<i64> =
                    runs.iter().filter_map(|run| run.trigger_id).chain(slots.iter().map(|(id, _)| *id)).collect();
                for batch in named.into_iter().collect::<Vec<_>>().chunks(1000) {
                    let mut select = sqlx::QueryBuilder::<<$store as Backend>::Db>::new(
                        "SELECT id FROM triggers WHERE status = 'active' AND id IN (",
                    );
                    let mut ids = select.separated(", ");
                    for id in batch {
                        ids.push_bind(*id);
                    }
                    select.push(")");
                    let rows: Vec<(i64,)> = select.build_query_as().fetch_all(&mut *transaction).await?;
                    active.extend(rows.into_iter().map(|(id,)| id));
                }
                let runs: Vec<NewRun> =
                    runs.into_iter().filter(|run| run.trigger_id.is_none_or(|id| active.contains(&id))).collect();
                let slots: Vec<(i64, DateTime<Utc>)> =
                    slots.iter().copied().filter(|(id, _)| active.contains(id)).collect();
                // Which run each inserted row is: a trigger has at most one run per slot (times to the microsecond,
                // as stored).
                let key = |trigger: Option<i64>, date: DateTime<Utc>| (trigger, date.timestamp_micros());
                // The id of each run created, by its index in `runs`.
                let mut ids: Vec<Option<i64>> = Vec::with_capacity(runs.len());
                // In batches, within the databases' limits on bound values (10 a run, 4 a block run, 2 a slot).
                for batch in runs.chunks(500) {
                    let mut insert = sqlx::QueryBuilder::<<$store as Backend>::Db>::new(
                        "INSERT INTO pipeline_runs (pipeline_uuid, trigger_id, status, variables, definition,
                            execution_date, created_at, code_hash, backfill_id, backfill_index) ",
                    );
                    insert.push_values(batch, |mut row, run| {
                        row.push_bind(run.pipeline_uuid.clone())
                            .push_bind(run.trigger_id)
                            .push_bind(RunStatus::Initial.as_str())
                            .push_bind(Json(run.variables.clone()))
                            .push_bind(Json(run.definition.clone()))
                            .push_bind($stamp(run.execution_date))
                            .push_bind($stamp(now))
                            .push_bind(run.code_hash.clone())
                            .push_bind(run.backfill.map(|slot| slot.backfill_id))
                            .push_bind(run.backfill.map(|slot| slot.index));
                    });
                    // A slot another scheduler already made a run for keeps that run (`pipeline_runs_one_per_slot`).
                    insert.push(" ON CONFLICT DO NOTHING RETURNING id, trigger_id, execution_date");
                    let rows: Vec<(i64, Option<i64>, DateTime<Utc>)> =
                        insert.build_query_as().fetch_all(&mut *transaction).await?;
                    let inserted: std::collections::HashMap<_, _> = rows
                        .into_iter()
                        .map(|(id, trigger, date)| (key(trigger, date), id))
                        .collect();
                    ids.extend(
                        batch
                            .iter()
                            .map(|run| inserted.get(&key(run.trigger_id, run.execution_date)).copied()),
                    );
                }
                let block_runs: Vec<(i64, &String, Option<&String>)> = runs
                    .iter()
                    .zip(&ids)
                    .filter_map(|(run, id)| Some((run, (*id)?)))
                    .flat_map(|(run, id)| {
                        run.block_uuids
                            .iter()
                            .map(move |uuid| (id, uuid, run.worker_tags.get(uuid)))
                    })
                    .collect();
                for batch in block_runs.chunks(1000) {
                    let mut insert = sqlx::QueryBuilder::<<$store as Backend>::Db>::new(
                        "INSERT INTO block_runs (pipeline_run_id, block_uuid, status, worker_tag) ",
                    );
                    insert.push_values(batch, |mut row, (id, uuid, tag)| {
                        row.push_bind(*id)
                            .push_bind((*uuid).clone())
                            .push_bind(BlockRunStatus::Initial.as_str())
                            .push_bind(tag.cloned());
                    });
                    insert.build().execute(&mut *transaction).await?;
                }
                // The latest slot of each trigger, as `record_slot` one after another would leave it.
                let latest: Vec<(i64, DateTime<Utc>)> = slots
                    .iter()
                    .copied()
                    .collect::<std::collections::HashMap<_, _>>()
                    .into_iter()
                    .collect();
                for batch in latest.chunks(1000) {
                    let mut update = sqlx::QueryBuilder::<<$store as Backend>::Db>::new(
                        "UPDATE triggers SET last_slot = slots.column2 FROM (",
                    );
                    update.push_values(batch, |mut row, (trigger, slot)| {
                        row.push_bind(*trigger).push_bind($stamp(*slot));
                    });
                    update.push(") AS slots WHERE triggers.id = slots.column1");
                    update.build().execute(&mut *transaction).await?;
                }
                let changes = ids.iter().flatten().map(|id| Change::Run(*id)).collect();
                Self::announce_all(&mut transaction, changes).await?;
                transaction.commit().await?;
                Ok(runs
                    .into_iter()
                    .zip(ids)
                    .filter_map(|(run, id)| {
                        Some(PipelineRun {
                            id: id?,
                            pipeline_uuid: run.pipeline_uuid,
                            trigger_id: run.trigger_id,
                            status: RunStatus::Initial,
                            variables: run.variables,
                            definition: run.definition,
                            execution_date: run.execution_date,
                            created_at: now,
                            started_at: None,
                            completed_at: None,
                            code_hash: run.code_hash,
                            backfill_id: run.backfill.map(|slot| slot.backfill_id),
                            backfill_index: run.backfill.map(|slot| slot.index),
                            pruned: Default::default(),
                            passed_sla: false,
                        })
                    })
                    .collect())
            }

            async fn change_run(&self, run_id: i64, event: RunEvent) -> Result<RunStatus, StorageError> {
                let mut transaction = self.pool.begin().await?;
                let next = <$store>::apply_run_event(&mut transaction, run_id, event).await?;
                transaction.commit().await?;
                Ok(next)
            }

            async fn change_block_run(
                &self,
                run_id: i64,
                block_uuid: &str,
                change: BlockRunChange,
            ) -> Result<BlockRunStatus, StorageError> {
                // One conditional update: each event leads to one status, from the statuses it is allowed from.
                let (event, next) = (change.event, change.event.target());
                let mut announcements = Vec::new();
                if next == BlockRunStatus::Queued {
                    announcements.push(Change::Queue);
                }
                if next.is_finished() {
                    announcements.push(Change::Run(run_id));
                }
                let update = block_run_update(run_id, block_uuid, change);
                let changed = if <$store>::ANNOUNCES && !announcements.is_empty() {
                    let mut transaction = self.pool.begin().await?;
                    let changed = update.execute(&mut *transaction).await?.rows_affected();
                    if changed > 0 {
                        Self::announce_all(&mut transaction, announcements).await?;
                    }
                    transaction.commit().await?;
                    changed
                } else {
                    update.execute(&self.pool).await?.rows_affected()
                };
                if changed == 0 {
                    // Missing, or in a status the event is not allowed from (read again to say which).
                    let status = locked_status(&self.pool, run_id, block_uuid).await?;
                    return Err(status.refusal(event).into());
                }
                Ok(next)
            }

            async fn run(&self, run_id: i64) -> Result<Option<PipelineRun>, StorageError> {
                Ok(sqlx::query_as::<_, PipelineRun>("SELECT * FROM pipeline_runs WHERE id = $1")
                    .bind(run_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn block_runs(&self, run_id: i64) -> Result<Vec<BlockRun>, StorageError> {
                Ok(sqlx::query_as::<_, BlockRun>(
                    "SELECT * FROM block_runs WHERE pipeline_run_id = $1 ORDER BY id",
                )
                .bind(run_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn run_state(&self, run_id: i64) -> Result<Option<RunState>, StorageError> {
                let row = sqlx::query_as::<_, $crate::rows::RunStateRow>(concat!(
                    "SELECT r.status AS run_status, r.started_at AS run_started_at, r.backfill_id AS run_backfill_id, (",
                    $block_run_heads,
                    " FROM block_runs b WHERE b.pipeline_run_id = r.id AND (b.origin IS NULL OR b.status = 'initial'))
                     AS block_runs FROM pipeline_runs r WHERE r.id = $1"
                ))
                .bind(run_id)
                .fetch_optional(&self.pool)
                .await?;
                $crate::rows::run_state(row)
            }

            async fn block_runs_for(
                &self,
                run_id: i64,
                uuids: &[String],
                origins: &[String],
            ) -> Result<Vec<BlockRun>, StorageError> {
                Ok(sqlx::query_as::<_, BlockRun>(concat!(
                    "SELECT * FROM block_runs WHERE pipeline_run_id = $1
                        AND (block_uuid IN ", $uuid_list, " OR origin IN ", $origin_list, ") ORDER BY id"
                ))
                .bind(run_id)
                .bind(Json(uuids))
                .bind(Json(origins))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn block_run_page(
                &self,
                run_id: i64,
                filter: BlockRunFilter,
            ) -> Result<Vec<BlockRun>, StorageError> {
                Ok(sqlx::query_as::<_, BlockRun>(
                    "SELECT * FROM block_runs WHERE pipeline_run_id = $1
                        AND (($2 IS NULL AND origin IS NULL) OR origin = $2) AND ($3 IS NULL OR status = $3)
                     ORDER BY id LIMIT $4 OFFSET $5",
                )
                .bind(run_id)
                .bind(filter.origin.as_deref())
                .bind(filter.status.map(BlockRunStatus::as_str))
                .bind(filter.limit.unwrap_or(i64::MAX))
                .bind(filter.offset.max(0))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn instance_counts(&self, run_id: i64) -> Result<Vec<InstanceCount>, StorageError> {
                Ok(sqlx::query_as::<_, InstanceCount>(
                    "SELECT origin, status, COUNT(*) AS count FROM block_runs
                     WHERE pipeline_run_id = $1 AND origin IS NOT NULL
                     GROUP BY origin, status ORDER BY origin, status",
                )
                .bind(run_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn expand_block(
                &self,
                run_id: i64,
                block_uuid: &str,
                instances: Vec<NewInstance>,
            ) -> Result<(), StorageError> {
                let mut transaction = self.pool.begin().await?;
                let next = locked_status(&mut *transaction, run_id, block_uuid)
                    .await?
                    .apply(BlockRunEvent::Expand)?;
                let now = $stamp(Utc::now());
                sqlx::query(
                    "UPDATE block_runs SET status = $1, started_at = $2, completed_at = $2
                     WHERE pipeline_run_id = $3 AND block_uuid = $4",
                )
                .bind(next.as_str())
                .bind(now)
                .bind(run_id)
                .bind(block_uuid)
                .execute(&mut *transaction)
                .await?;
                // In batches, within the databases' limits on bound values.
                for batch in instances.chunks(1000) {
                    let mut insert = sqlx::QueryBuilder::<<$store as Backend>::Db>::new(
                        "INSERT INTO block_runs (pipeline_run_id, block_uuid, status, worker_tag, origin, dynamic) ",
                    );
                    insert.push_values(batch, |mut row, instance| {
                        row.push_bind(run_id)
                            .push_bind(instance.uuid.clone())
                            .push_bind(instance.status.as_str())
                            .push_bind(instance.worker_tag.clone())
                            .push_bind(block_uuid.to_owned())
                            .push_bind(Json(instance.dynamic.clone()));
                    });
                    insert.build().execute(&mut *transaction).await.map_err(|error| {
                        conflict(error, || {
                            format!("block `{block_uuid}` of run {run_id} already has instances")
                        })
                    })?;
                }
                Self::announce(&mut transaction, Change::Run(run_id)).await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn delete_instances(&self, run_id: i64, origins: &[String]) -> Result<u64, StorageError> {
                let result = sqlx::query(concat!(
                    "DELETE FROM block_runs WHERE pipeline_run_id = $1 AND origin IN ", $uuid_list
                ))
                .bind(run_id)
                .bind(Json(origins))
                .execute(&self.pool)
                .await?;
                Ok(result.rows_affected())
            }

            async fn runs(&self, filter: RunFilter) -> Result<Vec<PipelineRun>, StorageError> {
                Ok(sqlx::query_as::<_, PipelineRun>(
                    "SELECT * FROM pipeline_runs
                     WHERE ($1 IS NULL OR pipeline_uuid = $1) AND ($2 IS NULL OR status = $2)
                        AND ($3 IS NULL OR trigger_id = $3) AND ($4 IS NULL OR id < $4)
                        AND ($6 IS NULL OR execution_date >= $6) AND ($7 IS NULL OR execution_date < $7)
                     ORDER BY id DESC LIMIT $5",
                )
                .bind(filter.pipeline_uuid.as_deref())
                .bind(filter.status.map(RunStatus::as_str))
                .bind(filter.trigger_id)
                .bind(filter.before_id)
                .bind(filter.limit.unwrap_or(100))
                .bind(filter.since.map($stamp))
                .bind(filter.until.map($stamp))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn latest_run_between(
                &self,
                pipeline_uuid: &str,
                since: DateTime<Utc>,
                until: DateTime<Utc>,
            ) -> Result<Option<PipelineRun>, StorageError> {
                Ok(sqlx::query_as::<_, PipelineRun>(
                    "SELECT * FROM pipeline_runs
                     WHERE pipeline_uuid = $1 AND execution_date >= $2 AND execution_date <= $3
                     ORDER BY execution_date DESC, id DESC LIMIT 1",
                )
                .bind(pipeline_uuid)
                .bind($stamp(since))
                .bind($stamp(until))
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn latest_outputs(
                &self,
                pipeline_uuid: &str,
                block_uuid: &str,
            ) -> Result<Option<BlockOutputs>, StorageError> {
                let row: Option<(Json<BlockOutputs>,)> = sqlx::query_as(
                    "SELECT b.outputs FROM block_runs b JOIN pipeline_runs r ON r.id = b.pipeline_run_id
                     WHERE r.pipeline_uuid = $1 AND b.block_uuid = $2 AND b.status = 'completed'
                        AND b.outputs IS NOT NULL
                     ORDER BY r.id DESC LIMIT 1",
                )
                .bind(pipeline_uuid)
                .bind(block_uuid)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(outputs,)| outputs.0))
            }

            async fn save_code(&self, hash: &str, archive: &[u8]) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO code_versions (hash, archive) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
                )
                .bind(hash)
                .bind(archive)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn has_code(&self, hash: &str) -> Result<bool, StorageError> {
                let row: Option<(String,)> = sqlx::query_as("SELECT hash FROM code_versions WHERE hash = $1")
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.is_some())
            }

            async fn code(&self, hash: &str) -> Result<Option<Vec<u8>>, StorageError> {
                let row: Option<(Vec<u8>,)> =
                    sqlx::query_as("SELECT archive FROM code_versions WHERE hash = $1")
                        .bind(hash)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(archive,)| archive))
            }

            async fn claim_block_runs(
                &self,
                worker: &str,
                tags: &[String],
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                limit: usize,
            ) -> Result<Vec<BlockRun>, StorageError> {
                // The state machine's `queued --start--> running`, in one statement; the row lock (PostgreSQL's
                // SKIP LOCKED, SQLite's single writer) keeps two workers from getting the same row.
                debug_assert_eq!(
                    BlockRunStatus::Queued.apply(BlockRunEvent::Start),
                    Ok(BlockRunStatus::Running)
                );
                let (untagged, named) = $crate::claimable(tags);
                // The picked rows are materialized: a subquery with a limit and row locks must run once, or a
                // plan that ran it again could take rows past the limit.
                let mut claimed = sqlx::query_as::<_, BlockRun>(concat!(
                    "WITH picked AS MATERIALIZED (
                        SELECT id FROM block_runs WHERE status = 'queued'
                          AND (ready_at IS NULL OR ready_at <= $1)
                          AND ((worker_tag IS NULL AND $4) OR worker_tag IN ",
                    $tag_list,
                    ") ORDER BY id LIMIT $6",
                    $skip_locked,
                    ")
                     UPDATE block_runs SET status = 'running', attempt = attempt + 1, started_at = $1,
                        completed_at = NULL, error = NULL, outputs = NULL, claimed_by = $2, lease_until = $3,
                        ready_at = NULL, cancel_requested = FALSE
                     WHERE id IN (SELECT id FROM picked) RETURNING *"
                ))
                .bind($stamp(now))
                .bind(worker)
                .bind($stamp(lease_until))
                .bind(untagged)
                .bind(Json(named))
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
                claimed.sort_by_key(|block_run| block_run.id);
                Ok(claimed)
            }

            async fn renew_lease(
                &self,
                block_run_id: i64,
                worker: &str,
                lease_until: DateTime<Utc>,
            ) -> Result<Lease, StorageError> {
                let row: Option<(bool,)> = sqlx::query_as(
                    "UPDATE block_runs SET lease_until = $1 WHERE id = $2 AND claimed_by = $3 AND status = 'running'
                     RETURNING cancel_requested",
                )
                .bind($stamp(lease_until))
                .bind(block_run_id)
                .bind(worker)
                .fetch_optional(&self.pool)
                .await?;
                Ok(match row {
                    None => Lease::Lost,
                    Some((true,)) => Lease::CancelRequested,
                    Some((false,)) => Lease::Held,
                })
            }

            async fn claim_cancelled_callbacks(
                &self,
                tags: &[String],
            ) -> Result<Option<BlockRun>, StorageError> {
                let (untagged, named) = $crate::claimable(tags);
                Ok(sqlx::query_as::<_, BlockRun>(concat!(
                    "UPDATE block_runs SET cancelled_callbacks = $2
                     WHERE cancelled_callbacks = $1 AND id = (
                        SELECT id FROM block_runs b WHERE b.cancelled_callbacks = $1 AND b.status = $3
                          AND EXISTS (SELECT 1 FROM pipeline_runs r WHERE r.id = b.pipeline_run_id AND r.status = $3)
                          AND ((b.worker_tag IS NULL AND $4) OR b.worker_tag IN ",
                    $tag_list,
                    ") ORDER BY b.id LIMIT 1",
                    $skip_locked,
                    ") RETURNING *"
                ))
                .bind($crate::CancelledCallbacks::Pending.as_str())
                .bind($crate::CancelledCallbacks::Running.as_str())
                .bind(BlockRunStatus::Cancelled.as_str())
                .bind(untagged)
                .bind(Json(named))
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn finish_cancelled_callbacks(
                &self,
                block_run_id: i64,
                error: Option<String>,
                log_path: Option<String>,
            ) -> Result<(), StorageError> {
                let mut transaction = self.pool.begin().await?;
                let row: Option<(i64,)> = sqlx::query_as(
                    "UPDATE block_runs SET cancelled_callbacks = $1, error = COALESCE($2, error),
                        log_path = COALESCE($3, log_path)
                     WHERE id = $4 AND cancelled_callbacks = $5 RETURNING pipeline_run_id",
                )
                .bind($crate::CancelledCallbacks::Done.as_str())
                .bind(error)
                .bind(log_path)
                .bind(block_run_id)
                .bind($crate::CancelledCallbacks::Running.as_str())
                .fetch_optional(&mut *transaction)
                .await?;
                if let Some((run_id,)) = row {
                    Self::announce(&mut transaction, Change::Run(run_id)).await?;
                }
                transaction.commit().await?;
                Ok(())
            }

            async fn request_cancel(&self, run_id: i64, block_uuid: &str) -> Result<(), StorageError> {
                sqlx::query(
                    "UPDATE block_runs SET cancel_requested = TRUE
                     WHERE pipeline_run_id = $1 AND block_uuid = $2 AND status = 'running'",
                )
                .bind(run_id)
                .bind(block_uuid)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn watch_changes(&self) -> Result<Option<tokio::sync::mpsc::Receiver<Change>>, StorageError> {
                self.watch().await
            }

            async fn try_lead(&self) -> Result<bool, StorageError> {
                self.lead().await
            }

            async fn expired_leases(
                &self,
                now: DateTime<Utc>,
                restart_grace: std::time::Duration,
            ) -> Result<Vec<BlockRun>, StorageError> {
                if self.restarted_within(restart_grace).await? {
                    return Ok(Vec::new());
                }
                Ok(sqlx::query_as::<_, BlockRun>(
                    "SELECT * FROM block_runs
                     WHERE status = 'running' AND lease_until IS NOT NULL AND lease_until < $1 ORDER BY id",
                )
                .bind($stamp(now))
                .fetch_all(&self.pool)
                .await?)
            }
        }

        type TriggerQuery<'q> = sqlx::query::QueryAs<
            'q, <$store as Backend>::Db, TriggerRow, <<$store as Backend>::Db as sqlx::Database>::Arguments,
        >;

        /// Binds a trigger's user-set fields as `$1` to `$11`, in the order of the `triggers` table.
        fn bind_spec<'q>(query: TriggerQuery<'q>, spec: &'q TriggerSpec) -> TriggerQuery<'q> {
            query
                .bind(&spec.pipeline_uuid)
                .bind(&spec.name)
                .bind(&spec.description)
                .bind(enum_text(&spec.schedule_type))
                .bind(&spec.schedule_interval)
                .bind(&spec.timezone)
                .bind(spec.start_time.map($stamp))
                .bind(spec.end_time.map($stamp))
                .bind(enum_text(&spec.status))
                .bind(Json(&spec.variables))
                .bind(Json(&spec.settings))
        }

        #[async_trait::async_trait]
        impl TriggerStore for $store {
            async fn create_trigger(
                &self,
                spec: TriggerSpec,
                token: Option<String>,
                now: DateTime<Utc>,
            ) -> Result<Trigger, StorageError> {
                let enabled = (spec.status == TriggerStatus::Active).then_some($stamp(now));
                let query = sqlx::query_as::<_, TriggerRow>(
                    "INSERT INTO triggers (pipeline_uuid, name, description, schedule_type, schedule_interval,
                        timezone, start_time, end_time, status, variables, settings, token, last_enabled_at,
                        created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *",
                );
                bind_spec(query, &spec)
                .bind(token)
                .bind(enabled)
                .bind($stamp(now))
                .fetch_one(&self.pool)
                .await
                .map_err(|error| $crate::triggers::name_taken(error, &spec))?
                .try_into()
            }

            async fn update_trigger(
                &self,
                id: i64,
                spec: TriggerSpec,
                now: DateTime<Utc>,
            ) -> Result<Trigger, StorageError> {
                let query = sqlx::query_as::<_, TriggerRow>(
                    "UPDATE triggers SET pipeline_uuid = $1, name = $2, description = $3, schedule_type = $4,
                        schedule_interval = $5, timezone = $6, start_time = $7, end_time = $8,
                        last_enabled_at = CASE WHEN $9 = 'active' AND status <> 'active' THEN $12
                                               ELSE last_enabled_at END,
                        status = $9, variables = $10, settings = $11
                     WHERE id = $13 RETURNING *",
                );
                bind_spec(query, &spec)
                .bind($stamp(now))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(|error| $crate::triggers::name_taken(error, &spec))?
                .ok_or(StorageError::TriggerNotFound(id))?
                .try_into()
            }

            async fn delete_trigger(&self, id: i64) -> Result<bool, StorageError> {
                let result = sqlx::query("DELETE FROM triggers WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(result.rows_affected() == 1)
            }

            async fn delete_pipeline_triggers(&self, pipeline_uuid: &str) -> Result<u64, StorageError> {
                let result = sqlx::query("DELETE FROM triggers WHERE pipeline_uuid = $1")
                    .bind(pipeline_uuid)
                    .execute(&self.pool)
                    .await?;
                Ok(result.rows_affected())
            }

            async fn set_trigger_token(&self, id: i64, token: &str) -> Result<(), StorageError> {
                let result = sqlx::query("UPDATE triggers SET token = $1 WHERE id = $2")
                    .bind(token)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                if result.rows_affected() == 0 {
                    return Err(StorageError::TriggerNotFound(id));
                }
                Ok(())
            }

            async fn move_triggers(&self, from: &str, to: &str) -> Result<u64, StorageError> {
                let result = sqlx::query("UPDATE triggers SET pipeline_uuid = $2 WHERE pipeline_uuid = $1")
                    .bind(from)
                    .bind(to)
                    .execute(&self.pool)
                    .await?;
                Ok(result.rows_affected())
            }

            async fn trigger(&self, id: i64) -> Result<Option<Trigger>, StorageError> {
                sqlx::query_as::<_, TriggerRow>("SELECT * FROM triggers WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(TryInto::try_into)
                    .transpose()
            }

            async fn triggers(&self, pipeline_uuid: Option<&str>) -> Result<Vec<Trigger>, StorageError> {
                sqlx::query_as::<_, TriggerRow>(
                    "SELECT * FROM triggers WHERE ($1 IS NULL OR pipeline_uuid = $1) ORDER BY id",
                )
                .bind(pipeline_uuid)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(TryInto::try_into)
                .collect()
            }

            async fn record_slot(&self, id: i64, slot: DateTime<Utc>) -> Result<(), StorageError> {
                sqlx::query("UPDATE triggers SET last_slot = $1 WHERE id = $2")
                    .bind($stamp(slot))
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
    };
}

pub(crate) use shared_queries;
