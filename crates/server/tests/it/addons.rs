//! A block's add-ons and dynamic settings through the API, as the editor changes them: attach a new conditional or
//! callback, edit its code, attach it to another block, detach it; toggle `dynamic` and `reduce_output`.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::TestServer;

const ADDONS: &str = "/api/v1/pipelines/example_pipeline/blocks/fill_in_missing_values/addons";

fn block<'a>(detail: &'a Value, uuid: &str) -> &'a Value {
    detail["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["uuid"] == json!(uuid))
        .unwrap_or_else(|| panic!("no block {uuid} in {detail}"))
}

#[tokio::test]
async fn a_conditional_is_attached_edited_shared_and_detached() {
    let server = TestServer::new().await;
    let (status, detail) = server
        .call(
            Method::POST,
            ADDONS,
            Some(json!({"type": "conditional", "name": "only weekdays"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{detail}");
    assert_eq!(
        block(&detail, "fill_in_missing_values")["conditionals"],
        json!([{"uuid": "only_weekdays", "file": "conditionals/only_weekdays.py"}])
    );

    // Its code is read and written through the block code route, like a block's.
    let code = "/api/v1/pipelines/example_pipeline/blocks/only_weekdays/code";
    let (status, file) = server.call(Method::GET, code, None).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert!(
        file["content"].as_str().unwrap().contains("@condition"),
        "{file}"
    );
    let edited = "if 'condition' not in globals():\n    from mage_ai.data_preparation.decorators import condition\n\n\n@condition\ndef weekday(*args, **kwargs) -> bool:\n    return False\n";
    let (status, written) = server
        .call(
            Method::PUT,
            code,
            Some(json!({"content": edited, "version": file["version"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{written}");
    let on_disk =
        std::fs::read_to_string(server.root.join("conditionals/only_weekdays.py")).unwrap();
    assert_eq!(on_disk, edited);

    // Attached to the other block too, then detached from both: it leaves the pipeline, its file stays.
    let (status, detail) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/example_pipeline/blocks/load_example_data/addons",
            Some(json!({"addon": "only_weekdays"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{detail}");
    assert_eq!(
        block(&detail, "load_example_data")["conditionals"][0]["uuid"],
        json!("only_weekdays")
    );
    let (status, detail) = server
        .call(Method::DELETE, &format!("{ADDONS}/only_weekdays"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(
        block(&detail, "fill_in_missing_values")["conditionals"],
        json!([])
    );
    assert_eq!(
        block(&detail, "load_example_data")["conditionals"][0]["uuid"],
        json!("only_weekdays")
    );
    let (_, detail) = server
        .call(
            Method::DELETE,
            "/api/v1/pipelines/example_pipeline/blocks/load_example_data/addons/only_weekdays",
            None,
        )
        .await;
    assert_eq!(
        block(&detail, "load_example_data")["conditionals"],
        json!([])
    );
    let yaml =
        std::fs::read_to_string(server.root.join("pipelines/example_pipeline/metadata.yaml"))
            .unwrap();
    assert!(!yaml.contains("only_weekdays"), "{yaml}");
    assert!(server.root.join("conditionals/only_weekdays.py").is_file());
}

#[tokio::test]
async fn a_callback_starts_from_mages_template() {
    let server = TestServer::new().await;
    let (status, detail) = server
        .call(
            Method::POST,
            ADDONS,
            Some(json!({"type": "callback", "name": "notify"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{detail}");
    assert_eq!(
        block(&detail, "fill_in_missing_values")["callbacks"],
        json!([{"uuid": "notify", "file": "callbacks/notify.py"}])
    );
    let code = std::fs::read_to_string(server.root.join("callbacks/notify.py")).unwrap();
    assert!(
        code.contains("@callback('success')\ndef success_callback(parent_block_data, **kwargs):"),
        "{code}"
    );
}

#[tokio::test]
async fn wrong_addon_requests_are_refused() {
    let server = TestServer::new().await;
    for (body, needle) in [
        (json!({"type": "sensor", "name": "x"}), "not an add-on type"),
        (json!({"name": "x"}), "give `type` and `name`"),
        (json!({"addon": "nothing"}), "no conditional or callback"),
    ] {
        let (status, error) = server.call(Method::POST, ADDONS, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert!(error.to_string().contains(needle), "{needle}: {error}");
    }
    let (status, error) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/example_pipeline/blocks/nope/addons",
            Some(json!({"type": "callback", "name": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(!server.root.join("callbacks/x.py").exists());
}

#[tokio::test]
async fn dynamic_and_reduce_output_are_toggled_in_the_configuration() {
    let server = TestServer::new().await;
    let update = |block: &str, configuration: Value| {
        let uri = format!("/api/v1/pipelines/example_pipeline/blocks/{block}");
        let server = &server;
        async move {
            server
                .call(
                    Method::PUT,
                    &uri,
                    Some(json!({"configuration": configuration})),
                )
                .await
        }
    };
    let (status, detail) = update("load_example_data", json!({"dynamic": true})).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(
        block(&detail, "load_example_data")["configuration"]["dynamic"],
        json!(true)
    );
    let (_, detail) = update("fill_in_missing_values", json!({"reduce_output": true})).await;
    assert_eq!(
        block(&detail, "fill_in_missing_values")["configuration"]["reduce_output"],
        json!(true)
    );
    let (_, detail) = update("load_example_data", json!({"dynamic": null})).await;
    assert_eq!(
        block(&detail, "load_example_data")["configuration"].get("dynamic"),
        None
    );
    let yaml =
        std::fs::read_to_string(server.root.join("pipelines/example_pipeline/metadata.yaml"))
            .unwrap();
    assert!(
        yaml.contains("reduce_output: true") && !yaml.contains("dynamic: true"),
        "{yaml}"
    );
}
