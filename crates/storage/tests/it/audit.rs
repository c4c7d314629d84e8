//! The audit trail: entries come back as recorded (every kind of actor, the JSON detail), newest first, filtered by
//! pipeline, run or user, and paged by a cursor.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use storage::{Actor, AuditFilter, NewAuditEntry, Store};

use crate::store_test;

fn entry(
    minute: i64,
    actor: Actor,
    action: &str,
    pipeline: Option<&str>,
    run: Option<i64>,
) -> NewAuditEntry {
    NewAuditEntry {
        at: Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap() + Duration::minutes(minute),
        actor,
        client: Some("192.0.2.7".to_owned()),
        action: action.to_owned(),
        object_kind: if run.is_some() { "run" } else { "pipeline" }.to_owned(),
        object_id: run.map(|id| id.to_string()).or(pipeline.map(str::to_owned)),
        pipeline_uuid: pipeline.map(str::to_owned),
        run_id: run,
        detail: json!({"from": "old name", "changed": ["name"]})
            .as_object()
            .cloned()
            .unwrap(),
    }
}

fn ada() -> Actor {
    Actor::User {
        id: 1,
        email: "ada@example.com".to_owned(),
    }
}

fn ada_token() -> Actor {
    Actor::Token {
        user_id: 1,
        email: "ada@example.com".to_owned(),
        token_id: 4,
        name: "ci".to_owned(),
    }
}

store_test!(
    entries_read_back_newest_first_by_filter_and_page,
    |store: Arc<dyn Store>| async move {
        let recorded = vec![
            entry(0, ada(), "create", Some("etl"), None),
            entry(1, ada_token(), "start", Some("etl"), Some(7)),
            entry(2, Actor::Anyone, "create", Some("report"), None),
            entry(
                3,
                Actor::Trigger {
                    id: 3,
                    name: "hook".to_owned(),
                },
                "start",
                Some("etl"),
                Some(8),
            ),
            entry(4, Actor::Anonymous, "sign_in_failed", None, None),
            entry(5, ada(), "cancel", Some("etl"), Some(7)),
        ];
        let mut ids = Vec::new();
        for new in &recorded {
            ids.push(store.record_audit(new.clone()).await.unwrap());
        }
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");

        let all = store
            .audit_entries(AuditFilter {
                limit: 100,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            all.iter().map(|found| found.id).collect::<Vec<_>>(),
            ids.iter().rev().copied().collect::<Vec<_>>()
        );
        assert_eq!(
            all.iter()
                .map(|found| found.entry.clone())
                .collect::<Vec<_>>(),
            recorded.iter().rev().cloned().collect::<Vec<_>>(),
            "every field comes back as recorded"
        );

        let read = |filter: AuditFilter| {
            let store = store.clone();
            async move {
                store
                    .audit_entries(filter)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|found| found.entry.action)
                    .collect::<Vec<_>>()
            }
        };
        let by_pipeline = AuditFilter {
            pipeline_uuid: Some("etl".to_owned()),
            limit: 100,
            ..AuditFilter::default()
        };
        assert_eq!(
            read(by_pipeline.clone()).await,
            ["cancel", "start", "start", "create"]
        );
        let by_run = AuditFilter {
            run_id: Some(7),
            limit: 100,
            ..AuditFilter::default()
        };
        assert_eq!(read(by_run).await, ["cancel", "start"]);
        let by_user = AuditFilter {
            user_email: Some("ada@example.com".to_owned()),
            limit: 100,
            ..AuditFilter::default()
        };
        assert_eq!(
            read(by_user).await,
            ["cancel", "start", "create"],
            "signed in or through a token"
        );

        // Pages of two: the cursor is the last id of a page.
        let first = store
            .audit_entries(AuditFilter {
                limit: 2,
                ..by_pipeline.clone()
            })
            .await
            .unwrap();
        assert_eq!(
            first.iter().map(|found| found.id).collect::<Vec<_>>(),
            [ids[5], ids[3]]
        );
        let second = read(AuditFilter {
            limit: 2,
            before_id: Some(ids[3]),
            ..by_pipeline
        })
        .await;
        assert_eq!(second, ["start", "create"]);
    }
);

store_test!(a_store_without_entries_reads_none, |store: Arc<
    dyn Store,
>| async move {
    let none = store
        .audit_entries(AuditFilter {
            run_id: Some(1),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
});
