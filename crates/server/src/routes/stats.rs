//! The dashboard's and the timeline's read-only views of the run history: the overview of all pipelines over a time
//! window, one pipeline's run and block durations, and one run's block runs on a time axis. The store counts and
//! groups; percentiles, empty days and rankings are shaped here. Nothing here changes anything.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use model::{BlockRunStatus, RunStatus, ScheduleType, TriggerStatus};
use serde::{Deserialize, Serialize};
use storage::{BlockRunFilter, BlockSpan, RunFilter, RunTotal};
use utoipa::{IntoParams, ToSchema};

use crate::dto::{RunDto, TriggerDto};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// The window when none is asked for, and the longest one.
const DEFAULT_DAYS: i64 = 7;
const MAX_DAYS: i64 = 366;
/// How many pipelines each ranking, running runs and next runs list.
const TOP: usize = 5;
const RUNNING: i64 = 10;
const NEXT_RUNS: usize = 10;
/// A pipeline's history: at most this many runs, and block durations from at most this many of them (and rows).
const HISTORY_RUNS: i64 = 500;
const BLOCK_RUNS_FROM: i64 = 100;
const BLOCK_ROWS: i64 = 50_000;

#[derive(Debug, Deserialize, IntoParams)]
pub(super) struct WindowQuery {
    /// The window: runs created in the last this many days (UTC days, today included; 7 unless given, at most 366).
    days: Option<i64>,
}

/// All pipelines over a window of days.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OverviewDto {
    pub days: i64,
    /// The window's start (midnight UTC of its first day).
    pub since: DateTime<Utc>,
    /// One entry per day of the window, oldest first, days without runs included.
    pub per_day: Vec<DayDto>,
    pub totals: TotalsDto,
    /// The pipelines whose completed runs took longest on average, slowest first.
    pub slowest: Vec<PipelineSummaryDto>,
    /// The pipelines with the most failed runs, most first.
    pub most_failing: Vec<PipelineSummaryDto>,
    pub now: WorkNowDto,
    /// The next slots of active schedule triggers, soonest first.
    pub next_runs: Vec<NextRunDto>,
}

/// The runs created on one UTC day.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub(crate) struct DayDto {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Status -> how many runs (statuses with none are left out).
    #[schema(value_type = BTreeMap<String, i64>)]
    pub counts: BTreeMap<&'static str, i64>,
}

/// The runs of the window.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub(crate) struct TotalsDto {
    pub runs: i64,
    pub completed: i64,
    pub failed: i64,
    pub cancelled: i64,
    /// Failed runs among the finished ones (completed, failed, cancelled), from 0 to 1; none when none finished.
    pub failure_rate: Option<f64>,
}

/// One pipeline over the window.
#[derive(Debug, Serialize, ToSchema, PartialEq, Clone)]
pub(crate) struct PipelineSummaryDto {
    pub pipeline_uuid: String,
    pub runs: i64,
    pub failed: i64,
    pub failure_rate: Option<f64>,
    /// The mean and longest duration of its completed runs.
    pub mean_seconds: Option<f64>,
    pub max_seconds: Option<f64>,
}

/// The work going on now.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WorkNowDto {
    /// Runs created and not started yet.
    pub initial_runs: i64,
    pub running_runs: i64,
    /// Block runs waiting for a worker.
    pub queued_block_runs: i64,
    pub running_block_runs: i64,
    /// The newest running runs (at most 10).
    pub running: Vec<RunDto>,
}

/// The next slot of a schedule trigger.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NextRunDto {
    pub trigger_id: i64,
    pub trigger_name: String,
    pub pipeline_uuid: String,
    pub schedule_interval: Option<String>,
    pub at: DateTime<Utc>,
}

/// One pipeline's runs and block durations over a window.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PipelineStatsDto {
    pub days: i64,
    pub since: DateTime<Utc>,
    /// Its runs of the window, oldest first (the newest 500 at most).
    pub runs: Vec<RunPointDto>,
    /// Each block's durations over its completed block runs in the newest 100 runs of the window (a dynamic child's
    /// instances count as its block), in the pipeline's order.
    pub blocks: Vec<BlockDurationDto>,
}

