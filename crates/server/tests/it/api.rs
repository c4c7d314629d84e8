//! The API's resources, status codes and error shapes.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::TestServer;

#[tokio::test]
async fn health_project_and_openapi_answer() {
    let server = TestServer::new().await;
    let (status, body) = server.call(Method::GET, "/api/v1/health", None).await;
    assert_eq!(
        (status, body["status"].clone()),
        (StatusCode::OK, json!("ok"))
    );
    let (_, project) = server.call(Method::GET, "/api/v1/project", None).await;
    assert_eq!(
        (project["name"].clone(), project["pipelines"].clone()),
        (json!("proj"), json!(1))
    );
    let (status, doc) = server.call(Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["servers"][0]["url"], json!("/api/v1"));
    for path in [
        "/pipelines",
        "/runs",
        "/triggers/{id}",
        "/pipelines/{uuid}/triggers",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
}

#[tokio::test]
async fn the_web_ui_is_served_for_every_page_path_and_unknown_api_paths_are_json_404s() {
    let server = TestServer::new().await;
    let (status, page) = server.call(Method::GET, "/", None).await;
    assert_eq!(status, StatusCode::OK);
    let html = page.as_str().unwrap().to_owned();
    assert!(
        html.contains("<title>") && html.to_lowercase().contains("wand"),
        "{html}"
    );
    let (status, deep) = server.call(Method::GET, "/runs/42", None).await;
    assert_eq!(
        (status, deep.as_str().unwrap()),
        (StatusCode::OK, html.as_str()),
        "the UI routes in the browser"
    );
    let (status, error) = server.call(Method::GET, "/api/v1/nothing-here", None).await;
    assert_eq!(
        (status, error["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found"))
    );
}

#[tokio::test]
async fn pipelines_are_listed_and_described() {
    let server = TestServer::new().await;
    let (_, list) = server.call(Method::GET, "/api/v1/pipelines", None).await;
    assert_eq!(list[0]["uuid"], json!("example_pipeline"));
    assert_eq!(list[0]["blocks"], json!(2));
    let (status, detail) = server
        .call(Method::GET, "/api/v1/pipelines/example_pipeline", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        detail["blocks"][0]["downstream_blocks"],
        json!(["fill_in_missing_values"])
    );
    assert_eq!(
        detail["blocks"][1]["upstream_blocks"],
        json!(["load_example_data"])
    );
    let (status, error) = server
        .call(Method::GET, "/api/v1/pipelines/nope", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["error"]["code"], json!("not_found"));
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("pipeline `nope` not found")
    );
}

