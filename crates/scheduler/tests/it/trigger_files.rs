//! triggers.yaml and the database kept in step: file edits (additions, changes, deletions) reach the database on
//! the next tick; database changes rewrite the file, keeping keys Wand does not know; the scheduler's trigger
//! operations (create, update, delete, an API trigger's call) write the file themselves.

use std::sync::Arc;

use chrono::Utc;
use model::{ScheduleType, TriggerSettings, TriggerSpec, TriggerStatus};
use scheduler::{Event, Scheduler, SchedulerError, SystemClock};
use storage::{SqliteStore, Store};
use tokio::sync::broadcast;

struct Setup {
    dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    scheduler: Scheduler,
}

impl Setup {
    async fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        project::init(&root).unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
        let (notices, _) = broadcast::channel(64);
        let project = project::Project::open(&root).unwrap();
        let scheduler = Scheduler::new(store.clone(), notices, Arc::new(SystemClock), project);
        Setup {
            dir,
            store,
            scheduler,
        }
    }

    fn file(&self) -> std::path::PathBuf {
        self.dir
            .path()
            .join("proj/pipelines/example_pipeline/triggers.yaml")
    }

    async fn tick(&self) {
        self.scheduler.handle(Event::Tick).await.unwrap();
    }

    /// The triggers `triggers.yaml` declares now.
    fn declared(&self) -> Vec<TriggerSpec> {
        let project = project::Project::open(&self.dir.path().join("proj")).unwrap();
        let declared = project.read_triggers("example_pipeline").unwrap();
        assert!(declared.problems.is_empty(), "{:?}", declared.problems);
        declared.specs
    }

    async fn names(&self) -> Vec<(String, Option<String>, TriggerStatus)> {
        self.store
            .triggers(Some("example_pipeline"))
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.schedule_interval, t.status))
            .collect()
    }
}

#[tokio::test]
async fn edits_to_the_file_reach_the_database_deletions_included() {
    let s = Setup::new().await;
    std::fs::write(
        s.file(),
        "triggers:\n- name: daily_load\n  schedule_type: time\n  schedule_interval: '@daily'\n  start_time: 2023-01-01\n  status: active\n  variables: {schema: public}\n  settings: {skip_if_previous_running: true, landing_time_enabled: false, timezone: Europe/Paris}\n  envs: []\n- name: hook\n  schedule_type: api\n",
    )
    .unwrap();
    s.tick().await;
    let triggers = s.store.triggers(Some("example_pipeline")).await.unwrap();
    assert_eq!(triggers.len(), 2);
    let daily = &triggers[0];
    assert_eq!(
        (daily.name.as_str(), daily.status, daily.timezone.as_str()),
        ("daily_load", TriggerStatus::Active, "Europe/Paris")
    );
    assert!(daily.settings.skip_if_previous_running);
    assert_eq!(
        daily.start_time.unwrap().to_rfc3339(),
        "2023-01-01T00:00:00+00:00"
    );
    assert_eq!(daily.variables["schema"], serde_json::json!("public"));
    assert_eq!(triggers[1].schedule_type, ScheduleType::Api);
    assert!(
        triggers[1].token.is_some(),
        "an API trigger from the file gets a token"
    );

    std::fs::write(
        s.file(),
        "triggers:\n- name: daily_load\n  schedule_interval: '@hourly'\n  status: inactive\n",
    )
    .unwrap();
    s.tick().await;
    assert_eq!(
        s.names().await,
        [(
            "daily_load".to_owned(),
            Some("@hourly".to_owned()),
            TriggerStatus::Inactive
        )]
    );

    std::fs::write(s.file(), "triggers: []\n").unwrap();
    s.tick().await;
    assert!(
        s.names().await.is_empty(),
        "a trigger removed from the file is removed from the database"
    );
}

#[tokio::test]
async fn a_broken_entry_changes_nothing_and_deletes_nothing() {
    let s = Setup::new().await;
    std::fs::write(
        s.file(),
        "triggers:\n- name: keep\n  schedule_interval: '@daily'\n",
    )
    .unwrap();
    s.tick().await;
    std::fs::write(
        s.file(),
        "triggers:\n- name: broken\n  schedule_interval: 'every day'\n",
    )
    .unwrap();
    s.tick().await;
    assert_eq!(
        s.names().await,
        [(
            "keep".to_owned(),
            Some("@daily".to_owned()),
            TriggerStatus::Inactive
        )]
    );
}

