//! The project's secrets (admins): listed with when and by whom each was set, set (created or replaced) and deleted.
//! No answer ever holds a value: a value goes in and is sealed at once (see `storage::Vault`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// A secret as it is listed: never its value.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SecretDto {
    /// What blocks read it by: `get_secret_value('name')`, `{{ mage_secret_var('name') }}`.
    name: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Who set the current value: a user's email, `wand secrets` for the command line, none when the server had
    /// no user.
    updated_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SecretList {
    secrets: Vec<SecretDto>,
    /// Values shorter than this many characters are not hidden in logs, errors and previews.
    min_masked_chars: usize,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecretInput {
    /// The value, at most 64 KiB; it is never shown again.
    value: String,
}

impl From<storage::SecretInfo> for SecretDto {
    fn from(info: storage::SecretInfo) -> SecretDto {
        SecretDto {
            name: info.name,
            created_at: info.created_at,
            updated_at: info.updated_at,
            updated_by: info.updated_by,
        }
    }
}

#[utoipa::path(get, path = "/secrets", tag = "secrets",
    responses((status = OK, body = SecretList), (status = 403, body = ErrorBody)))]
pub(super) async fn list(State(state): State<AppState>) -> Result<Json<SecretList>, ApiError> {
    let secrets = state.secrets.list().await?;
    Ok(Json(SecretList {
        secrets: secrets.into_iter().map(SecretDto::from).collect(),
        min_masked_chars: model::MIN_MASKED_CHARS,
    }))
}

/// Creates the secret `name` or replaces its value. Names are letters, digits, `_`, `-` and `.`.
#[utoipa::path(put, path = "/secrets/{name}", tag = "secrets", request_body = SecretInput,
    params(("name" = String, Path, description = "The secret's name")),
    responses((status = OK, body = SecretDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    Path(name): Path<String>,
    Json(input): Json<SecretInput>,
) -> Result<Json<SecretDto>, ApiError> {
    let by = principal.map(|axum::Extension(principal)| principal.user.email);
    let info = state
        .secrets
        .set(&name, &input.value, by, Utc::now())
        .await?;
    Ok(Json(info.into()))
}

#[utoipa::path(delete, path = "/secrets/{name}", tag = "secrets",
    params(("name" = String, Path, description = "The secret's name")),
    responses((status = NO_CONTENT), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn remove(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.secrets.delete(&name).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("there is no secret `{name}`")))
    }
}
