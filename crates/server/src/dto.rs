//! The JSON shapes of the API, separate from the model so the wire format changes only on purpose.

use chrono::{DateTime, Utc};
use model::{AddonBlock, Block, BlockRunStatus, RunStatus, ScheduleType, Trigger, TriggerStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use storage::{BlockRun, PipelineRun};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    pub status: HealthStatus,
    pub version: &'static str,
}

/// A server that answers is up; there is no other status.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum HealthStatus {
    Ok,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProjectDto {
    pub name: String,
    pub root: String,
    pub data_dir: String,
    pub database: String,
    pub version: &'static str,
    pub pipelines: usize,
}

/// A pipeline in the list; one whose files are invalid is listed with its error.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PipelineSummary {
    pub uuid: String,
    pub name: String,
    pub blocks: usize,
    pub triggers: usize,
    pub last_run: Option<RunDto>,
    pub error: Option<String>,
    /// Why the pipeline's `triggers.yaml` (or an entry of it) cannot be applied; its triggers stay as they were
    /// until it is fixed.
    pub triggers_error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PipelineDetail {
    pub uuid: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    pub blocks: Vec<BlockDto>,
    /// Problems that were repaired while loading (e.g. disagreeing downstream lists).
    pub warnings: Vec<String>,
    /// Why the pipeline's `triggers.yaml` (or an entry of it) cannot be applied; its triggers stay as they were
    /// until it is fixed.
    pub triggers_error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BlockDto {
    pub uuid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub block_type: String,
    pub language: String,
    pub upstream_blocks: Vec<String>,
    pub downstream_blocks: Vec<String>,
    pub file: String,
    pub timeout: Option<f64>,
    pub retries: Option<u32>,
    /// The block's `configuration` as metadata.yaml holds it, under Mage's keys (a SQL block's `data_provider`,
    /// `data_provider_profile`, `data_provider_schema`, `export_write_policy`...).
    #[schema(value_type = Object)]
    pub configuration: Value,
    /// The conditionals attached to the block (Mage's `conditionals:` entries listing it): it runs only if they
    /// hold.
    pub conditionals: Vec<AddonBlock>,
    /// The callbacks attached to the block (`callbacks:` entries listing it, and its own `<uuid>_callback`).
    pub callbacks: Vec<AddonBlock>,
}

impl BlockDto {
    pub(crate) fn new(block: &Block, downstream: Vec<String>) -> BlockDto {
        BlockDto {
            uuid: block.uuid.clone(),
            name: block.name.clone(),
            block_type: block.block_type.as_str().to_owned(),
            language: block.language.as_str().to_owned(),
            upstream_blocks: block.upstream.clone(),
            downstream_blocks: downstream,
            file: block.file.clone(),
            timeout: block.timeout,
            retries: block.retry.retries,
            configuration: match &block.configuration {
                Value::Object(_) => block.configuration.clone(),
                _ => Value::Object(Map::new()),
            },
            conditionals: block.conditionals.clone(),
            callbacks: block.callbacks.clone(),
        }
    }
}

/// A trigger as the API shows it; `api_url` is set for API triggers.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TriggerDto {
    pub id: i64,
    pub pipeline_uuid: String,
    pub name: String,
    pub description: Option<String>,
    pub schedule_type: ScheduleType,
    pub schedule_interval: Option<String>,
    pub timezone: String,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub status: TriggerStatus,
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    pub settings: model::TriggerSettings,
    pub token: Option<String>,
    /// The path of Mage's API-trigger URL for this trigger.
    pub api_url: Option<String>,
    /// The next slot of an active time trigger.
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_enabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<Trigger> for TriggerDto {
    fn from(trigger: Trigger) -> TriggerDto {
        let next_run_at = (trigger.status == TriggerStatus::Active
            && trigger.schedule_type == ScheduleType::Time)
            .then(|| trigger.schedule().ok())
            .flatten()
            .and_then(|schedule| {
                schedule.next_after(trigger.last_slot.unwrap_or_else(Utc::now).max(Utc::now()))
            });
        let api_url = trigger.token.as_ref().map(|token| {
            format!(
                "/api/pipeline_schedules/{}/pipeline_runs/{token}",
                trigger.id
            )
        });
        TriggerDto {
            id: trigger.id,
            name: trigger.name,
            description: trigger.description,
            schedule_type: trigger.schedule_type,
            schedule_interval: trigger.schedule_interval,
            timezone: trigger.timezone,
            start_time: trigger.start_time,
            end_time: trigger.end_time,
            status: trigger.status,
            variables: trigger.variables,
            settings: trigger.settings,
            token: trigger.token,
            api_url,
            next_run_at,
            last_enabled_at: trigger.last_enabled_at,
            created_at: trigger.created_at,
            pipeline_uuid: trigger.pipeline_uuid,
        }
    }
}

/// What a client sends to create or replace a trigger.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct TriggerInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `time` when not given.
    #[serde(default)]
    pub schedule_type: Option<ScheduleType>,
    /// `@once`, `@hourly`, `@daily`, `@weekly`, `@monthly` or a 5-field cron expression.
    #[serde(default)]
    pub schedule_interval: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub end_time: Option<DateTime<Utc>>,
    /// `inactive` when not given.
    #[serde(default)]
    pub status: Option<TriggerStatus>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    /// skip_if_previous_running, allow_blocks_to_fail, create_initial_pipeline_run, timeout, timeout_status,
    /// pipeline_run_limit, catch_up (`none`, `latest`, `all`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub settings: Value,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct RunNowInput {
    #[serde(default)]
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
}

