//! Notification deliveries: recorded only by the change that ends a run (or marks it past its SLA), claimed once,
//! retried when due, and listed per run.

use std::sync::Arc;

use chrono::{Duration, Utc};
use model::{AlertEvent, Message, RunEvent, RunStatus};
use storage::{DeliveryOutcome, NewDelivery, Store};

use crate::store_test;

async fn running_run(store: &Arc<dyn Store>) -> i64 {
    let run = store.create_run(crate::new_run("p", &["a"])).await.unwrap();
    store.change_run(run.id, RunEvent::Start).await.unwrap();
    run.id
}

fn delivery(event: AlertEvent, channel: &str) -> NewDelivery {
    NewDelivery {
        event,
        channel: channel.to_owned(),
        message: Message {
            title: "t".to_owned(),
            summary: "s".to_owned(),
            details: "d".to_owned(),
        },
    }
}

store_test!(
    a_run_ends_and_alerts_once,
    |store: Arc<dyn Store>| async move {
        let run = running_run(&store).await;
        let now = Utc::now();
        let both = || {
            vec![
                delivery(AlertEvent::Failure, "slack_config"),
                delivery(AlertEvent::Failure, "email_config"),
            ]
        };
        assert_eq!(
            store
                .finish_run(run, RunEvent::Fail, both(), now)
                .await
                .unwrap(),
            RunStatus::Failed
        );
        // A second scheduler that saw the same end is refused by the state machine, and records nothing.
        assert!(
            store
                .finish_run(run, RunEvent::Fail, both(), now)
                .await
                .is_err()
        );
        let deliveries = store.deliveries(run).await.unwrap();
        let channels: Vec<&str> = deliveries.iter().map(|d| d.channel.as_str()).collect();
        assert_eq!(channels, ["slack_config", "email_config"]);
        assert!(
            deliveries
                .iter()
                .all(|d| d.status == "pending" && d.attempts == 0)
        );
    }
);

store_test!(
    a_run_passes_its_sla_once_and_only_while_going,
    |store: Arc<dyn Store>| async move {
        let run = running_run(&store).await;
        let now = Utc::now();
        let sla = || vec![delivery(AlertEvent::PassedSla, "slack_config")];
        assert!(store.mark_passed_sla(run, sla(), now).await.unwrap());
        assert!(!store.mark_passed_sla(run, sla(), now).await.unwrap());
        assert!(store.run(run).await.unwrap().unwrap().passed_sla);
        assert_eq!(store.deliveries(run).await.unwrap().len(), 1);

        let ended = running_run(&store).await;
        store.change_run(ended, RunEvent::Complete).await.unwrap();
        assert!(!store.mark_passed_sla(ended, sla(), now).await.unwrap());
        assert!(store.deliveries(ended).await.unwrap().is_empty());
    }
);

store_test!(
    deliveries_are_claimed_once_and_retried_when_due,
    |store: Arc<dyn Store>| async move {
        let run = running_run(&store).await;
        let now = Utc::now();
        store
            .finish_run(
                run,
                RunEvent::Fail,
                vec![delivery(AlertEvent::Failure, "slack_config")],
                now,
            )
            .await
            .unwrap();
        let claimed = store
            .claim_delivery(now, now + Duration::seconds(60))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.attempts, 1);
        // Claimed: not due again until its claim lapses.
        assert!(
            store
                .claim_delivery(now, now + Duration::seconds(60))
                .await
                .unwrap()
                .is_none()
        );
        let retry_at = now + Duration::seconds(5);
        let outcome = DeliveryOutcome::Retry {
            error: "HTTP 500".to_owned(),
            at: retry_at,
        };
        store
            .record_delivery(claimed.id, outcome, now)
            .await
            .unwrap();
        assert!(
            store
                .claim_delivery(now, now + Duration::seconds(60))
                .await
                .unwrap()
                .is_none()
        );
        let again = store
            .claim_delivery(retry_at, retry_at + Duration::seconds(60))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.id, again.attempts, again.error.as_deref()),
            (claimed.id, 2, Some("HTTP 500"))
        );
        store
            .record_delivery(again.id, DeliveryOutcome::Sent, retry_at)
            .await
            .unwrap();
        let [sent] = store.deliveries(run).await.unwrap().try_into().unwrap();
        assert_eq!(
            (sent.status.as_str(), sent.error, sent.sent_at.is_some()),
            ("sent", None, true)
        );
    }
);
