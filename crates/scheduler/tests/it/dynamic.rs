//! Dynamic blocks moved forward by the scheduler, with a fake worker: a dynamic child expands into its instances once
//! its parent completed, the block below a reducing child waits for all of them, a failing instance fails the run,
//! and retrying that one instance (or the dynamic block) runs the rest again.

use std::sync::Arc;

use chrono::{Duration, Utc};
use model::{
    Block, BlockRunEvent, BlockRunStatus, BlockType, PipelineDefinition, RunSettings, RunStatus,
};
use scheduler::{Scheduler, SystemClock};
use serde_json::json;
use storage::{BlockRunChange, SqliteStore, Store};
use tokio::sync::broadcast;

/// `source` (dynamic) -> `child` (reduce_output) -> `collect`.
fn definition() -> PipelineDefinition {
    let block = |uuid: &str, upstream: &[&str], configuration| Block {
        configuration,
        ..Block::new(
            uuid,
            BlockType::Transformer,
            upstream.iter().map(|u| (*u).to_owned()).collect(),
        )
    };
    PipelineDefinition {
        uuid: "fan".to_owned(),
        name: "fan".to_owned(),
        variables: Default::default(),
        blocks: vec![
            block("source", &[], json!({"dynamic": true})),
            block("child", &["source"], json!({"reduce_output": true})),
            block("collect", &["child"], json!({})),
        ],
        settings: RunSettings::default(),
        trigger_name: None,
        interval: None,
        global_data_product: None,
        streaming: false,
    }
}

/// What a dynamic block stores: its items counted and named as the runtime reports them.
fn items(names: &[&str]) -> model::BlockOutputs {
    serde_json::from_value(json!({"container": "single", "outputs": [
        {"name": "output_0", "kind": "json", "path": "/x/output_0.json"}],
        "dynamic": {"count": names.len(), "names": names}}))
    .unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    scheduler: Scheduler,
    run_id: i64,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    project::init(&root).unwrap();
    let project = project::Project::open(&root).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let definition = definition();
    let run = store
        .create_run(storage::NewRun {
            pipeline_uuid: "fan".to_owned(),
            trigger_id: None,
            variables: Default::default(),
            definition: definition.clone(),
            execution_date: Utc::now(),
            block_uuids: definition.blocks.iter().map(|b| b.uuid.clone()).collect(),
            code_hash: None,
            worker_tags: Default::default(),
            backfill: None,
        })
        .await
        .unwrap();
    let (notices, _) = broadcast::channel(1024);
    let scheduler = Scheduler::new(store.clone(), notices, Arc::new(SystemClock), project);
    Fixture {
        _dir: dir,
        store,
        scheduler,
        run_id: run.id,
    }
}

impl Fixture {
    /// Claims `name` (it must be the next queued block run) and ends it with `event`.
    async fn finish(&self, name: &str, event: BlockRunEvent, outputs: Option<model::BlockOutputs>) {
        let now = Utc::now();
        let claimed = self
            .store
            .claim_block_run("w", &[], now, now + Duration::seconds(30))
            .await
            .unwrap()
            .expect("a queued block run");
        assert_eq!(claimed.block_uuid, name);
        let change = BlockRunChange {
            outputs,
            ..BlockRunChange::event(event)
        };
        self.store
            .change_block_run(self.run_id, name, change)
            .await
            .unwrap();
        self.scheduler.advance_run(self.run_id).await.unwrap();
    }

    async fn statuses(&self) -> Vec<(String, BlockRunStatus)> {
        self.store
            .block_runs(self.run_id)
            .await
            .unwrap()
            .into_iter()
            .map(|b| (b.block_uuid, b.status))
            .collect()
    }

    async fn status(&self) -> RunStatus {
        self.store.run(self.run_id).await.unwrap().unwrap().status
    }
}

fn named(pairs: &[(&str, BlockRunStatus)]) -> Vec<(String, BlockRunStatus)> {
    pairs.iter().map(|(n, s)| ((*n).to_owned(), *s)).collect()
}

use BlockRunStatus::*;