/// What to do with a streaming pipeline's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StreamAction {
    /// Start a run (through the pipeline's active `@always_on` trigger if it has one); refused while one runs.
    Start,
    /// Cancel every unfinished run of the pipeline; the `@always_on` trigger does not start another.
    Stop,
    /// Stop it if it runs, wait until the stopped runs' source has ended, then start it.
    Restart,
}

impl StreamAction {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StreamAction::Start => "start",
            StreamAction::Stop => "stop",
            StreamAction::Restart => "restart",
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct StreamActionInput {
    pub action: StreamAction,
}

/// A run of a stream, in short.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StreamRunRef {
    pub id: i64,
    pub status: RunStatus,
}

impl From<&PipelineRun> for StreamRunRef {
    fn from(run: &PipelineRun) -> StreamRunRef {
        StreamRunRef {
            id: run.id,
            status: run.status,
        }
    }
}

/// Where a pipeline's stream stands.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StreamStateDto {
    /// Whether the pipeline is a streaming one (`type: streaming`); the other fields but `newest` are empty when not.
    pub streaming: bool,
    /// Its unfinished run, if it runs.
    pub running: Option<StreamRunRef>,
    /// Its active `@always_on` trigger, which starts go through and which keeps the stream up until it is stopped.
    pub always_on_trigger_id: Option<i64>,
    /// Its newest run, finished or not.
    pub newest: Option<StreamRunRef>,
}

impl From<scheduler::StreamState> for StreamStateDto {
    fn from(state: scheduler::StreamState) -> StreamStateDto {
        StreamStateDto {
            streaming: state.streaming,
            running: state.running.as_ref().map(StreamRunRef::from),
            always_on_trigger_id: state.always_on.map(|trigger| trigger.id),
            newest: state.newest.as_ref().map(StreamRunRef::from),
        }
    }
}