/// One run on a history chart.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RunPointDto {
    pub id: i64,
    pub status: RunStatus,
    pub created_at: DateTime<Utc>,
    /// From its start to its end (to now while it runs); none before it starts.
    pub duration_seconds: Option<f64>,
}

/// How long one block takes.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub(crate) struct BlockDurationDto {
    pub block: String,
    /// How many completed block runs (or instances) the figures come from.
    pub samples: i64,
    pub median_seconds: f64,
    pub p90_seconds: f64,
    pub max_seconds: f64,
}

/// A run's block runs on a time axis.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TimelineDto {
    pub run_id: i64,
    pub status: RunStatus,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The server's clock, where unfinished bars end.
    pub now: DateTime<Utc>,
    /// The pipeline's own block runs, in its order; a dynamic child carries its instances summed up.
    pub blocks: Vec<TimelineBlockDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TimelineBlockDto {
    pub block_uuid: String,
    pub status: BlockRunStatus,
    pub attempt: i64,
    /// When it last became queued (none for block runs older than this field, or never queued).
    pub queued_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// For a dynamic child with instances: their count by status and their span (page them through
    /// `/runs/{id}/block_runs?block=`).
    pub instances: Option<InstancesDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InstancesDto {
    pub total: i64,
    #[schema(value_type = BTreeMap<String, i64>)]
    pub counts: BTreeMap<&'static str, i64>,
    pub first_queued_at: Option<DateTime<Utc>>,
    pub first_started_at: Option<DateTime<Utc>>,
    pub last_completed_at: Option<DateTime<Utc>>,
}

/// Runs per day by status, failure rate, the slowest and most failing pipelines, the work going on now and the
/// next scheduled runs.
#[utoipa::path(get, path = "/overview", tag = "stats", params(WindowQuery),
    responses((status = OK, body = OverviewDto), (status = 422, body = ErrorBody)))]
pub(super) async fn overview(
    State(state): State<AppState>,
    Query(query): Query<WindowQuery>,
) -> Result<Json<OverviewDto>, ApiError> {
    let now = Utc::now();
    let (days, since) = window(query.days, now)?;
    let totals = state.store.run_totals(since).await?;
    let per_day = fill_days(since, days, &totals);
    let pipelines = summarize(&totals);
    let work = state.store.work_now().await?;
    let running = state
        .store
        .runs(RunFilter {
            status: Some(RunStatus::Running),
            limit: Some(RUNNING),
            ..RunFilter::default()
        })
        .await?;
    let triggers = state.store.triggers(None).await?;
    Ok(Json(OverviewDto {
        days,
        since,
        per_day,
        totals: sum_totals(&totals),
        slowest: rank(&pipelines, |p| p.mean_seconds),
        most_failing: rank(&pipelines, |p| (p.failed > 0).then_some(p.failed as f64)),
        now: WorkNowDto {
            initial_runs: work.initial_runs,
            running_runs: work.running_runs,
            queued_block_runs: work.queued_block_runs,
            running_block_runs: work.running_block_runs,
            running: running.into_iter().map(RunDto::from).collect(),
        },
        next_runs: next_runs(triggers),
    }))
}

/// One pipeline's runs (duration and status) and its blocks' median, 90th percentile and longest durations.
#[utoipa::path(get, path = "/pipelines/{uuid}/stats", tag = "stats",
    params(("uuid" = String, Path, description = "The pipeline's folder name"), WindowQuery),
    responses((status = OK, body = PipelineStatsDto), (status = 422, body = ErrorBody)))]
