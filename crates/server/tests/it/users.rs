//! Changing users: an admin changes roles and sets passwords, only an owner touches an owner or grants the role, the
//! last owner stays one; a new password ends the user's sessions; a user changes its own password with the current
//! one (a wrong one counts as a failed sign-in), which ends its other sessions.

use axum::http::{Method, StatusCode};
use model::Role;
use serde_json::{Value, json};

use crate::auth::{PASSWORD, add, send, session, sign_in};
use crate::support::TestServer;

const NEW_PASSWORD: &str = "another long password";

async fn id_of(server: &TestServer, email: &str) -> i64 {
    server
        .store
        .credentials(email)
        .await
        .unwrap()
        .expect("a user")
        .user
        .id
}

/// `PUT /api/v1/users/{id}` with `body`, as the holder of `cookie`.
async fn put_user(server: &TestServer, cookie: &str, id: i64, body: Value) -> (StatusCode, Value) {
    send(
        server,
        Method::PUT,
        &format!("/api/v1/users/{id}"),
        &[("cookie", cookie)],
        Some(body),
    )
    .await
}

/// `PUT /api/v1/me/password`, as the holder of `cookie`.
async fn change_own(
    server: &TestServer,
    cookie: &str,
    current: &str,
    new: &str,
) -> (StatusCode, Value) {
    send(
        server,
        Method::PUT,
        "/api/v1/me/password",
        &[("cookie", cookie)],
        Some(json!({"current_password": current, "new_password": new})),
    )
    .await
}

/// The status of `GET /api/v1/pipelines` for the holder of `cookie`: 200 while its session lives.
async fn reads(server: &TestServer, cookie: &str) -> StatusCode {
    send(
        server,
        Method::GET,
        "/api/v1/pipelines",
        &[("cookie", cookie)],
        None,
    )
    .await
    .0
}

