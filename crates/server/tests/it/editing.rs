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

#[tokio::test]
async fn templates_come_in_mages_groups_and_a_sql_template_for_a_database_sets_its_provider() {
    let server = TestServer::new().await;
    std::fs::write(
        server.root.join("io_config.yaml"),
        "version: 0.1.1\ndefault:\n  DUCKDB_DATABASE: shop.duckdb\n",
    )
    .unwrap();
    let (_, templates) = server
        .call(Method::GET, "/api/v1/block_templates", None)
        .await;
    let find = |key: &str| {
        templates
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == json!(key))
            .cloned()
            .unwrap_or_else(|| panic!("no {key} in {templates}"))
    };
    assert_eq!(
        find("data_loader/s3"),
        json!({"key": "data_loader/s3", "type": "data_loader", "language": "python", "label": "Amazon S3",
               "group": "Data lakes", "data_provider": null})
    );
    assert_eq!(find("data_exporter/generic")["group"], Value::Null);
    assert_eq!(
        find("data_loader/sql/postgres"),
        json!({"key": "data_loader/sql/postgres", "type": "data_loader", "language": "sql", "label": "PostgreSQL",
               "group": "Databases", "data_provider": "postgres"})
    );
    // SQL templates are listed for the databases Wand runs SQL blocks on, and no others.
    for template in templates.as_array().unwrap() {
        if let Some(provider) = template["data_provider"].as_str() {
            assert!(
                project::SQL_PROVIDERS
                    .iter()
                    .any(|(name, _)| *name == provider),
                "{template}"
            );
        }
    }

    server
        .call(
            Method::POST,
            "/api/v1/pipelines",
            Some(json!({"name": "sources"})),
        )
        .await;
    let blocks = "/api/v1/pipelines/sources/blocks";
    let (status, added) = server
        .call(
            Method::POST,
            blocks,
            Some(json!({"name": "orders", "type": "data_loader", "template": "data_loader/sql/postgres"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let block = &added["blocks"][0];
    assert_eq!(block["language"], json!("sql"));
    assert_eq!(block["file"], json!("data_loaders/orders.sql"));
    // The template's database, though the profile only has DuckDB settings (the cell then says so).
    assert_eq!(
        block["configuration"],
        json!({
            "data_provider": "postgres",
            "data_provider_profile": "default",
            "data_provider_schema": "public",
            "export_write_policy": "append",
            "use_raw_sql": false,
            "file_source": {"path": "data_loaders/orders.sql"},
        })
    );
    let (status, added) = server
        .call(
            Method::POST,
            blocks,
            Some(
                json!({"name": "to bucket", "type": "data_exporter", "template": "data_exporter/s3",
                        "upstream_blocks": ["orders"]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let code = std::fs::read_to_string(server.root.join("data_exporters/to_bucket.py")).unwrap();
    assert!(
        code.contains("S3.with_config(ConfigFileLoader(config_path, config_profile)).export("),
        "{code}"
    );
    assert_eq!(added["blocks"][1]["language"], json!("python"));
}

#[tokio::test]
async fn a_sql_block_gets_a_sql_file_and_mages_configuration_which_the_editor_changes() {
    let server = TestServer::new().await;
    std::fs::write(
        server.root.join("io_config.yaml"),
        "version: 0.1.1\ndefault:\n  DUCKDB_DATABASE: shop.duckdb\nwarehouse:\n  POSTGRES_HOST: db\n  \
         MYSQL_HOST: db\n",
    )
    .unwrap();
    let (_, profiles) = server
        .call(Method::GET, "/api/v1/io_config/profiles", None)
        .await;
    assert_eq!(
        profiles,
        json!([
            {"name": "default", "providers": ["duckdb"]},
            {"name": "warehouse", "providers": ["postgres", "mysql"]},
        ])
    );
    server
        .call(
            Method::POST,
            "/api/v1/pipelines",
            Some(json!({"name": "shop"})),
        )
        .await;
    let blocks = "/api/v1/pipelines/shop/blocks";
    let (status, added) = server
        .call(
            Method::POST,
            blocks,
            Some(json!({"name": "count rows", "type": "transformer", "language": "sql"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let block = &added["blocks"][0];
    assert_eq!(block["language"], json!("sql"));
    assert_eq!(block["file"], json!("transformers/count_rows.sql"));
    assert_eq!(
        block["configuration"],
        json!({
            "data_provider": "duckdb",
            "data_provider_profile": "default",
            "data_provider_schema": "main",
            "export_write_policy": "append",
            "use_raw_sql": false,
            "file_source": {"path": "transformers/count_rows.sql"},
        })
    );
    let code = std::fs::read_to_string(server.root.join("transformers/count_rows.sql")).unwrap();
    assert!(code.contains("{{ df_1 }}"), "{code}");

    let block_url = format!("{blocks}/count_rows");
    let change = json!({"configuration": {
        "data_provider": "postgres", "data_provider_profile": "warehouse", "data_provider_table": "counts",
        "limit": 100, "export_write_policy": "replace", "data_provider_schema": null,
    }});
    let (status, changed) = server.call(Method::PUT, &block_url, Some(change)).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let configuration = &changed["blocks"][0]["configuration"];
    assert_eq!(configuration["data_provider_profile"], json!("warehouse"));
    assert_eq!(configuration["data_provider_table"], json!("counts"));
    assert_eq!(configuration["limit"], json!(100));
    assert!(configuration.get("data_provider_schema").is_none());
    let metadata =
        std::fs::read_to_string(server.root.join("pipelines/shop/metadata.yaml")).unwrap();
    assert!(
        metadata.contains("data_provider_profile: warehouse"),
        "{metadata}"
    );
    assert!(
        metadata.contains("export_write_policy: replace"),
        "{metadata}"
    );
    // Under Mage's sorted keys, as Mage writes them.
    let keys: Vec<&str> = configuration
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "data_provider",
            "data_provider_profile",
            "data_provider_table",
            "export_write_policy",
            "file_source",
            "limit",
            "use_raw_sql"
        ]
    );

    // A profile io_config.yaml does not have, or the block's file, is refused and nothing is written.
    for change in [
        json!({"configuration": {"data_provider_profile": "nowhere"}}),
        json!({"configuration": {"file_source": {"path": "x.sql"}}}),
    ] {
        let (status, answer) = server.call(Method::PUT, &block_url, Some(change)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    }
    let after = std::fs::read_to_string(server.root.join("pipelines/shop/metadata.yaml")).unwrap();
    assert_eq!(after, metadata);

    // A sensor has no SQL.
    let (status, answer) = server
        .call(
            Method::POST,
            blocks,
            Some(json!({"name": "wait", "type": "sensor", "language": "sql"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
}