#[tokio::test]
async fn instances_run_after_their_dynamic_parent_and_a_retried_instance_completes_the_run() {
    let f = fixture().await;
    f.scheduler.advance_run(f.run_id).await.unwrap();
    f.finish(
        "source",
        BlockRunEvent::Complete,
        Some(items(&["a", "b", "c"])),
    )
    .await;
    assert_eq!(
        f.statuses().await,
        named(&[
            ("source", Completed),
            ("child", Completed),
            ("collect", Initial),
            ("child:a", Queued),
            ("child:b", Queued),
            ("child:c", Queued),
        ])
    );
    f.finish("child:a", BlockRunEvent::Complete, None).await;
    f.finish("child:b", BlockRunEvent::Fail, None).await;
    assert_eq!(f.status().await, RunStatus::Running, "child:c still runs");
    f.finish("child:c", BlockRunEvent::Complete, None).await;
    assert_eq!(f.status().await, RunStatus::Failed);
    assert_eq!(f.statuses().await[2], ("collect".to_owned(), Cancelled));

    f.scheduler
        .retry_run(f.run_id, Some("child:b"))
        .await
        .unwrap();
    assert_eq!(f.status().await, RunStatus::Running);
    let statuses = f.statuses().await;
    assert_eq!(statuses[2], ("collect".to_owned(), Initial));
    assert_eq!(statuses[4], ("child:b".to_owned(), Queued));
    assert_eq!(
        statuses[3],
        ("child:a".to_owned(), Completed),
        "the others keep their outputs"
    );
    f.finish("child:b", BlockRunEvent::Complete, None).await;
    f.finish("collect", BlockRunEvent::Complete, None).await;
    assert_eq!(f.status().await, RunStatus::Completed);
}

#[tokio::test]
async fn retrying_the_dynamic_block_drops_the_instances_and_expands_again() {
    let f = fixture().await;
    f.scheduler.advance_run(f.run_id).await.unwrap();
    f.finish("source", BlockRunEvent::Complete, Some(items(&["a", "b"])))
        .await;
    f.finish("child:a", BlockRunEvent::Complete, None).await;
    f.finish("child:b", BlockRunEvent::Complete, None).await;
    f.finish("collect", BlockRunEvent::Complete, None).await;
    assert_eq!(f.status().await, RunStatus::Completed);

    f.scheduler
        .retry_run(f.run_id, Some("source"))
        .await
        .unwrap();
    assert_eq!(
        f.statuses().await,
        named(&[("source", Queued), ("child", Initial), ("collect", Initial)])
    );
    f.finish("source", BlockRunEvent::Complete, Some(items(&[])))
        .await;
    assert_eq!(
        f.statuses().await,
        named(&[
            ("source", Completed),
            ("child", Completed),
            ("collect", Queued)
        ]),
        "no items: no instances, and the block below runs on an empty list"
    );
    f.finish("collect", BlockRunEvent::Complete, None).await;
    assert_eq!(f.status().await, RunStatus::Completed);
}

/// An instance whose worker died goes back to the queue while its block's retries last, as any block run does (the
/// retries are its block's: an instance is not in the pinned definition under its own name).
#[tokio::test]
async fn an_instance_whose_worker_died_is_retried_with_its_block_s_retries() {
    let mut f = fixture().await;
    let mut definition = definition();
    definition.blocks[1].retry.retries = Some(1);
    let run = f
        .store
        .create_run(storage::NewRun {
            pipeline_uuid: "fan".to_owned(),
            trigger_id: None,
            variables: Default::default(),
            definition: definition.clone(),
            execution_date: Utc::now(),
            block_uuids: definition.blocks.iter().map(|b| b.uuid.clone()).collect(),
            code_hash: None,
            worker_tags: Default::default(),
            backfill: None,
        })
        .await
        .unwrap();
    f.run_id = run.id;
    // The fixture's own run was never started; this one runs.
    f.scheduler.advance_run(f.run_id).await.unwrap();
    f.finish("source", BlockRunEvent::Complete, Some(items(&["a"])))
        .await;
    let now = Utc::now();
    // The instance's worker dies: its lease is already over.
    let lost = f
        .store
        .claim_block_run("w", &[], now, now - Duration::seconds(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lost.block_uuid, "child:a");
    f.scheduler.handle(scheduler::Event::Tick).await.unwrap();
    let statuses = f.statuses().await;
    assert_eq!(statuses[3], ("child:a".to_owned(), Queued), "{statuses:?}");
}
