//! The work queue in block_runs: claiming, retry delays, leases and their expiry.

use std::sync::Arc;

use chrono::{Duration, Utc};
use model::{BlockRunEvent, BlockRunStatus};
use storage::{BlockRunChange, Lease, NewRun, RunStore, Store};

use crate::store_test;

async fn queued_run(store: &Arc<dyn Store>, blocks: &[&str]) -> i64 {
    let run = store
        .create_run(NewRun {
            // Blocks named `gpu_*` may only run on workers tagged `gpu`.
            worker_tags: blocks
                .iter()
                .filter(|b| b.starts_with("gpu_"))
                .map(|b| ((*b).to_owned(), "gpu".to_owned()))
                .collect(),
            ..crate::new_run("p", blocks)
        })
        .await
        .unwrap();
    for block in blocks {
        store
            .change_block_run(run.id, block, BlockRunChange::event(BlockRunEvent::Enqueue))
            .await
            .unwrap();
    }
    run.id
}

store_test!(
    tagged_block_runs_go_only_to_workers_with_their_tag,
    |store: Arc<dyn Store>| async move {
        queued_run(&store, &["gpu_train", "plain", "gpu_score"]).await;
        let now = Utc::now();
        let lease = now + Duration::seconds(30);
        let claim = |tags: &'static [&'static str]| {
            let store = store.clone();
            async move {
                let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
                store
                    .claim_block_run("w", &tags, now, lease)
                    .await
                    .unwrap()
                    .map(|b| b.block_uuid)
            }
        };
        assert_eq!(claim(&["gpu"]).await.as_deref(), Some("gpu_train"));
        assert_eq!(
            claim(&[]).await.as_deref(),
            Some("plain"),
            "untagged workers skip tagged work"
        );
        assert_eq!(claim(&[]).await, None);
        assert_eq!(claim(&["other"]).await, None);
        assert_eq!(
            claim(&["default", "gpu"]).await.as_deref(),
            Some("gpu_score")
        );
    }
);