pub(super) async fn pipeline(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Query(query): Query<WindowQuery>,
) -> Result<Json<PipelineStatsDto>, ApiError> {
    let now = Utc::now();
    let (days, since) = window(query.days, now)?;
    let mut spans = state.store.run_spans(&uuid, since, HISTORY_RUNS).await?;
    spans.reverse();
    let runs = spans
        .into_iter()
        .map(|span| RunPointDto {
            id: span.id,
            status: span.status,
            created_at: span.created_at,
            duration_seconds: span
                .started_at
                .map(|start| seconds(start, span.completed_at.unwrap_or(now))),
        })
        .collect();
    let block_spans = state
        .store
        .block_spans(&uuid, since, BLOCK_RUNS_FROM, BLOCK_ROWS)
        .await?;
    Ok(Json(PipelineStatsDto {
        days,
        since,
        runs,
        blocks: block_durations(&block_spans),
    }))
}

/// A run's block runs with when each was queued, started and ended; a dynamic child's instances summed up.
#[utoipa::path(get, path = "/runs/{id}/timeline", tag = "runs", params(("id" = i64, Path, description = "Run id")),
    responses((status = OK, body = TimelineDto), (status = 404, body = ErrorBody)))]
pub(super) async fn timeline(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<TimelineDto>, ApiError> {
    let now = Utc::now();
    let run = state
        .store
        .run(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run {id} does not exist")))?;
    let own = state
        .store
        .block_run_page(
            id,
            BlockRunFilter {
                origin: None,
                status: None,
                offset: 0,
                limit: None,
            },
        )
        .await?;
    let mut counts: HashMap<String, BTreeMap<&'static str, i64>> = HashMap::new();
    for count in state.store.instance_counts(id).await? {
        counts
            .entry(count.origin)
            .or_default()
            .insert(count.status.as_str(), count.count);
    }
    let mut spans: HashMap<String, InstancesDto> = state
        .store
        .instance_spans(id)
        .await?
        .into_iter()
        .map(|span| {
            let dto = InstancesDto {
                total: span.count,
                counts: counts.remove(&span.origin).unwrap_or_default(),
                first_queued_at: span.first_queued_at,
                first_started_at: span.first_started_at,
                last_completed_at: span.last_completed_at,
            };
            (span.origin, dto)
        })
        .collect();
    let blocks = own
        .into_iter()
        .map(|block_run| TimelineBlockDto {
            instances: spans.remove(&block_run.block_uuid),
            status: block_run.status,
            attempt: block_run.attempt,
            queued_at: block_run.queued_at,
            started_at: block_run.started_at,
            completed_at: block_run.completed_at,
            block_uuid: block_run.block_uuid,
        })
        .collect();
    Ok(Json(TimelineDto {
        run_id: run.id,
        status: run.status,
        created_at: run.created_at,
        started_at: run.started_at,
        completed_at: run.completed_at,
        now,
        blocks,
    }))
}

/// The window's length in days and its start: midnight UTC `days - 1` days before today.
fn window(days: Option<i64>, now: DateTime<Utc>) -> Result<(i64, DateTime<Utc>), ApiError> {
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::invalid(format!(
            "`days` must be from 1 to {MAX_DAYS}, not {days}"
        )));
    }
    let today = now.date_naive().and_time(NaiveTime::MIN).and_utc();
    Ok((days, today - Duration::days(days - 1)))
}

/// One entry per day from `since`, the days without runs included.
fn fill_days(since: DateTime<Utc>, days: i64, counts: &[RunTotal]) -> Vec<DayDto> {
    let mut per_day: Vec<DayDto> = (0..days)
        .map(|offset| DayDto {
            day: (since + Duration::days(offset))
                .format("%Y-%m-%d")
                .to_string(),
            counts: BTreeMap::new(),
        })
        .collect();
    for count in counts {
        if let Some(day) = per_day.iter_mut().find(|day| day.day == count.day) {
            *day.counts.entry(count.status.as_str()).or_default() += count.runs;
        }
    }
    per_day
}

fn failure_rate(failed: i64, finished: i64) -> Option<f64> {
    (finished > 0).then(|| failed as f64 / finished as f64)
}