#[tokio::test]
async fn database_changes_rewrite_the_file_keeping_unknown_keys() {
    let s = Setup::new().await;
    std::fs::write(
        s.file(),
        "triggers:\n- name: nightly\n  schedule_interval: '@daily'\n  sla: 3600\n  envs: []\n",
    )
    .unwrap();
    s.tick().await;
    let trigger = s
        .store
        .triggers(Some("example_pipeline"))
        .await
        .unwrap()
        .remove(0);
    let mut spec = trigger.spec();
    spec.schedule_interval = Some("30 2 * * *".to_owned());
    spec.status = TriggerStatus::Active;
    s.store
        .update_trigger(trigger.id, spec, Utc::now())
        .await
        .unwrap();
    s.scheduler
        .save_triggers_file("example_pipeline")
        .await
        .unwrap();
    let text = std::fs::read_to_string(s.file()).unwrap();
    assert!(
        text.contains("30 2 * * *") && text.contains("status: active"),
        "{text}"
    );
    assert!(
        text.contains("sla: 3600") && text.contains("envs: []"),
        "Mage's keys Wand does not use are kept:\n{text}"
    );
    s.tick().await;
    let after = s.store.triggers(Some("example_pipeline")).await.unwrap();
    assert_eq!(
        (after.len(), after[0].id),
        (1, trigger.id),
        "writing the file does not re-create the trigger"
    );
}

/// Issue 10, point 4: Mage keeps the `token:` written in triggers.yaml as the API trigger's token (checked on Mage
/// 0.9.80's server, see shared/reference/mage-features.md); Wand replaced it with a new one.
#[tokio::test]
async fn a_token_written_in_the_file_is_the_api_triggers_token() {
    let s = Setup::new().await;
    let hook = |token: &str| {
        format!(
            "triggers:\n- name: hook\n  schedule_type: api\n  schedule_interval: null\n  start_time: null\n  token: {token}\n"
        )
    };
    std::fs::write(s.file(), hook("0f3c2a9e5b7d4c1a8e6f0b2d4a6c8e0f")).unwrap();
    s.tick().await;
    let triggers = s.store.triggers(Some("example_pipeline")).await.unwrap();
    assert_eq!(
        triggers[0].token.as_deref(),
        Some("0f3c2a9e5b7d4c1a8e6f0b2d4a6c8e0f")
    );
    std::fs::write(s.file(), hook("rotated-by-hand")).unwrap();
    s.tick().await;
    let after = s.store.triggers(Some("example_pipeline")).await.unwrap();
    assert_eq!(
        (after[0].id, after[0].token.as_deref()),
        (triggers[0].id, Some("rotated-by-hand")),
        "the same trigger, with the token now written"
    );
}

/// Issue 10, point 4: keys of Mage's triggers that Wand does not act on are refused or warned about, never dropped.
#[tokio::test]
async fn envs_and_landing_time_are_refused_and_sla_is_applied() {
    let s = Setup::new().await;
    let project = project::Project::open(&s.dir.path().join("proj")).unwrap();
    std::fs::write(
        s.file(),
        "triggers:\n- name: prod_only\n  schedule_interval: '@daily'\n  envs: [prod]\n- name: landing\n  schedule_interval: '@daily'\n  settings: {landing_time_enabled: true}\n- name: late\n  schedule_interval: '@daily'\n  sla: 3600\n  settings: {no_such_setting: 1}\n",
    )
    .unwrap();
    let declared = project.read_triggers("example_pipeline").unwrap();
    let problems: Vec<String> = declared
        .problems
        .iter()
        .map(|p| p.message.clone())
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("`envs` is not supported yet"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("landing_time_enabled is not supported yet"),
        "{problems:?}"
    );
    let warnings: Vec<String> = declared
        .warnings
        .iter()
        .map(|w| w.message.clone())
        .collect();
    assert!(
        warnings.len() == 1 && warnings[0].contains("settings.no_such_setting"),
        "{warnings:?}"
    );
    s.tick().await;
    // Mage's top-level `sla` is kept (under `settings` in the database and the API, at the top in the file).
    let late = s.store.triggers(Some("example_pipeline")).await.unwrap();
    assert_eq!(late[0].settings.sla, Some(3600));
    assert_eq!(
        s.names().await,
        [(
            "late".to_owned(),
            Some("@daily".to_owned()),
            TriggerStatus::Inactive
        )],
        "only the entry Wand can run as written is applied"
    );
}

