//! Triggers: create, read, update (with the enable time), delete, unique names, slots.

use std::sync::Arc;

use chrono::Utc;
use model::{ScheduleType, TriggerSettings, TriggerSpec, TriggerStatus};
use serde_json::Map;
use storage::{StorageError, Store};

use crate::store_test;

fn spec(name: &str, status: TriggerStatus) -> TriggerSpec {
    TriggerSpec {
        pipeline_uuid: "etl".to_owned(),
        name: name.to_owned(),
        description: None,
        schedule_type: ScheduleType::Time,
        schedule_interval: Some("@daily".to_owned()),
        timezone: "Europe/Paris".to_owned(),
        start_time: None,
        end_time: None,
        status,
        variables: Map::new(),
        settings: TriggerSettings {
            skip_if_previous_running: true,
            ..TriggerSettings::default()
        },
    }
}

store_test!(
    triggers_round_trip_and_names_are_unique_per_pipeline,
    |store: Arc<dyn Store>| async move {
        let created = store
            .create_trigger(spec("nightly", TriggerStatus::Inactive), None, Utc::now())
            .await
            .unwrap();
        assert_eq!(created.timezone, "Europe/Paris");
        assert!(created.settings.skip_if_previous_running);
        assert_eq!(created.last_enabled_at, None);
        assert_eq!(
            store.trigger(created.id).await.unwrap(),
            Some(created.clone())
        );
        let duplicate = store
            .create_trigger(spec("nightly", TriggerStatus::Active), None, Utc::now())
            .await;
        assert!(
            matches!(&duplicate, Err(StorageError::Conflict(message)) if message.contains("already has a trigger named `nightly`")),
            "{duplicate:?}"
        );
        let enabled = store
            .update_trigger(
                created.id,
                spec("nightly", TriggerStatus::Active),
                Utc::now(),
            )
            .await
            .unwrap();
        assert!(enabled.last_enabled_at.is_some(), "enabling records when");
        let slot = Utc::now();
        store.record_slot(created.id, slot).await.unwrap();
        let stored = store.trigger(created.id).await.unwrap().unwrap();
        assert_eq!(
            stored.last_slot.map(|t| t.timestamp_micros()),
            Some(slot.timestamp_micros())
        );
        assert_eq!(store.triggers(Some("etl")).await.unwrap().len(), 1);
        assert!(store.triggers(Some("other")).await.unwrap().is_empty());
        assert!(store.delete_trigger(created.id).await.unwrap());
        assert!(!store.delete_trigger(created.id).await.unwrap());
        assert!(matches!(
            store
                .update_trigger(
                    created.id,
                    spec("nightly", TriggerStatus::Active),
                    Utc::now()
                )
                .await,
            Err(StorageError::TriggerNotFound(_))
        ));
    }
);

store_test!(
    a_pipelines_triggers_move_with_a_rename_and_go_with_a_delete,
    |store: Arc<dyn Store>| async move {
        let api = TriggerSpec {
            schedule_type: ScheduleType::Api,
            schedule_interval: None,
            ..spec("webhook", TriggerStatus::Active)
        };
        let hook = store
            .create_trigger(api, Some("secret".to_owned()), Utc::now())
            .await
            .unwrap();
        let other = TriggerSpec {
            pipeline_uuid: "other".to_owned(),
            ..spec("nightly", TriggerStatus::Active)
        };
        let kept = store.create_trigger(other, None, Utc::now()).await.unwrap();

        assert_eq!(store.move_triggers("etl", "etl_v2").await.unwrap(), 1);
        assert!(store.triggers(Some("etl")).await.unwrap().is_empty());
        let moved = store.triggers(Some("etl_v2")).await.unwrap();
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].id, hook.id, "the same trigger, not a copy");
        assert_eq!(moved[0].token.as_deref(), Some("secret"));

        assert_eq!(store.delete_pipeline_triggers("etl_v2").await.unwrap(), 1);
        assert!(store.trigger(hook.id).await.unwrap().is_none());
        assert_eq!(store.triggers(None).await.unwrap(), vec![kept]);
    }
);

