//! A claimed block run end to end: its request reaches the block (parents' outputs, merged variables, the run's
//! trigger name), and what the block did is recorded (completed, or retried and then failed).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use model::{
    Block, BlockRunEvent, BlockRunStatus, BlockType, Notice, PipelineDefinition, RetryConfig,
    RunSettings,
};
use serde_json::{Map, Value, json};
use storage::{BlockRun, BlockRunChange, NewRun, RunStore, SqliteStore};
use tempfile::TempDir;
use tokio::sync::{broadcast, watch};
use worker::{Worker, WorkerConfig};

const LOAD: &str = r#"
if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader


@data_loader
def load(*args, **kwargs):
    return {'rows': 3}
"#;

const REPORT: &str = r#"
import json

if 'transformer' not in globals():
    from mage_ai.data_preparation.decorators import transformer


@transformer
def report(data, *args, **kwargs):
    received = {name: kwargs.get(name) for name in ('trigger_name', 'region', 'owner', 'execution_partition')}
    with open(kwargs['out'], 'w') as file:
        json.dump({'data': data, 'kwargs': received}, file)
    return data
"#;

const FLAKY: &str = r#"
if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader


@data_loader
def flaky(*args, **kwargs):
    raise ValueError('no rows today')
"#;

/// A worker on a project of three blocks (`load` -> `report`, and `flaky`), with an in-memory store.
struct Harness {
    folder: TempDir,
    store: Arc<SqliteStore>,
    notices: broadcast::Receiver<Notice>,
    stop: watch::Sender<bool>,
    running: tokio::task::JoinHandle<()>,
    python: Arc<runtime::Supervisor>,
}

impl Harness {
    async fn start() -> Harness {
        let folder = TempDir::new().unwrap();
        let project = folder.path().join("shop");
        for (file, source) in [
            ("data_loaders/load.py", LOAD),
            ("transformers/report.py", REPORT),
            ("data_loaders/flaky.py", FLAKY),
        ] {
            let path = project.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, source).unwrap();
        }
        let data_dir = folder.path().join("data");
        let store = Arc::new(SqliteStore::in_memory().await.unwrap());
        let python = Arc::new(runtime::Supervisor::new(runtime::SupervisorConfig {
            python: crate::python(),
            package_dir: runtime::install_package(&data_dir).unwrap(),
            working_dir: project.clone(),
            user_python_path: None,
        }));
        let (notices, receiver) = broadcast::channel(256);
        let (logs, _) = broadcast::channel(256);
        let config = WorkerConfig {
            id: "worker-test".to_owned(),
            project_root: Some(project),
            outputs: runtime::OutputStore::local(&data_dir),
            data_dir,
            tags: Vec::new(),
            concurrency: 2,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(50),
            queue_announced: false,
            run_tests: false,
            sensor_interval: Duration::from_secs(60),
            env: "test".to_owned(),
        };
        let worker = Arc::new(Worker::new(
            store.clone(),
            python.clone(),
            notices,
            logs,
            config,
        ));
        let (stop, stopped) = watch::channel(false);
        let running = tokio::spawn(worker.run(stopped));
        Harness {
            folder,
            store,
            notices: receiver,
            stop,
            running,
            python,
        }
    }

    /// Creates a run of `blocks` pinned with `trigger_name`, the run's own `variables` over the pipeline's.
    async fn create_run(
        &self,
        blocks: Vec<Block>,
        trigger_name: Option<&str>,
        variables: Value,
    ) -> i64 {
        let definition = PipelineDefinition {
            uuid: "etl".to_owned(),
            name: "ETL".to_owned(),
            variables: object(json!({"region": "us", "owner": "data"})),
            blocks,
            settings: RunSettings::default(),
            trigger_name: trigger_name.map(str::to_owned),
            interval: None,
            global_data_product: None,
            streaming: false,
        };
        let run = self
            .store
            .create_run(NewRun {
                pipeline_uuid: definition.uuid.clone(),
                trigger_id: None,
                variables: object(variables),
                definition: definition.clone(),
                execution_date: Utc::now(),
                block_uuids: definition
                    .blocks
                    .iter()
                    .map(|block| block.uuid.clone())
                    .collect(),
                code_hash: None,
                worker_tags: Default::default(),
                backfill: None,
            })
            .await
            .unwrap();
        run.id
    }

    /// Queues the block run (as the scheduler does once its parents completed) and waits until the worker
    /// recorded it finished.
    async fn run_block(&mut self, run_id: i64, block_uuid: &str) -> BlockRun {
        self.store
            .change_block_run(
                run_id,
                block_uuid,
                BlockRunChange::event(BlockRunEvent::Enqueue),
            )
            .await
            .unwrap();
        let finished = async {
            loop {
                match self.notices.recv().await {
                    Ok(Notice::BlockRun {
                        run_id: id,
                        block_uuid: uuid,
                        status,
                        ..
                    }) if id == run_id && uuid == block_uuid && status.is_finished() => return,
                    Ok(_) => {}
                    Err(error) => panic!("the notices ended: {error}"),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(120), finished)
            .await
            .unwrap_or_else(|_| panic!("block `{block_uuid}` did not finish"));
        self.store
            .block_runs(run_id)
            .await
            .unwrap()
            .into_iter()
            .find(|block_run| block_run.block_uuid == block_uuid)
            .unwrap()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.running.await.unwrap();
        self.python.shutdown().await;
    }
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_gets_its_parent_s_output_the_merged_variables_and_the_trigger_name() {
    let mut harness = Harness::start().await;
    let out = harness.path("report.json");
    let blocks = vec![
        Block::new("load", BlockType::DataLoader, Vec::new()),
        Block::new("report", BlockType::Transformer, vec!["load".to_owned()]),
    ];
    let run_id = harness
        .create_run(
            blocks,
            Some("nightly report"),
            json!({"region": "eu", "out": path_str(&out)}),
        )
        .await;

    let load = harness.run_block(run_id, "load").await;
    assert_eq!(load.status, BlockRunStatus::Completed, "{load:?}");
    assert!(load.outputs.is_some(), "the outputs are recorded: {load:?}");
    let report = harness.run_block(run_id, "report").await;
    assert_eq!(report.status, BlockRunStatus::Completed, "{report:?}");
    assert!(report.log_path.is_some(), "the log is recorded: {report:?}");

    let received: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let partition = received["kwargs"]["execution_partition"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(partition.starts_with("manual/"), "{partition}");
    assert_eq!(
        received,
        json!({
            "data": {"rows": 3},
            "kwargs": {
                "trigger_name": "nightly report",
                "region": "eu",
                "owner": "data",
                "execution_partition": partition,
            },
        })
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_block_is_retried_then_fails_with_its_error() {
    let mut harness = Harness::start().await;
    let flaky = Block {
        retry: RetryConfig {
            retries: Some(1),
            delay: Some(0.0),
            ..RetryConfig::default()
        },
        ..Block::new("flaky", BlockType::DataLoader, Vec::new())
    };
    let run_id = harness.create_run(vec![flaky], None, json!({})).await;

    let flaky = harness.run_block(run_id, "flaky").await;
    assert_eq!(flaky.status, BlockRunStatus::Failed, "{flaky:?}");
    assert_eq!(flaky.attempt, 2, "one retry, then the final failure");
    let error = flaky.error.unwrap_or_default();
    assert!(error.starts_with("ValueError: no rows today\n"), "{error}");
    harness.stop().await;
}
