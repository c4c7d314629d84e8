//! A run with a dynamic child of 10,000 instances: the block runs API answers with the pipeline's own block runs,
//! pages through one child's instances and counts them by status, never the whole list at once.

use axum::http::{Method, StatusCode};
use model::{BlockRunEvent, DynamicInstance, Source};
use serde_json::{Value, json};
use storage::{BlockRunChange, NewInstance};

use crate::support::TestServer;

const INSTANCES: usize = 10_000;

/// A run of the example pipeline whose second block was expanded into `INSTANCES` instances (as the scheduler does
/// for a dynamic child), three of them failed and one condition-failed. Returns the run id.
async fn expanded_run(server: &TestServer) -> i64 {
    let (status, run) = server.run_now("example_pipeline").await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    let block = "fill_in_missing_values";
    let instances = (0..INSTANCES)
        .map(|index| NewInstance {
            uuid: format!("{block}:{index}"),
            dynamic: DynamicInstance {
                block: block.to_owned(),
                index,
                sources: vec![Source::Item { index }],
            },
            worker_tag: None,
            status: model::BlockRunStatus::Initial,
        })
        .collect();
    server
        .store
        .expand_block(run_id, block, instances)
        .await
        .unwrap();
    let change = |event| BlockRunChange::event(event);
    for index in [10, 20, 9_999] {
        let name = format!("{block}:{index}");
        for event in [
            BlockRunEvent::Enqueue,
            BlockRunEvent::Start,
            BlockRunEvent::Fail,
        ] {
            server
                .store
                .change_block_run(run_id, &name, change(event))
                .await
                .unwrap();
        }
    }
    server
        .store
        .change_block_run(
            run_id,
            &format!("{block}:5"),
            change(BlockRunEvent::ConditionFail),
        )
        .await
        .unwrap();
    run_id
}

fn names(block_runs: &Value) -> Vec<&str> {
    block_runs
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["block_uuid"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_block_runs_of_a_run_with_ten_thousand_instances_come_by_page() {
    let server = TestServer::new().await;
    let run_id = expanded_run(&server).await;
    let get = |query: String| {
        let server = &server;
        async move {
            server
                .call(
                    Method::GET,
                    &format!("/api/v1/runs/{run_id}/block_runs{query}"),
                    None,
                )
                .await
        }
    };

    // By default: the pipeline's own block runs, the expanded dynamic child among them, no instance.
    let (status, own) = get(String::new()).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(names(&own), ["load_example_data", "fill_in_missing_values"]);
    assert_eq!(own[1]["status"], json!("completed"));
    assert_eq!(own[1]["block"], json!("fill_in_missing_values"));
    assert_eq!(own[1]["dynamic_block_index"], Value::Null);

    // One child's instances: 100 by default, in index order, each naming its block and index.
    let (_, first) = get("?block=fill_in_missing_values".to_owned()).await;
    let first = first.as_array().unwrap();
    assert_eq!(first.len(), 100);
    assert_eq!(first[0]["block_uuid"], json!("fill_in_missing_values:0"));
    assert_eq!(first[0]["block"], json!("fill_in_missing_values"));
    assert_eq!(first[0]["dynamic_block_index"], json!(0));
    assert_eq!(first[99]["dynamic_block_index"], json!(99));

    let (_, last) = get("?block=fill_in_missing_values&offset=9998&limit=50".to_owned()).await;
    assert_eq!(
        names(&last),
        ["fill_in_missing_values:9998", "fill_in_missing_values:9999"]
    );
    assert_eq!(last[1]["status"], json!("failed"));

    // A page is at most 1000 instances, however many are asked for.
    let (_, big) = get("?block=fill_in_missing_values&limit=100000".to_owned()).await;
    assert_eq!(big.as_array().unwrap().len(), 1000);

    let (_, failed) = get("?block=fill_in_missing_values&status=failed".to_owned()).await;
    assert_eq!(
        names(&failed),
        [
            "fill_in_missing_values:10",
            "fill_in_missing_values:20",
            "fill_in_missing_values:9999"
        ]
    );
    let (_, skipped) =
        get("?block=fill_in_missing_values&status=condition_failed".to_owned()).await;
    assert_eq!(names(&skipped), ["fill_in_missing_values:5"]);

    let (_, none) = get("?block=load_example_data".to_owned()).await;
    assert_eq!(none, json!([]));
    let (status, error) = get("?status=done".to_owned()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("condition_failed"),
        "{error}"
    );
}

#[tokio::test]
async fn the_instances_of_each_dynamic_child_are_counted_by_status() {
    let server = TestServer::new().await;
    let run_id = expanded_run(&server).await;
    let (status, groups) = server
        .call(
            Method::GET,
            &format!("/api/v1/runs/{run_id}/block_groups"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{groups}");
    assert_eq!(
        groups,
        json!([{
            "block": "fill_in_missing_values",
            "total": 10_000,
            "counts": {"initial": 9_996, "failed": 3, "condition_failed": 1},
        }])
    );

    let (status, _) = server
        .call(Method::GET, "/api/v1/runs/999/block_groups", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