/// What a stream action did, and where the stream stands afterwards.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StreamChangeDto {
    /// The runs it cancelled.
    pub stopped: Vec<i64>,
    /// The run it started.
    pub started: Option<i64>,
    pub stream: StreamStateDto,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct RetryInput {
    /// Retry this block and every block below it; without it, the blocks that did not complete.
    #[serde(default)]
    pub from_block: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RunDto {
    pub id: i64,
    pub pipeline_uuid: String,
    pub trigger_id: Option<i64>,
    pub status: RunStatus,
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    pub execution_date: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<f64>,
    /// The version of the project's code the run executes (a content hash).
    pub code_hash: Option<String>,
    /// The backfill the run belongs to.
    pub backfill_id: Option<i64>,
    /// When a retention cleanup deleted the run's block outputs from the disk (the run stays listed), and the
    /// period that did (`90d`, Mage's `variables_retention_period`).
    pub outputs_pruned_at: Option<DateTime<Utc>>,
    pub outputs_pruned_by: Option<String>,
    /// The same for its logs (`logging_config.retention_period`).
    pub logs_pruned_at: Option<DateTime<Utc>>,
    pub logs_pruned_by: Option<String>,
    /// It was still going past its trigger's `sla` (Mage's `passed_sla`).
    pub passed_sla: bool,
}

impl From<PipelineRun> for RunDto {
    fn from(run: PipelineRun) -> RunDto {
        RunDto {
            id: run.id,
            trigger_id: run.trigger_id,
            status: run.status,
            variables: run.variables,
            execution_date: run.execution_date,
            created_at: run.created_at,
            duration_seconds: seconds(run.started_at, run.completed_at),
            started_at: run.started_at,
            completed_at: run.completed_at,
            pipeline_uuid: run.pipeline_uuid,
            code_hash: run.code_hash,
            backfill_id: run.backfill_id,
            outputs_pruned_at: run.pruned.outputs_pruned_at,
            outputs_pruned_by: run.pruned.outputs_pruned_by,
            logs_pruned_at: run.pruned.logs_pruned_at,
            logs_pruned_by: run.pruned.logs_pruned_by,
            passed_sla: run.passed_sla,
        }
    }
}

/// One page of runs, newest first; pass `next_before` as `before` for the next page.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RunPage {
    pub runs: Vec<RunDto>,
    pub next_before: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BlockRunDto {
    pub id: i64,
    /// The block run's name: a block's uuid, or for an instance of a dynamic child `<block>:<suffix>`.
    pub block_uuid: String,
    /// The pipeline block it runs: `block_uuid`, or for an instance the dynamic child's uuid.
    pub block: String,
    /// For an instance of a dynamic child: Mage's `dynamic_block_index` (its position among the instances).
    pub dynamic_block_index: Option<i64>,
    pub status: BlockRunStatus,
    pub attempt: i64,
    /// When it last became queued (for the run timeline).
    pub queued_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<f64>,
    pub error: Option<String>,
    /// A sensor whose check did not hold (status `queued`, no process meanwhile): when it is checked next.
    pub waiting_until: Option<DateTime<Utc>>,
}

impl From<BlockRun> for BlockRunDto {
    fn from(block_run: BlockRun) -> BlockRunDto {
        let block = block_run.block().to_owned();
        BlockRunDto {
            id: block_run.id,
            status: block_run.status,
            attempt: block_run.attempt,
            duration_seconds: seconds(block_run.started_at, block_run.completed_at),
            queued_at: block_run.queued_at,
            started_at: block_run.started_at,
            completed_at: block_run.completed_at,
            error: block_run.error,
            waiting_until: match (block_run.status, block_run.waiting_since) {
                (BlockRunStatus::Queued, Some(_)) => block_run.ready_at,
                _ => None,
            },
            block,
            dynamic_block_index: block_run
                .dynamic
                .as_ref()
                .map(|dynamic| dynamic.index as i64),
            block_uuid: block_run.block_uuid,
        }
    }
}

/// The instances of one dynamic child in a run: how many, and how many in each status.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BlockGroupDto {
    /// The dynamic child (a block of the pipeline).
    pub block: String,
    pub total: i64,
    /// Status -> how many instances are in it (statuses with none are left out).
    #[schema(value_type = std::collections::BTreeMap<String, i64>)]
    pub counts: std::collections::BTreeMap<&'static str, i64>,
}

/// A block run's log: one entry per line the block printed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LogDto {
    pub block_uuid: String,
    pub lines: Vec<LogLineDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LogLineDto {
    pub time: String,
    /// `stdout` or `stderr`.
    pub stream: String,
    pub text: String,
}

impl LogLineDto {
    /// A line as the log file stores it.
    pub(crate) fn parse(stored: &str) -> LogLineDto {
        let (time, stream, text) = runtime::parse_log_line(stored);
        LogLineDto {
            time: time.to_owned(),
            stream: stream.to_owned(),
            text: text.to_owned(),
        }
    }
}