#[tokio::test]
async fn triggers_are_created_validated_replaced_and_deleted() {
    let server = TestServer::new().await;
    let base = "/api/v1/pipelines/example_pipeline/triggers";
    let daily = json!({"name": "nightly", "schedule_interval": "30 2 * * *", "timezone": "Europe/Paris",
                       "status": "active", "variables": {"region": "eu"}, "settings": {"catch_up": "none"}});
    let (status, created) = server.call(Method::POST, base, Some(daily.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["settings"]["catch_up"], json!("none"));
    assert!(
        created["next_run_at"].is_string(),
        "an active time trigger shows its next slot"
    );
    let (status, conflict) = server.call(Method::POST, base, Some(daily)).await;
    assert_eq!(
        (status, conflict["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("conflict"))
    );
    let bad_cron = json!({"name": "broken", "schedule_interval": "every day"});
    let (status, invalid) = server.call(Method::POST, base, Some(bad_cron)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        invalid["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`every day` is not a schedule")
    );
    let bad_zone = json!({"name": "zone", "schedule_interval": "@daily", "timezone": "Mars/Base"});
    let (status, _) = server.call(Method::POST, base, Some(bad_zone)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_status = json!({"name": "typo", "schedule_interval": "@daily", "status": "enabled"});
    let (status, invalid) = server.call(Method::POST, base, Some(bad_status)).await;
    assert_eq!(
        (status, invalid["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_input"))
    );
    assert!(
        invalid["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expected `active` or `inactive`"),
        "{invalid}"
    );
    let (status, _) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/nope/triggers",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let id = created["id"].as_i64().unwrap();
    let replaced = json!({"name": "nightly", "schedule_interval": "@hourly", "status": "inactive"});
    let (status, updated) = server
        .call(
            Method::PUT,
            &format!("/api/v1/triggers/{id}"),
            Some(replaced),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            updated["schedule_interval"].clone(),
            updated["next_run_at"].clone()
        ),
        (json!("@hourly"), json!(null))
    );
    let (_, all) = server.call(Method::GET, "/api/v1/triggers", None).await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let (status, _) = server
        .call(Method::DELETE, &format!("/api/v1/triggers/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server
        .call(Method::DELETE, &format!("/api/v1/triggers/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn run_now_creates_a_run_with_the_trigger_variables_overridden() {
    let server = TestServer::new().await;
    let trigger =
        json!({"name": "manual", "schedule_interval": "@daily", "variables": {"a": 1, "b": 1}});
    let (_, created) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/example_pipeline/triggers",
            Some(trigger),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let (status, run) = server
        .call(
            Method::POST,
            &format!("/api/v1/triggers/{id}/runs"),
            Some(json!({"variables": {"b": 2}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    assert_eq!(run["variables"], json!({"a": 1, "b": 2}));
    assert_eq!(run["trigger_id"], json!(id));
    let run_id = run["id"].as_i64().unwrap();
    let (_, block_runs) = server
        .call(
            Method::GET,
            &format!("/api/v1/runs/{run_id}/block_runs"),
            None,
        )
        .await;
    let names: Vec<_> = block_runs
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["block_uuid"].clone())
        .collect();
    assert_eq!(
        names,
        [json!("load_example_data"), json!("fill_in_missing_values")]
    );
    let (status, _) = server.run_now("example_pipeline").await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn runs_are_filtered_and_paginated_newest_first() {
    let server = TestServer::new().await;
    for _ in 0..5 {
        server.run_now("example_pipeline").await;
    }
    let (_, first) = server.call(Method::GET, "/api/v1/runs?limit=2", None).await;
    let ids = |page: &serde_json::Value| {
        page["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), [5, 4]);
    let before = first["next_before"].as_i64().unwrap();
    let (_, second) = server
        .call(
            Method::GET,
            &format!("/api/v1/runs?limit=2&before={before}"),
            None,
        )
        .await;
    assert_eq!(ids(&second), [3, 2]);
    let (_, last) = server
        .call(Method::GET, "/api/v1/runs?limit=2&before=2", None)
        .await;
    assert_eq!(
        (ids(&last), last["next_before"].clone()),
        (vec![1], json!(null))
    );
    let (_, initial) = server
        .call(
            Method::GET,
            "/api/v1/runs?status=initial&pipeline=example_pipeline",
            None,
        )
        .await;
    assert_eq!(ids(&initial).len(), 5);
    let (status, error) = server
        .call(Method::GET, "/api/v1/runs?status=sleepy", None)
        .await;
    assert_eq!(
        (status, error["error"]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_input"))
    );
    let (status, _) = server.call(Method::GET, "/api/v1/runs/999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn mages_api_trigger_url_needs_the_token_and_answers_in_mages_shape() {
    let server = TestServer::new().await;
    let (_, trigger) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/example_pipeline/triggers",
            Some(json!({"name": "hook", "schedule_type": "api", "variables": {"env": "prod"}})),
        )
        .await;
    let url = trigger["api_url"].as_str().unwrap().to_owned();
    let id = trigger["id"].as_i64().unwrap();
    let (status, response) = server
        .call(
            Method::POST,
            &url,
            Some(json!({"pipeline_run": {"variables": {"env": "staging"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{response}");
    let run = &response["pipeline_run"];
    assert_eq!(run["pipeline_schedule_id"], json!(id));
    assert_eq!(run["status"], json!("initial"));
    assert_eq!(run["variables"], json!({"env": "staging"}));
    for key in [
        "created_at",
        "updated_at",
        "execution_date",
        "completed_at",
        "passed_sla",
        "event_variables",
        "metrics",
        "backfill_id",
    ] {
        assert!(run.get(key).is_some(), "{key} is in Mage's shape");
    }
    let (_, flat) = server
        .call(Method::POST, &url, Some(json!({"user": "ada"})))
        .await;
    assert_eq!(
        flat["pipeline_run"]["event_variables"],
        json!({"user": "ada"})
    );
    let (_, activated) = server
        .call(Method::GET, &format!("/api/v1/triggers/{id}"), None)
        .await;
    assert_eq!(
        activated["status"],
        json!("active"),
        "calling it activates the trigger, as in Mage"
    );
    let wrong = format!("/api/pipeline_schedules/{id}/pipeline_runs/not-the-token");
    let (status, error) = server.call(Method::POST, &wrong, None).await;
    assert_eq!(
        (status, error["error"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("unauthorized"))
    );
    let (status, _) = server
        .call(
            Method::POST,
            "/api/pipeline_schedules/99/pipeline_runs/x",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        server
            .store
            .runs(storage::RunFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn project_settings_are_read_and_written_in_metadata_yaml() {
    let server = TestServer::new().await;
    let (_, settings) = server
        .call(Method::GET, "/api/v1/project/settings", None)
        .await;
    assert_eq!(
        settings["concurrency"],
        json!(20),
        "wand init writes Mage's queue_config"
    );
    let update = json!({"concurrency": 4, "retry_config": {"retries": 2, "delay": 1}});
    let (status, updated) = server
        .call(Method::PUT, "/api/v1/project/settings", Some(update))
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        (
            updated["concurrency"].clone(),
            updated["retry_config"]["retries"].clone()
        ),
        (json!(4), json!(2))
    );
    let (_, file) = server
        .call(
            Method::GET,
            "/api/v1/files/content?path=metadata.yaml",
            None,
        )
        .await;
    let yaml = file["content"].as_str().unwrap();
    assert!(
        yaml.contains("project_uuid") && yaml.contains("logging_config"),
        "other keys are kept:\n{yaml}"
    );
    let (status, _) = server
        .call(
            Method::PUT,
            "/api/v1/project/settings",
            Some(json!({"concurrency": 1, "retry_config": {"retries": "many"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_ui_is_built_against_the_current_api_description() {
    let server = TestServer::new().await;
    let (_, served) = server.call(Method::GET, "/api/v1/openapi.json", None).await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/openapi.json");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let text = serde_json::to_string_pretty(&served).unwrap();
        std::fs::write(path, text + "\n").unwrap();
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        served == committed,
        "ui/openapi.json is stale: save /api/v1/openapi.json there with `UPDATE_EXPECT=1 cargo test -p server \
         --test it the_ui_is_built`, then run `npm run gen:api` in ui/"
    );
}

#[tokio::test]
async fn the_python_environment_is_described() {
    let server = TestServer::new().await;
    let (status, python) = server.call(Method::GET, "/api/v1/python", None).await;
    assert_eq!(status, StatusCode::OK, "{python}");
    assert_eq!(python["interpreter"], json!("python3"));
    assert!(
        python["version"].as_str().unwrap().starts_with("3."),
        "{python}"
    );
    assert!(
        python["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p[0] == json!("pip")),
        "{python}"
    );
}
