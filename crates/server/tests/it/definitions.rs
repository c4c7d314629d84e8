//! Bad definitions are refused with the reason (issue 9, findings 10 and 11): wrong YAML shapes, crons that never
//! fire, names that are too long or hide their text; a `triggers.yaml` that cannot be applied shows on its pipeline.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::TestServer;

fn message(error: &Value) -> &str {
    error["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_pipeline_whose_blocks_are_not_a_list_is_invalid_and_cannot_run() {
    let server = TestServer::new().await;
    let metadata = server.root.join("pipelines/example_pipeline/metadata.yaml");
    std::fs::write(
        &metadata,
        "name: broken\nuuid: example_pipeline\nblocks: oops\n",
    )
    .unwrap();
    let (status, error) = server
        .call(Method::GET, "/api/v1/pipelines/example_pipeline", None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        message(&error).contains("metadata.yaml:3")
            && message(&error).contains("`blocks` must be a list of blocks"),
        "{error}"
    );
    let (status, _) = server.run_now("example_pipeline").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, runs) = server.call(Method::GET, "/api/v1/runs", None).await;
    assert_eq!(runs["runs"], json!([]));
}

#[tokio::test]
async fn triggers_with_impossible_schedules_or_unreadable_names_are_refused() {
    let server = TestServer::new().await;
    let base = "/api/v1/pipelines/example_pipeline/triggers";
    let cases = [
        (
            json!({"name": "feb 30", "schedule_interval": "0 0 30 2 *"}),
            "never fire",
        ),
        (
            json!({"name": "x".repeat(100_000), "schedule_interval": "@daily"}),
            "keep it to 255",
        ),
        (
            json!({"name": "two\nlines", "schedule_interval": "@daily"}),
            "U+000A",
        ),
        (
            json!({"name": "nightly\u{202E}", "schedule_interval": "@daily"}),
            "U+202E",
        ),
    ];
    for (input, reason) in cases {
        let (status, error) = server.call(Method::POST, base, Some(input)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(message(&error).contains(reason), "{reason}: {error}");
    }
    let (_, all) = server.call(Method::GET, "/api/v1/triggers", None).await;
    assert_eq!(all, json!([]));
}

#[tokio::test]
async fn pipeline_names_that_hide_their_text_are_refused() {
    let server = TestServer::new().await;
    for (name, reason) in [
        ("line\nbreak", "U+000A"),
        ("report\u{202E}gpj.exe", "U+202E"),
        (&"p".repeat(300) as &str, "keep it to 255"),
    ] {
        let (status, error) = server
            .call(
                Method::POST,
                "/api/v1/pipelines",
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(message(&error).contains(reason), "{reason}: {error}");
        let (status, _) = server
            .call(
                Method::PUT,
                "/api/v1/pipelines/example_pipeline",
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn a_triggers_file_that_cannot_be_applied_shows_on_its_pipeline_until_fixed() {
    let server = TestServer::new().await;
    let file = server.root.join("pipelines/example_pipeline/triggers.yaml");
    assert_eq!(triggers_problem(&server).await, None);
    std::fs::write(&file, "triggers: [unclosed\n").unwrap();
    let error = triggers_problem(&server).await.expect("a YAML error shows");
    assert!(error.contains("triggers.yaml"), "{error}");
    std::fs::write(&file, "triggers: oops\n").unwrap();
    let error = triggers_problem(&server)
        .await
        .expect("a wrong shape shows");
    assert!(error.contains("`triggers` must be a list"), "{error}");
    std::fs::write(
        &file,
        "triggers:\n- name: feb 30\n  schedule_type: time\n  schedule_interval: 0 0 30 2 *\n",
    )
    .unwrap();
    let error = triggers_problem(&server).await.expect("a bad entry shows");
    assert!(
        error.contains("trigger number 1") && error.contains("never fire"),
        "{error}"
    );
    std::fs::write(&file, "triggers: []\n").unwrap();
    assert_eq!(triggers_problem(&server).await, None);
}

/// The pipeline's `triggers_error`, the same in the list and in the detail.
async fn triggers_problem(server: &TestServer) -> Option<String> {
    let (_, list) = server.call(Method::GET, "/api/v1/pipelines", None).await;
    let (_, detail) = server
        .call(Method::GET, "/api/v1/pipelines/example_pipeline", None)
        .await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["uuid"] == json!("example_pipeline"))
        .cloned()
        .unwrap();
    assert_eq!(row["triggers_error"], detail["triggers_error"]);
    detail["triggers_error"].as_str().map(str::to_owned)
}

/// Issue 10, point 1: a Mage feature Wand does not run is the pipeline's `error` in the list (and refuses the
/// run), with every other problem (here a callback without its file); a cosmetic one is a warning of the pipeline's
/// detail.
#[tokio::test]
async fn mage_features_wand_does_not_run_are_the_pipelines_error_and_cosmetic_ones_its_warnings() {
    let server = TestServer::new().await;
    let metadata = server.root.join("pipelines/example_pipeline/metadata.yaml");
    let original = std::fs::read_to_string(&metadata).unwrap();
    let dynamic = original.replacen(
        "  configuration:\n    file_source:\n      path: data_loaders/load_example_data.py\n",
        "  configuration:\n    data_integration:\n      source: postgres\n    file_source:\n      path: data_loaders/load_example_data.py\n",
        1,
    );
    std::fs::write(
        &metadata,
        dynamic.replace(
            "callbacks: []",
            "callbacks:\n- uuid: notify\n  type: callback",
        ),
    )
    .unwrap();
    let (_, list) = server.call(Method::GET, "/api/v1/pipelines", None).await;
    let error = list[0]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(
            "metadata.yaml:2: block `load_example_data`: `configuration.data_integration` is"
        ) && error
            .contains("block `notify`: block file `callbacks/notify.py` not found; create it"),
        "{list}"
    );
    let (status, _) = server.run_now("example_pipeline").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    std::fs::write(
        &metadata,
        original.replacen("color: null", "color: teal", 1),
    )
    .unwrap();
    let (status, detail) = server
        .call(Method::GET, "/api/v1/pipelines/example_pipeline", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(
        detail["warnings"],
        json!([format!(
            "{}:2: block `load_example_data`: `color` is \"teal\": Wand's editor does not colour blocks; the \
             colour is kept in the file",
            std::fs::canonicalize(&metadata).unwrap().display()
        )])
    );
}

#[tokio::test]
async fn block_names_that_hide_their_text_are_refused_on_add_and_rename() {
    let server = TestServer::new().await;
    let blocks = "/api/v1/pipelines/example_pipeline/blocks";
    for (name, reason) in [("line\nbreak", "U+000A"), ("x\u{202E}y", "U+202E")] {
        let (status, error) = server
            .call(
                Method::PUT,
                &format!("{blocks}/load_example_data"),
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(message(&error).contains(reason), "{reason}: {error}");
        let (status, error) = server
            .call(
                Method::POST,
                blocks,
                Some(json!({"name": name, "type": "custom"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(message(&error).contains(reason), "{reason}: {error}");
    }
}