#[tokio::test]
async fn admins_change_roles_and_only_owners_touch_owners() {
    let server = TestServer::new().await;
    for role in Role::ALL {
        add(&server, &format!("{role}@example.com"), role).await;
    }
    let owner_id = id_of(&server, "owner@example.com").await;
    let admin_id = id_of(&server, "admin@example.com").await;
    let editor_id = id_of(&server, "editor@example.com").await;
    let viewer_id = id_of(&server, "viewer@example.com").await;
    let owner = session(&server, "owner@example.com").await;
    let admin = session(&server, "admin@example.com").await;
    let editor = session(&server, "editor@example.com").await;

    // An admin demotes an editor, whose session sees it at once.
    let (status, changed) = put_user(&server, &admin, editor_id, json!({"role": "viewer"})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["role"], json!("viewer"));
    assert_eq!(changed["email"], json!("editor@example.com"));
    assert!(changed.get("password_hash").is_none());
    let (status, error) = send(
        &server,
        Method::POST,
        "/api/v1/pipelines/example_pipeline/runs",
        &[("cookie", &editor)],
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    let (status, error) = put_user(&server, &editor, viewer_id, json!({"role": "admin"})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a viewer manages no one: {error}"
    );

    // An admin neither grants the owner role nor changes an owner.
    for (id, body) in [
        (viewer_id, json!({"role": "owner"})),
        (owner_id, json!({"role": "viewer"})),
        (owner_id, json!({"password": NEW_PASSWORD})),
    ] {
        let (status, error) = put_user(&server, &admin, id, body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}: {error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("only an owner"),
            "{error}"
        );
    }
    let (_, _, cookie) = sign_in(&server, "owner@example.com", NEW_PASSWORD, &[]).await;
    assert!(cookie.is_none(), "the owner's password did not change");

    // The last owner keeps the role; with a second owner, the first may step down.
    let (status, error) = put_user(&server, &owner, owner_id, json!({"role": "admin"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("only owner"),
        "{error}"
    );
    let (status, promoted) = put_user(&server, &owner, admin_id, json!({"role": "owner"})).await;
    assert_eq!(status, StatusCode::OK, "{promoted}");
    let (status, stepped_down) =
        put_user(&server, &owner, owner_id, json!({"role": "admin"})).await;
    assert_eq!(status, StatusCode::OK, "{stepped_down}");
    assert_eq!(
        reads(&server, &owner).await,
        StatusCode::OK,
        "a new role keeps the session"
    );

    // Bad requests say what is wrong.
    for (id, body, expected) in [
        (viewer_id, json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            viewer_id,
            json!({"password": "short"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            viewer_id,
            json!({"role": "root"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            viewer_id,
            json!({"email": "x@example.com"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (999_999, json!({"role": "viewer"}), StatusCode::NOT_FOUND),
    ] {
        let (status, error) = put_user(&server, &admin, id, body.clone()).await;
        assert_eq!(status, expected, "{body}: {error}");
        assert!(error["error"]["message"].is_string(), "{error}");
    }
}

#[tokio::test]
async fn a_password_set_by_an_admin_ends_the_users_sessions() {
    let server = TestServer::new().await;
    add(&server, "admin@example.com", Role::Admin).await;
    add(&server, "ada@example.com", Role::Editor).await;
    let ada_id = id_of(&server, "ada@example.com").await;
    let admin = session(&server, "admin@example.com").await;
    let laptop = session(&server, "ada@example.com").await;
    let phone = session(&server, "ada@example.com").await;
    assert_eq!(reads(&server, &laptop).await, StatusCode::OK);

    let (status, changed) =
        put_user(&server, &admin, ada_id, json!({"password": NEW_PASSWORD})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["role"], json!("editor"), "the role stays");
    assert_eq!(reads(&server, &laptop).await, StatusCode::UNAUTHORIZED);
    assert_eq!(reads(&server, &phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reads(&server, &admin).await,
        StatusCode::OK,
        "other users stay signed in"
    );
    let (status, _, _) = sign_in(&server, "ada@example.com", PASSWORD, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password is gone");
    let (status, _, _) = sign_in(&server, "ada@example.com", NEW_PASSWORD, &[]).await;
    assert_eq!(status, StatusCode::OK);

    // An admin setting its own password stays signed in where it did so.
    let admin_id = id_of(&server, "admin@example.com").await;
    let other = session(&server, "admin@example.com").await;
    let (status, _) = put_user(&server, &admin, admin_id, json!({"password": NEW_PASSWORD})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reads(&server, &admin).await, StatusCode::OK);
    assert_eq!(reads(&server, &other).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn users_change_their_own_password_with_the_current_one() {
    let server = TestServer::new().await;
    add(&server, "ada@example.com", Role::Viewer).await;
    let here = session(&server, "ada@example.com").await;
    let elsewhere = session(&server, "ada@example.com").await;

    let (status, error) = change_own(&server, &here, "not the password", NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("current password"),
        "{error}"
    );
    let (status, error) = change_own(&server, &here, PASSWORD, "short").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at least 8"),
        "{error}"
    );
    assert_eq!(
        reads(&server, &elsewhere).await,
        StatusCode::OK,
        "nothing changed yet"
    );

    let (status, answer) = change_own(&server, &here, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    assert_eq!(
        reads(&server, &here).await,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(reads(&server, &elsewhere).await, StatusCode::UNAUTHORIZED);
    let (status, _, _) = sign_in(&server, "ada@example.com", PASSWORD, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = sign_in(&server, "ada@example.com", NEW_PASSWORD, &[]).await;
    assert_eq!(status, StatusCode::OK);

    // Guessing the current password is rate-limited like signing in.
    for _ in 0..5 {
        let (status, _) = change_own(&server, &here, "a wrong guess", "whatever it is").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, error) = change_own(&server, &here, NEW_PASSWORD, PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{error}");
    assert_eq!(error["error"]["code"], json!("too_many_attempts"));
}

#[tokio::test]
async fn an_open_server_has_no_password_to_change() {
    let server = TestServer::new().await;
    let (status, error) = server
        .call(
            Method::PUT,
            "/api/v1/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    assert_eq!(error["error"]["code"], json!("unauthorized"));
}
