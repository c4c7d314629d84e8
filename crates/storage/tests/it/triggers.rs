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