store_test!(claims_go_oldest_first_and_never_twice, |store: Arc<
    dyn Store,
>| async move {
    let run = queued_run(&store, &["first", "second"]).await;
    let now = Utc::now();
    let lease = now + Duration::seconds(30);
    let a = store
        .claim_block_run("worker-a", &[], now, lease)
        .await
        .unwrap()
        .expect("a claim");
    let b = store
        .claim_block_run("worker-b", &[], now, lease)
        .await
        .unwrap()
        .expect("b claim");
    assert_eq!(
        (a.block_uuid.as_str(), b.block_uuid.as_str()),
        ("first", "second")
    );
    assert_eq!(
        (a.status, a.attempt, a.claimed_by.as_deref()),
        (BlockRunStatus::Running, 1, Some("worker-a"))
    );
    assert!(
        store
            .claim_block_run("worker-c", &[], now, lease)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(a.pipeline_run_id, run);
});

store_test!(
    one_claim_takes_up_to_its_limit_oldest_first,
    |store: Arc<dyn Store>| async move {
        queued_run(&store, &["first", "second", "third"]).await;
        let now = Utc::now();
        let lease = now + Duration::seconds(30);
        let claim = |limit: usize| {
            let store = store.clone();
            async move {
                let claimed = store
                    .claim_block_runs("w", &[], now, lease, limit)
                    .await
                    .unwrap();
                assert!(
                    claimed
                        .iter()
                        .all(|b| b.status == BlockRunStatus::Running && b.attempt == 1)
                );
                claimed
                    .into_iter()
                    .map(|b| b.block_uuid)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(claim(2).await, ["first", "second"]);
        // Fewer than asked for: the queue held no more.
        assert_eq!(claim(5).await, ["third"]);
        assert!(claim(2).await.is_empty());
    }
);

store_test!(a_retry_delay_holds_the_block_run_back, |store: Arc<
    dyn Store,
>| async move {
    let run = queued_run(&store, &["flaky"]).await;
    let now = Utc::now();
    let claimed = store
        .claim_block_run("w", &[], now, now + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    store
        .change_block_run(
            run,
            &claimed.block_uuid,
            BlockRunChange {
                ready_at: Some(now + Duration::seconds(10)),
                ..BlockRunChange::event(BlockRunEvent::Requeue)
            },
        )
        .await
        .unwrap();
    let requeued = &store.block_runs(run).await.unwrap()[0];
    assert_eq!(
        (requeued.status, requeued.claimed_by.as_deref()),
        (BlockRunStatus::Queued, None)
    );
    assert!(
        store
            .claim_block_run("w", &[], now + Duration::seconds(5), now)
            .await
            .unwrap()
            .is_none()
    );
    let later = now + Duration::seconds(11);
    let again = store
        .claim_block_run("w", &[], later, later + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempt, 2);
});

store_test!(a_waiting_sensor_gives_its_attempt_back, |store: Arc<
    dyn Store,
>| async move {
    let run = queued_run(&store, &["sensor"]).await;
    let now = Utc::now();
    let first = store
        .claim_block_run("w", &[], now, now + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.attempt, 1);
    let next_check = now + Duration::seconds(60);
    for check in 0..2 {
        let status = store
            .change_block_run(
                run,
                "sensor",
                BlockRunChange {
                    ready_at: Some(next_check),
                    ..BlockRunChange::event(BlockRunEvent::Wait)
                },
            )
            .await
            .unwrap();
        assert_eq!(status, BlockRunStatus::Queued);
        let waiting = &store.block_runs(run).await.unwrap()[0];
        assert_eq!(
            (
                waiting.attempt,
                waiting.claimed_by.as_deref(),
                waiting.lease_until,
                waiting.ready_at.map(|t| t.timestamp_millis()),
            ),
            (0, None, None, Some(next_check.timestamp_millis())),
            "check {check}"
        );
        // The timeout counts from the first check, not from each one.
        assert_eq!(
            waiting.waiting_since.map(|t| t.timestamp_millis()),
            first.started_at.map(|t| t.timestamp_millis())
        );
        assert!(
            store
                .claim_block_run("w", &[], next_check - Duration::seconds(1), now)
                .await
                .unwrap()
                .is_none()
        );
        let again = store
            .claim_block_run("w", &[], next_check, next_check + Duration::seconds(30))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.attempt, 1, "a check that waited is no attempt");
    }
    // A real failure still counts: the next claim is the second attempt.
    store
        .change_block_run(
            run,
            "sensor",
            BlockRunChange {
                ready_at: Some(next_check),
                ..BlockRunChange::event(BlockRunEvent::Requeue)
            },
        )
        .await
        .unwrap();
    let retried = store
        .claim_block_run("w", &[], next_check, next_check + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (retried.attempt, retried.waiting_since),
        (2, None),
        "a requeued block run is no longer waiting"
    );
});

store_test!(
    leases_are_renewed_by_their_holder_and_expire_otherwise,
    |store: Arc<dyn Store>| async move {
        queued_run(&store, &["long", "lost"]).await;
        let now = Utc::now();
        let long = store
            .claim_block_run("alive", &[], now, now + Duration::seconds(10))
            .await
            .unwrap()
            .unwrap();
        let lost = store
            .claim_block_run("dead", &[], now, now + Duration::seconds(10))
            .await
            .unwrap()
            .unwrap();
        let later = now + Duration::seconds(60);
        let renew = |worker: &'static str| store.renew_lease(long.id, worker, later);
        assert_eq!(renew("alive").await.unwrap(), Lease::Held);
        assert_eq!(renew("dead").await.unwrap(), Lease::Lost, "not its claim");
        store
            .request_cancel(long.pipeline_run_id, "long")
            .await
            .unwrap();
        assert_eq!(renew("alive").await.unwrap(), Lease::CancelRequested);
        let expired = store
            .expired_leases(now + Duration::seconds(30), std::time::Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(expired.iter().map(|b| b.id).collect::<Vec<_>>(), [lost.id]);
        store
            .change_block_run(
                long.pipeline_run_id,
                "long",
                BlockRunChange::event(BlockRunEvent::Complete),
            )
            .await
            .unwrap();
        let done = &store.block_runs(long.pipeline_run_id).await.unwrap()[0];
        assert_eq!((done.claimed_by.as_deref(), done.lease_until), (None, None));
        assert_eq!(
            store.renew_lease(long.id, "alive", now).await.unwrap(),
            Lease::Lost,
            "a finished block run has no lease"
        );
    }
);

store_test!(
    concurrent_workers_claim_each_block_run_exactly_once,
    |store: Arc<dyn Store>| async move {
        let blocks: Vec<String> = (0..60).map(|i| format!("b{i}")).collect();
        let names: Vec<&str> = blocks.iter().map(String::as_str).collect();
        queued_run(&store, &names).await;
        let claimers = (0..8).map(|worker| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut claimed = Vec::new();
                let now = Utc::now();
                while let Some(block_run) = store
                    .claim_block_run(&format!("w{worker}"), &[], now, now + Duration::seconds(30))
                    .await
                    .unwrap()
                {
                    claimed.push(block_run.id);
                }
                claimed
            })
        });
        let mut all = Vec::new();
        for claimer in claimers {
            all.extend(claimer.await.unwrap());
        }
        let unique: std::collections::HashSet<i64> = all.iter().copied().collect();
        assert_eq!(
            (all.len(), unique.len()),
            (60, 60),
            "every block run claimed once"
        );
    }
);

#[tokio::test]
async fn one_process_leads_a_postgresql_database_at_a_time() {
    let first = crate::postgres_store_named().await;
    let url = first.1.clone();
    let second = storage::PgStore::connect(&url).await.unwrap();
    assert!(first.0.try_lead().await.unwrap(), "the first to ask leads");
    assert!(first.0.try_lead().await.unwrap(), "and keeps leading");
    assert!(
        !second.try_lead().await.unwrap(),
        "a second process does not"
    );
    drop(first);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !second.try_lead().await.unwrap() {
        assert!(
            std::time::Instant::now() < deadline,
            "leadership passes on when the leader is gone"
        );
        tokio::task::yield_now().await;
    }
}
