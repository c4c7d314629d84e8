//! A user's own API tokens (`Authorization: Bearer`): made with a name and an optional expiry, shown once, listed
//! without their value, revoked by their owner.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use storage::NewApiToken;
use utoipa::ToSchema;

use crate::audit::Note;
use crate::auth::{Principal, new_token, token_hash, unauthenticated};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTokenInput {
    /// What the token is for ("ci", "airflow").
    name: String,
    /// Days until it expires; none: it lasts until revoked.
    #[serde(default)]
    expires_in_days: Option<u32>,
}

/// A token as it is listed: never its value.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TokenDto {
    id: i64,
    name: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

/// A new token with its value, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NewTokenDto {
    token: TokenDto,
    /// Send as `Authorization: Bearer <value>`; it cannot be shown again.
    value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TokenList {
    tokens: Vec<TokenDto>,
}

impl From<storage::ApiToken> for TokenDto {
    fn from(token: storage::ApiToken) -> TokenDto {
        TokenDto {
            id: token.id,
            name: token.name,
            created_at: token.created_at,
            expires_at: token.expires_at,
            last_used_at: token.last_used_at,
        }
    }
}

#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = OK, body = TokenList), (status = 401, body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
) -> Result<Json<TokenList>, ApiError> {
    let user = signed_in(principal)?;
    let tokens = state.store.api_tokens(user.id).await?;
    Ok(Json(TokenList {
        tokens: tokens.into_iter().map(TokenDto::from).collect(),
    }))
}

#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewTokenInput,
    responses((status = CREATED, body = NewTokenDto), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    Json(input): Json<NewTokenInput>,
) -> Result<(StatusCode, Note, Json<NewTokenDto>), ApiError> {
    let user = signed_in(principal)?;
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("name the token (1 to 100 characters)"));
    }
    let now = Utc::now();
    let value = new_token("wand_t_")?;
    let token = state
        .store
        .create_api_token(
            NewApiToken {
                user_id: user.id,
                name,
                token_hash: token_hash(&value),
                expires_at: input
                    .expires_in_days
                    .map(|days| now + chrono::Duration::days(i64::from(days))),
            },
            now,
        )
        .await?;
    let note = Note::object(token.id).detail("name", token.name.clone());
    Ok((
        StatusCode::CREATED,
        note,
        Json(NewTokenDto {
            token: token.into(),
            value,
        }),
    ))
}

#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens", params(("id" = i64, Path)),
    responses((status = NO_CONTENT), (status = 404, body = ErrorBody)))]
pub(super) async fn remove(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let user = signed_in(principal)?;
    if state.store.delete_api_token(user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("you have no API token {id}")))
    }
}

/// The signed-in user: tokens belong to someone, so an open server (no user yet) has none to give.
fn signed_in(principal: Option<axum::Extension<Principal>>) -> Result<model::User, ApiError> {
    principal
        .map(|axum::Extension(principal)| principal.user)
        .ok_or_else(|| unauthenticated("API tokens belong to a user: sign in first"))
}