fn seconds(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Option<f64> {
    Some((end? - start?).num_microseconds()? as f64 / 1e6)
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FileEntryDto {
    pub path: String,
    pub is_dir: bool,
    pub size: u64,
}

impl From<project::FileEntry> for FileEntryDto {
    fn from(entry: project::FileEntry) -> FileEntryDto {
        FileEntryDto {
            path: entry.path,
            is_dir: entry.is_dir,
            size: entry.size,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FileContentDto {
    pub path: String,
    pub content: String,
    /// Send it back when saving, so a save never overwrites a newer one.
    pub version: String,
}

impl From<project::FileContent> for FileContentDto {
    fn from(file: project::FileContent) -> FileContentDto {
        FileContentDto {
            path: file.path,
            content: file.content,
            version: file.version,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct FileWrite {
    #[schema(min_length = 1)]
    pub path: String,
    pub content: String,
    /// The version that was read; omit it only to create a new file.
    #[serde(default)]
    pub version: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NewFile {
    #[schema(min_length = 1)]
    pub path: String,
    #[serde(default)]
    pub is_dir: bool,
    #[serde(default)]
    pub content: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct Rename {
    #[schema(min_length = 1)]
    pub from: String,
    #[schema(min_length = 1)]
    pub to: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PipelineName {
    pub name: String,
}

/// A block to add: from a template (`template`, default the type's generic one) or an existing file.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NewBlockInput {
    pub name: String,
    /// data_loader, transformer, data_exporter, custom, sensor, scratchpad, markdown...
    #[serde(rename = "type")]
    pub block_type: String,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub upstream_blocks: Vec<String>,
    /// A key from `/block_templates`, e.g. `data_loader/api` or `data_loader/sql/postgres` (a SQL block on
    /// PostgreSQL).
    #[serde(default)]
    pub template: Option<String>,
    /// A file already in the project to use as the block ("Add to current pipeline").
    #[serde(default)]
    pub existing_file: Option<String>,
}

/// A conditional or callback to attach to a block: a new one named `name` (its file from Mage's template, or the
/// project's file of that name), or the pipeline's add-on `addon` attached to one more block.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct AddonInput {
    /// `conditional` or `callback` (for a new one).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The new add-on's name; its uuid and file (`conditionals/<uuid>.py`, `callbacks/<uuid>.py`) follow.
    #[serde(default)]
    pub name: Option<String>,
    /// The uuid of an add-on the pipeline has.
    #[serde(default)]
    pub addon: Option<String>,
}

/// Changes to a block: its name (its uuid follows), its parents, its place in the list, keys of its configuration.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct BlockUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub upstream_blocks: Option<Vec<String>>,
    #[serde(default)]
    pub position: Option<usize>,
    /// Keys of the block's `configuration` to change, under Mage's names (`data_provider`, `data_provider_profile`,
    /// `data_provider_database`, `data_provider_schema`, `data_provider_table`, `export_write_policy`, `limit`,
    /// `use_raw_sql`...): each given key is set, `null` removes it, the others stay.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub configuration: Option<Map<String, Value>>,
}

/// A profile of the project's `io_config.yaml`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IoConfigProfileDto {
    pub name: String,
    /// The SQL providers (`duckdb`, `postgres`, `mysql`) the profile has settings for, in the file's order.
    pub providers: Vec<&'static str>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct CodeWrite {
    pub content: String,
    /// The version that was read.
    pub version: String,
}

/// A template a new block can start from (`template` of a new block).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TemplateDto {
    /// `<type>/<source>`, e.g. `data_loader/api`; `<type>/sql/<data_provider>` for a SQL template for one
    /// database, e.g. `data_loader/sql/postgres`.
    pub key: &'static str,
    #[serde(rename = "type")]
    pub block_type: &'static str,
    pub language: &'static str,
    pub label: &'static str,
    /// The "Data sources" group a menu shows it under (Files, APIs, Data lakes, Data warehouses, Databases,
    /// Databases (NoSQL)); null for the generic templates.
    pub group: Option<&'static str>,
    /// The `configuration.data_provider` a block from this SQL template gets; null when it follows the profile.
    pub data_provider: Option<&'static str>,
}

/// What a block returned: a table's schema and first rows, a JSON value, or just the type of a pickled object.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OutputDto {
    /// `output_0`, `output_1`... (a tuple gives several).
    pub name: String,
    /// `arrow` (a table), `json` or `pickle`.
    pub kind: String,
    /// The Python type, e.g. `pandas.DataFrame`.
    pub python_type: String,
    pub table: Option<TablePreviewDto>,
    /// The value of a JSON output (any JSON; null for the other kinds and for values over 1 MiB).
    #[schema(value_type = Value)]
    pub value: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TablePreviewDto {
    pub columns: Vec<ColumnDto>,
    /// The first rows, each cell as text (null stays null).
    #[schema(value_type = Vec<Vec<Option<String>>>)]
    pub rows: Vec<Vec<Value>>,
    pub total_rows: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ColumnDto {
    pub name: String,
    /// The Arrow type, e.g. `Int64`, `Utf8`, `Float64`.
    pub data_type: String,
}

/// Run one block now, as the editor does, optionally with the blocks above it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct ExecuteInput {
    /// Also run every block this one depends on (otherwise their outputs come from the newest run that has them).
    #[serde(default)]
    pub with_upstream: bool,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
}

/// The result of executing a block from the editor.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ExecutionDto {
    pub run: RunDto,
    pub block_runs: Vec<BlockRunDto>,
    /// What the block printed: the first page of its log (see `GET /runs/{id}/logs/{block}` for the rest).
    pub logs: Vec<LogLineDto>,
    /// The log goes on past `logs`.
    pub more_logs: bool,
    pub outputs: Vec<OutputDto>,
}

/// Project settings (in the project's metadata.yaml).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct SettingsDto {
    /// How many blocks run at once (`queue_config.concurrency`).
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    pub concurrency: Option<u32>,
    /// The default `retry_config` of every block: retries, delay, max_delay, exponential_backoff. Sending null
    /// (or leaving it out) resets it.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub retry_config: Value,
}

/// The project's Python environment.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PythonDto {
    pub interpreter: Option<String>,
    pub version: Option<String>,
    /// (name, version) pairs, sorted by name.
    #[schema(value_type = Vec<Vec<String>>)]
    pub packages: Vec<(String, String)>,
    pub note: Option<String>,
}

/// A JSON body that may be left out (the run, retry and execute options): no body, an empty one or `null` is
/// `None`. Clients must still declare `Content-Type: application/json` on a state change, so "no body" also has to
/// work when the type is declared, which axum's `Option<Json<T>>` refuses.
#[derive(Debug)]
pub(crate) struct OptionalJson<T>(pub Option<T>);

impl<T, S> axum::extract::FromRequest<S> for OptionalJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = axum::extract::rejection::JsonRejection;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        let axum::Json(value) = axum::Json::<Option<T>>::from_bytes(&bytes)?;
        Ok(OptionalJson(value))
    }
}

/// The global data products of the project's `global_data_products.yaml`, with their freshness.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct GlobalDataProductPage {
    pub products: Vec<GlobalDataProductDto>,
    /// What is wrong with the file, or ignored in it (`file:line: product: message`); invalid products are not
    /// listed.
    pub problems: Vec<String>,
}