fn sum_totals(totals: &[RunTotal]) -> TotalsDto {
    let count = |status: RunStatus| {
        totals
            .iter()
            .filter(|total| total.status == status)
            .map(|total| total.runs)
            .sum::<i64>()
    };
    let (completed, failed, cancelled) = (
        count(RunStatus::Completed),
        count(RunStatus::Failed),
        count(RunStatus::Cancelled),
    );
    TotalsDto {
        runs: totals.iter().map(|total| total.runs).sum(),
        completed,
        failed,
        cancelled,
        failure_rate: failure_rate(failed, completed + failed + cancelled),
    }
}

/// Each pipeline's runs, failures and completed runs' mean and longest durations, by name.
fn summarize(totals: &[RunTotal]) -> Vec<PipelineSummaryDto> {
    #[derive(Default)]
    struct Sums {
        runs: i64,
        failed: i64,
        finished: i64,
        timed: i64,
        seconds: f64,
        max: Option<f64>,
    }
    let mut sums: BTreeMap<&str, Sums> = BTreeMap::new();
    for total in totals {
        let sum = sums.entry(&total.pipeline_uuid).or_default();
        sum.runs += total.runs;
        if total.status.is_finished() {
            sum.finished += total.runs;
        }
        match total.status {
            RunStatus::Failed => sum.failed += total.runs,
            RunStatus::Completed => {
                sum.timed += total.timed;
                sum.seconds += total.total_seconds.unwrap_or_default();
                sum.max = match (sum.max, total.max_seconds) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
            _ => {}
        }
    }
    sums.into_iter()
        .map(|(pipeline_uuid, sum)| PipelineSummaryDto {
            pipeline_uuid: pipeline_uuid.to_owned(),
            runs: sum.runs,
            failed: sum.failed,
            failure_rate: failure_rate(sum.failed, sum.finished),
            mean_seconds: (sum.timed > 0).then(|| sum.seconds / sum.timed as f64),
            max_seconds: sum.max,
        })
        .collect()
}

/// The `TOP` pipelines with the highest `key` (those without one left out), ties by name.
fn rank(
    pipelines: &[PipelineSummaryDto],
    key: impl Fn(&PipelineSummaryDto) -> Option<f64>,
) -> Vec<PipelineSummaryDto> {
    let mut keyed: Vec<(f64, &PipelineSummaryDto)> = pipelines
        .iter()
        .filter_map(|pipeline| key(pipeline).map(|value| (value, pipeline)))
        .collect();
    keyed.sort_by(|(a, pa), (b, pb)| {
        b.total_cmp(a)
            .then_with(|| pa.pipeline_uuid.cmp(&pb.pipeline_uuid))
    });
    keyed
        .into_iter()
        .take(TOP)
        .map(|(_, pipeline)| pipeline.clone())
        .collect()
}

/// The next slot of each active schedule trigger (the trigger's own schedule math), soonest first.
fn next_runs(triggers: Vec<model::Trigger>) -> Vec<NextRunDto> {
    let mut next: Vec<NextRunDto> = triggers
        .into_iter()
        .filter(|trigger| {
            trigger.status == TriggerStatus::Active && trigger.schedule_type == ScheduleType::Time
        })
        .filter_map(|trigger| {
            let dto = TriggerDto::from(trigger);
            Some(NextRunDto {
                at: dto.next_run_at?,
                trigger_id: dto.id,
                trigger_name: dto.name,
                pipeline_uuid: dto.pipeline_uuid,
                schedule_interval: dto.schedule_interval,
            })
        })
        .collect();
    next.sort_by(|a, b| a.at.cmp(&b.at).then(a.trigger_id.cmp(&b.trigger_id)));
    next.truncate(NEXT_RUNS);
    next
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

/// Each block's median, 90th percentile and longest duration over its completed block runs; a dynamic child's
/// instances count as its block, and its own block run (which only made them) is left out.
fn block_durations(spans: &[BlockSpan]) -> Vec<BlockDurationDto> {
    let expanded: HashSet<(i64, &str)> = spans
        .iter()
        .filter_map(|span| Some((span.pipeline_run_id, span.origin.as_deref()?)))
        .collect();
    let mut order: Vec<&str> = Vec::new();
    let mut samples: HashMap<&str, Vec<f64>> = HashMap::new();
    for span in spans {
        if span.status != BlockRunStatus::Completed
            || (span.origin.is_none()
                && expanded.contains(&(span.pipeline_run_id, span.block_uuid.as_str())))
        {
            continue;
        }
        let block = span.origin.as_deref().unwrap_or(&span.block_uuid);
        let durations = samples.entry(block).or_insert_with(|| {
            order.push(block);
            Vec::new()
        });
        durations.push(seconds(span.started_at, span.completed_at));
    }
    order
        .into_iter()
        .map(|block| {
            let mut durations = samples.remove(block).unwrap_or_default();
            durations.sort_by(f64::total_cmp);
            BlockDurationDto {
                block: block.to_owned(),
                samples: durations.len() as i64,
                median_seconds: percentile(&durations, 50),
                p90_seconds: percentile(&durations, 90),
                max_seconds: durations.last().copied().unwrap_or_default(),
            }
        })
        .collect()
}

/// The nearest-rank `p`th percentile of `sorted` (ascending, not empty).
fn percentile(sorted: &[f64], p: usize) -> f64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!((percentile(&ten, 50), percentile(&ten, 90)), (5.0, 9.0));
        assert_eq!((percentile(&[7.0], 50), percentile(&[7.0], 90)), (7.0, 7.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 90), 3.0);
    }

    #[test]
    fn the_window_starts_at_midnight_utc_and_counts_today() {
        let now = DateTime::parse_from_rfc3339("2026-03-10T15:04:05Z")
            .unwrap()
            .to_utc();
        let (days, since) = window(Some(7), now).unwrap();
        assert_eq!(
            (days, since.to_rfc3339()),
            (7, "2026-03-04T00:00:00+00:00".to_owned())
        );
        assert!(window(Some(0), now).is_err());
        assert!(window(Some(367), now).is_err());
    }

    #[test]
    fn days_without_runs_are_listed() {
        let since = DateTime::parse_from_rfc3339("2026-03-08T00:00:00Z")
            .unwrap()
            .to_utc();
        let counts = [RunTotal {
            day: "2026-03-09".to_owned(),
            pipeline_uuid: "p".to_owned(),
            status: RunStatus::Failed,
            runs: 2,
            timed: 0,
            total_seconds: None,
            max_seconds: None,
        }];
        let days = fill_days(since, 3, &counts);
        let shape: Vec<(String, Vec<(&str, i64)>)> = days
            .into_iter()
            .map(|day| (day.day, day.counts.into_iter().collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("2026-03-08".to_owned(), vec![]),
                ("2026-03-09".to_owned(), vec![("failed", 2)]),
                ("2026-03-10".to_owned(), vec![]),
            ]
        );
    }

    #[test]
    fn a_dynamic_childs_own_block_run_is_left_out_of_its_durations() {
        let at = |s: i64| DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap();
        let span = |run, block: &str, origin: Option<&str>, from, to| BlockSpan {
            pipeline_run_id: run,
            block_uuid: block.to_owned(),
            origin: origin.map(str::to_owned),
            status: BlockRunStatus::Completed,
            started_at: at(from),
            completed_at: at(to),
        };
        let spans = [
            span(1, "load", None, 0, 4),
            span(1, "square", None, 4, 4),
            span(1, "square:0", Some("square"), 5, 6),
            span(1, "square:1", Some("square"), 5, 8),
            span(2, "load", None, 0, 2),
            BlockSpan {
                status: BlockRunStatus::Failed,
                ..span(2, "square", None, 2, 9)
            },
        ];
        assert_eq!(
            block_durations(&spans),
            vec![
                BlockDurationDto {
                    block: "load".to_owned(),
                    samples: 2,
                    median_seconds: 2.0,
                    p90_seconds: 4.0,
                    max_seconds: 4.0
                },
                BlockDurationDto {
                    block: "square".to_owned(),
                    samples: 2,
                    median_seconds: 1.0,
                    p90_seconds: 3.0,
                    max_seconds: 3.0
                },
            ]
        );
    }
}