fn spec(name: &str, schedule_type: ScheduleType, interval: Option<&str>) -> TriggerSpec {
    TriggerSpec {
        pipeline_uuid: "example_pipeline".to_owned(),
        name: name.to_owned(),
        description: None,
        schedule_type,
        schedule_interval: interval.map(str::to_owned),
        timezone: "UTC".to_owned(),
        start_time: None,
        end_time: None,
        status: TriggerStatus::Inactive,
        variables: serde_json::Map::new(),
        settings: TriggerSettings::default(),
    }
}

/// Issue 11, point 4: creating, updating and deleting a trigger through the scheduler rewrites triggers.yaml, so no
/// caller has to remember it.
#[tokio::test]
async fn trigger_operations_write_the_triggers_file() {
    let s = Setup::new().await;
    let nightly = spec("nightly", ScheduleType::Time, Some("@daily"));
    let created = s.scheduler.create_trigger(nightly.clone()).await.unwrap();
    assert_eq!(created.token, None, "a time trigger has no token");
    let hook = s
        .scheduler
        .create_trigger(spec("hook", ScheduleType::Api, None))
        .await
        .unwrap();
    assert!(hook.token.is_some(), "an API trigger gets a token");
    assert_eq!(s.declared(), [nightly.clone(), hook.spec()]);

    let hourly = TriggerSpec {
        schedule_interval: Some("@hourly".to_owned()),
        status: TriggerStatus::Active,
        ..nightly
    };
    let updated = s
        .scheduler
        .update_trigger(created.id, hourly.clone())
        .await
        .unwrap();
    assert_eq!((updated.id, updated.spec()), (created.id, hourly.clone()));
    assert_eq!(s.declared(), [hourly, hook.spec()]);

    s.scheduler.delete_trigger(hook.id).await.unwrap();
    assert_eq!(s.declared(), [updated.spec()]);
    s.tick().await;
    assert_eq!(
        s.store.triggers(Some("example_pipeline")).await.unwrap(),
        [updated],
        "the written file applies as a no-op"
    );
}

#[tokio::test]
async fn a_trigger_operation_that_is_refused_changes_neither_the_database_nor_the_file() {
    let s = Setup::new().await;
    let kept = s
        .scheduler
        .create_trigger(spec("kept", ScheduleType::Time, Some("@daily")))
        .await
        .unwrap();
    let before = std::fs::read_to_string(s.file()).unwrap();
    let elsewhere = TriggerSpec {
        pipeline_uuid: "no_such_pipeline".to_owned(),
        ..spec("elsewhere", ScheduleType::Time, None)
    };
    assert!(matches!(
        s.scheduler.create_trigger(elsewhere).await,
        Err(SchedulerError::UnknownPipeline(pipeline)) if pipeline == "no_such_pipeline"
    ));
    let unparsable = spec("kept", ScheduleType::Time, Some("every day"));
    assert!(matches!(
        s.scheduler.update_trigger(kept.id, unparsable).await,
        Err(SchedulerError::InvalidTrigger(_))
    ));
    assert!(matches!(
        s.scheduler.delete_trigger(kept.id + 1).await,
        Err(SchedulerError::Storage(storage::StorageError::TriggerNotFound(id))) if id == kept.id + 1
    ));
    assert_eq!(std::fs::read_to_string(s.file()).unwrap(), before);
    assert_eq!(
        s.store.triggers(None).await.unwrap(),
        [kept],
        "nothing changed in the database"
    );
}

/// Like Mage, calling an inactive API trigger activates it (in the file too) and runs it with the call's variables
/// over the trigger's.
#[tokio::test]
async fn calling_an_api_trigger_activates_it_and_runs_it_with_its_variables() {
    let s = Setup::new().await;
    let mut hook = spec("hook", ScheduleType::Api, None);
    hook.variables = serde_json::json!({"env": "prod", "region": "eu"})
        .as_object()
        .cloned()
        .unwrap();
    let hook = s.scheduler.create_trigger(hook).await.unwrap();
    let call = serde_json::json!({"env": "staging"})
        .as_object()
        .cloned()
        .unwrap();
    let run = s
        .scheduler
        .call_api_trigger(hook.clone(), call)
        .await
        .unwrap();
    assert_eq!(
        (run.trigger_id, serde_json::Value::Object(run.variables)),
        (
            Some(hook.id),
            serde_json::json!({"env": "staging", "region": "eu"})
        )
    );
    assert_eq!(s.declared()[0].status, TriggerStatus::Active);
    let stored = s.store.trigger(hook.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.token),
        (TriggerStatus::Active, hook.token)
    );
}