store_test!(
    a_batch_of_trigger_runs_is_created_once_per_slot_however_often_it_is_sent,
    |store: Arc<dyn Store>| async move {
        let mut ids = Vec::new();
        for index in 0..1200 {
            let trigger = store
                .create_trigger(
                    spec(&format!("t{index}"), TriggerStatus::Active),
                    None,
                    Utc::now(),
                )
                .await
                .unwrap();
            ids.push(trigger.id);
        }
        let slot = chrono::DateTime::parse_from_rfc3339("2026-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let runs_of = |slot: chrono::DateTime<Utc>| -> Vec<storage::NewRun> {
            ids.iter()
                .map(|id| storage::NewRun {
                    trigger_id: Some(*id),
                    execution_date: slot,
                    ..crate::new_run("etl", &["a", "b"])
                })
                .collect()
        };
        let slots: Vec<_> = ids.iter().map(|id| (*id, slot)).collect();
        // More runs than one statement takes (500), more block runs too (1,000).
        let created = store
            .create_trigger_runs(runs_of(slot), &slots)
            .await
            .unwrap();
        assert_eq!(created.len(), 1200);
        assert!(
            created
                .iter()
                .zip(&ids)
                .all(|(run, id)| run.trigger_id == Some(*id))
        );
        let first = &created[0];
        let stored = store.run(first.id).await.unwrap().unwrap();
        assert_eq!(
            (
                stored.trigger_id,
                stored.execution_date,
                stored.status,
                &stored.definition
            ),
            (
                first.trigger_id,
                slot,
                model::RunStatus::Initial,
                &first.definition
            )
        );
        let blocks = store.block_runs(first.id).await.unwrap();
        let uuids: Vec<_> = blocks.iter().map(|b| b.block_uuid.as_str()).collect();
        assert_eq!(uuids, ["a", "b"]);
        for id in [ids[0], ids[1199]] {
            let trigger = store.trigger(id).await.unwrap().unwrap();
            assert_eq!(trigger.last_slot, Some(slot));
        }

        // Another scheduler sending the same slots (and one new slot of one trigger) creates only the new run.
        let later = slot + chrono::Duration::minutes(1);
        let mut again = runs_of(slot);
        again.push(storage::NewRun {
            execution_date: later,
            ..again[5].clone()
        });
        let mut more_slots = slots.clone();
        more_slots.push((ids[5], later));
        let created = store.create_trigger_runs(again, &more_slots).await.unwrap();
        assert_eq!(created.len(), 1, "{created:?}");
        assert_eq!(
            (created[0].trigger_id, created[0].execution_date),
            (Some(ids[5]), later)
        );
        let all = store
            .runs(storage::RunFilter {
                limit: Some(10_000),
                ..storage::RunFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 1201);
        let trigger = store.trigger(ids[5]).await.unwrap().unwrap();
        assert_eq!(
            trigger.last_slot,
            Some(later),
            "the latest slot sent for a trigger is kept"
        );
        assert!(
            store
                .create_trigger_runs(Vec::new(), &[])
                .await
                .unwrap()
                .is_empty()
        );

        // Runs worked out before a trigger was disabled or deleted are not created, nor their slots recorded.
        let disabled = ids[7];
        store
            .update_trigger(disabled, spec("t7", TriggerStatus::Inactive), Utc::now())
            .await
            .unwrap();
        assert!(store.delete_trigger(ids[8]).await.unwrap());
        let next = later + chrono::Duration::minutes(1);
        let planned: Vec<_> = [disabled, ids[8], ids[9]]
            .iter()
            .map(|id| storage::NewRun {
                trigger_id: Some(*id),
                execution_date: next,
                ..crate::new_run("etl", &["a"])
            })
            .collect();
        let planned_slots: Vec<_> = [disabled, ids[8], ids[9]]
            .iter()
            .map(|id| (*id, next))
            .collect();
        let created = store
            .create_trigger_runs(planned, &planned_slots)
            .await
            .unwrap();
        assert_eq!(
            created.iter().map(|run| run.trigger_id).collect::<Vec<_>>(),
            [Some(ids[9])]
        );
        let left = store.trigger(disabled).await.unwrap().unwrap();
        assert_eq!(left.last_slot, Some(slot));
        assert_eq!(
            store.trigger(ids[9]).await.unwrap().unwrap().last_slot,
            Some(next)
        );
    }
);