/// A global data product: the pipeline that makes it, when its data is outdated, and its newest runs.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct GlobalDataProductDto {
    pub uuid: String,
    /// Always `pipeline` (Mage's `block` products are refused).
    pub object_type: String,
    /// The pipeline whose run makes the product.
    pub object_uuid: String,
    /// How long the data stays fresh after a run (Mage counts years, months, weeks and seconds); null: fresh for
    /// ever once made.
    pub outdated_after: Option<OutdatedAfterDto>,
    /// Parts of the current UTC time (`hour_of_day`, ...) that must all be reached before outdated data is made
    /// again.
    #[schema(value_type = Object)]
    pub outdated_starting_at: Map<String, Value>,
    /// The blocks whose outputs consumers get, with how many of the newest runs each takes.
    pub blocks: Vec<ProductBlockDto>,
    /// The newest run made for the product, whatever its status.
    pub last_run: Option<ProductRunDto>,
    /// The newest completed run: the one whose outputs consumers get now.
    pub last_completed_run: Option<ProductRunDto>,
    /// Whether the next consumer would run the product's pipeline (Mage's rule).
    pub outdated: bool,
    /// When the last completed run's data is (or was) outdated.
    pub outdated_at: Option<DateTime<Utc>>,
    /// Why, in the words a consumer block's log uses.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OutdatedAfterDto {
    pub years: i64,
    pub months: i64,
    pub weeks: f64,
    pub seconds: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProductBlockDto {
    pub uuid: String,
    /// How many of the newest completed runs' outputs it hands on (0 or less: all of them).
    pub partitions: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProductRunDto {
    pub id: i64,
    pub status: RunStatus,
    pub execution_date: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}
