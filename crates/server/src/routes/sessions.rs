//! Signing in and out (a session in an HttpOnly, SameSite=Strict cookie), who is signed in, and changing one's own
//! password. Sign-in attempts (and wrong current passwords) are rate-limited per email and per client address; a
//! wrong email and a wrong password answer alike.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Note;
use crate::auth::{
    Principal, Via, hash_password, new_token, password_problem, session_token, token_hash,
    unauthenticated, verify_password,
};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignIn {
    email: String,
    password: String,
}

/// A new password for the signed-in user, with the current one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    current_password: String,
    /// At least 8 characters.
    new_password: String,
}

/// Who is asking: the signed-in user (none when no one is), and whether this server requires sign-in now (false
/// only on loopback while it has no user: the UI then offers to create the owner).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MeDto {
    user: Option<User>,
    /// `session` or `token`: how the user proved who they are.
    via: Option<String>,
    sign_in_required: bool,
}

/// Signs in: sets the session cookie and returns the user. Sign-ins and failed ones are in the audit trail.
#[utoipa::path(post, path = "/sessions", tag = "sessions", request_body = SignIn,
    responses((status = OK, body = User, description = "Signed in; `Set-Cookie` carries the session."),
        (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn sign_in(
    State(state): State<AppState>,
    address: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Json(input): Json<SignIn>,
) -> Result<Response, ApiError> {
    let email = model::normalize_email(&input.email);
    let address = state
        .auth
        .client_address(address.map(|info| info.0.0.ip()), &headers);
    state.auth.check_attempts(&email, &address)?;
    let credentials = state.store.credentials(&email).await?;
    let password = input.password;
    let hash = credentials
        .as_ref()
        .map(|found| found.password_hash.clone());
    // Argon2 takes tens of milliseconds of CPU: off the async threads.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
        .await
        .map_err(ApiError::internal)?;
    let known = credentials.is_some();
    let Some(credentials) = credentials.filter(|_| matches) else {
        state.auth.record_failure(&email, &address);
        let note = Note::failed_sign_in(known.then_some(email.as_str()));
        let refusal = unauthenticated("wrong email or password");
        return Ok((note, refusal).into_response());
    };
    state.auth.record_success(&email);
    let token = new_token("wand_s_")?;
    let now = chrono::Utc::now();
    let lifetime = chrono::Duration::from_std(state.auth.settings().session_lifetime)
        .map_err(ApiError::internal)?;
    state
        .store
        .create_session(
            credentials.user.id,
            &token_hash(&token),
            now,
            now + lifetime,
        )
        .await?;
    state.auth.user_created();
    let cookie = state.auth.session_cookie(&token, &headers);
    let note = Note::default().actor(storage::Actor::User {
        id: credentials.user.id,
        email: credentials.user.email.clone(),
    });
    Ok(([(header::SET_COOKIE, cookie)], note, Json(credentials.user)).into_response())
}

/// Signs out: ends the session of the cookie (if any) and clears the cookie.
#[utoipa::path(delete, path = "/sessions", tag = "sessions",
    responses((status = NO_CONTENT, description = "Signed out; `Set-Cookie` clears the session.")))]
pub(super) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = session_token(&headers) {
        state.store.delete_session(&token_hash(&token)).await?;
    }
    let cookie = state.auth.cleared_cookie(&headers);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// Who is signed in, and whether sign-in is required.
#[utoipa::path(get, path = "/me", tag = "sessions", responses((status = OK, body = MeDto)))]
pub(super) async fn me(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
) -> Result<Json<MeDto>, ApiError> {
    let sign_in_required = !state.auth.is_open(state.store.as_ref()).await?;
    Ok(Json(match principal {
        Some(axum::Extension(principal)) => MeDto {
            via: Some(match principal.via {
                Via::Session => "session".to_owned(),
                Via::Token => "token".to_owned(),
            }),
            user: Some(principal.user),
            sign_in_required,
        },
        None => MeDto {
            user: None,
            via: None,
            sign_in_required,
        },
    }))
}

/// Changes the signed-in user's password, given the current one; the user's other sessions end (the one that made
/// the change stays). A wrong current password counts as a failed sign-in.
#[utoipa::path(put, path = "/me/password", tag = "sessions", request_body = PasswordChange,
    responses((status = NO_CONTENT, description = "Changed; the user's other sessions have ended."),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn change_password(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    address: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Json(input): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let Some(axum::Extension(principal)) = principal else {
        return Err(unauthenticated(
            "sign in first: only a signed-in user has a password to change",
        ));
    };
    let email = principal.user.email;
    let address = state
        .auth
        .client_address(address.map(|info| info.0.0.ip()), &headers);
    state.auth.check_attempts(&email, &address)?;
    if let Some(problem) = password_problem(&input.new_password) {
        return Err(ApiError::invalid(format!("the new password: {problem}")));
    }
    let hash = state
        .store
        .credentials(&email)
        .await?
        .map(|found| found.password_hash);
    let current = input.current_password;
    let new = input.new_password;
    // Argon2 takes tens of milliseconds of CPU: off the async threads.
    let (matches, new_hash) = tokio::task::spawn_blocking(move || {
        (
            verify_password(&current, hash.as_deref()),
            hash_password(&new),
        )
    })
    .await
    .map_err(ApiError::internal)?;
    if !matches {
        state.auth.record_failure(&email, &address);
        return Err(ApiError::invalid("the current password is not right"));
    }
    state.auth.record_success(&email);
    state
        .store
        .update_user(
            principal.user.id,
            storage::UserChange {
                password_hash: Some(new_hash?),
                keep_session: match principal.via {
                    Via::Session => session_token(&headers).map(|token| token_hash(&token)),
                    Via::Token => None,
                },
                ..storage::UserChange::default()
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
