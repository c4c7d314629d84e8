//! Editing through the API: pipelines (create, rename, clone, delete) and blocks (from a template or an existing
//! file, parents, order, code, removal), each change validated before it is written.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::TestServer;

fn uuids(detail: &Value) -> Vec<String> {
    detail["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["uuid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_pipeline_is_built_block_by_block_like_in_the_seed_tour() {
    let server = TestServer::new().await;
    let (status, created) = server
        .call(
            Method::POST,
            "/api/v1/pipelines",
            Some(json!({"name": "Titanic ETL"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["uuid"], json!("titanic_etl"));
    let blocks = "/api/v1/pipelines/titanic_etl/blocks";
    let (status, with_loader) = server
        .call(Method::POST, blocks, Some(json!({"name": "load titanic", "type": "data_loader", "template": "data_loader/api"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{with_loader}");
    assert_eq!(uuids(&with_loader), ["load_titanic"]);
    let (_, code) = server
        .call(Method::GET, &format!("{blocks}/load_titanic/code"), None)
        .await;
    assert!(
        code["content"].as_str().unwrap().contains("requests.get"),
        "the API template"
    );
    let (_, listed) = server.call(Method::GET, blocks, None).await;
    assert_eq!(listed[0]["type"], json!("data_loader"));
    let (status, with_existing) = server
        .call(
            Method::POST,
            blocks,
            Some(
                json!({"name": "fill_in_missing_values", "type": "transformer",
                        "existing_file": "transformers/fill_in_missing_values.py"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{with_existing}");
    let (_, exporter) = server
        .call(
            Method::POST,
            blocks,
            Some(
                json!({"name": "export", "type": "data_exporter", "template": "data_exporter/file",
                                                "upstream_blocks": ["fill_in_missing_values"]}),
            ),
        )
        .await;
    assert_eq!(
        uuids(&exporter),
        ["load_titanic", "fill_in_missing_values", "export"]
    );
    // "Edit parent blocks".
    let (status, linked) = server
        .call(
            Method::PUT,
            &format!("{blocks}/fill_in_missing_values"),
            Some(json!({"upstream_blocks": ["load_titanic"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{linked}");
    assert_eq!(
        linked["blocks"][0]["downstream_blocks"],
        json!(["fill_in_missing_values"])
    );
    // A cycle is refused with the blocks named, and nothing is written.
    let (status, cycle) = server
        .call(
            Method::PUT,
            &format!("{blocks}/load_titanic"),
            Some(json!({"upstream_blocks": ["export"]})),
        )
        .await;
    assert_eq!(
        (status, cycle["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_pipeline"))
    );
    let message = cycle["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("load_titanic -> fill_in_missing_values -> export -> load_titanic"),
        "{message}"
    );
    let (_, unchanged) = server
        .call(Method::GET, "/api/v1/pipelines/titanic_etl", None)
        .await;
    assert_eq!(unchanged["blocks"][0]["upstream_blocks"], json!([]));
    // The file on disk is the metadata.yaml Mage reads, with both link lists.
    let (_, file) = server
        .call(
            Method::GET,
            "/api/v1/files/content?path=pipelines/titanic_etl/metadata.yaml",
            None,
        )
        .await;
    let yaml = file["content"].as_str().unwrap();
    assert!(
        yaml.contains("downstream_blocks:")
            && yaml.contains("file_source:")
            && !yaml.contains("status: "),
        "{yaml}"
    );
    // Rename: the uuid, the children's parents and the file follow the name.
    let (status, renamed) = server
        .call(
            Method::PUT,
            &format!("{blocks}/load_titanic"),
            Some(json!({"name": "Load passengers"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(uuids(&renamed)[0], "load_passengers");
    assert_eq!(
        renamed["blocks"][0]["file"],
        json!("data_loaders/load_passengers.py")
    );
    assert_eq!(
        renamed["blocks"][1]["upstream_blocks"],
        json!(["load_passengers"])
    );
    let (status, _) = server
        .call(
            Method::GET,
            "/api/v1/files/content?path=data_loaders/load_titanic.py",
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the file moved with the block"
    );
    let (status, clash) = server
        .call(
            Method::PUT,
            &format!("{blocks}/load_passengers"),
            Some(json!({"name": "export"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{clash}");
    // Reorder, then remove a block with its file.
    let (_, moved) = server
        .call(
            Method::PUT,
            &format!("{blocks}/export"),
            Some(json!({"position": 0})),
        )
        .await;
    assert_eq!(
        uuids(&moved),
        ["export", "load_passengers", "fill_in_missing_values"]
    );
    let (status, removed) = server
        .call(
            Method::DELETE,
            &format!("{blocks}/export?delete_file=true"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        uuids(&removed),
        ["load_passengers", "fill_in_missing_values"]
    );
    let (status, _) = server
        .call(
            Method::GET,
            "/api/v1/files/content?path=data_exporters/export.py",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server
        .call(
            Method::GET,
            "/api/v1/files/content?path=transformers/fill_in_missing_values.py",
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an existing file used as a block stays"
    );
}

#[tokio::test]
async fn block_code_saves_check_the_version() {
    let server = TestServer::new().await;
    let code = "/api/v1/pipelines/example_pipeline/blocks/load_example_data/code";
    let (_, read) = server.call(Method::GET, code, None).await;
    let (status, saved) = server
        .call(
            Method::PUT,
            code,
            Some(json!({"content": "# edited\n", "version": read["version"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (status, stale) = server
        .call(
            Method::PUT,
            code,
            Some(json!({"content": "# stale\n", "version": read["version"]})),
        )
        .await;
    assert_eq!(
        (status, stale["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("file_changed"))
    );
}

#[tokio::test]
async fn pipelines_are_renamed_cloned_and_deleted() {
    let server = TestServer::new().await;
    let (status, renamed) = server
        .call(
            Method::PUT,
            "/api/v1/pipelines/example_pipeline",
            Some(json!({"name": "Cleaning"})),
        )
        .await;
    assert_eq!(
        (status, renamed["uuid"].clone(), renamed["name"].clone()),
        (StatusCode::OK, json!("cleaning"), json!("Cleaning"))
    );
    let (status, _) = server
        .call(Method::GET, "/api/v1/pipelines/example_pipeline", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, copy) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/cleaning/clone",
            Some(json!({"name": "Cleaning"})),
        )
        .await;
    assert_eq!(
        (status, copy["uuid"].clone()),
        (StatusCode::CREATED, json!("cleaning_2"))
    );
    assert_eq!(
        uuids(&copy),
        ["load_example_data", "fill_in_missing_values"]
    );
    let (status, _) = server
        .call(Method::DELETE, "/api/v1/pipelines/cleaning_2", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = server.call(Method::GET, "/api/v1/pipelines", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (status, _) = server
        .call(
            Method::POST,
            "/api/v1/pipelines",
            Some(json!({"name": "!!!"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, templates) = server
        .call(Method::GET, "/api/v1/block_templates", None)
        .await;
    let keys: Vec<&str> = templates
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    for key in [
        "data_loader/api",
        "data_loader/file",
        "data_loader/postgres",
        "data_loader/duckdb",
        "transformer/generic",
        "markdown/generic",
    ] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
}
