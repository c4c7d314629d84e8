//! Managing users (admins): list, create, change (role, password), delete. While the server has no user, the first
//! one created must be the owner (the UI's "create the owner" step on loopback); only an owner creates, changes or
//! deletes an owner or grants the role, and the last owner stays one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use model::{Role, User};
use serde::{Deserialize, Serialize};
use storage::UserChange;
use utoipa::ToSchema;

use crate::audit::Note;
use crate::auth::{
    Principal, UserRequest, add_user, hash_password, password_problem, session_token, token_hash,
};
use crate::error::{ErrorBody, ErrorCode};
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUserInput {
    email: String,
    /// At least 8 characters.
    password: String,
    role: Role,
}

/// A change to a user: a new role, a new password (which ends the user's sessions), or both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserUpdateInput {
    #[serde(default)]
    role: Option<Role>,
    /// At least 8 characters.
    #[serde(default)]
    password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UserList {
    users: Vec<User>,
}

#[utoipa::path(get, path = "/users", tag = "users",
    responses((status = OK, body = UserList), (status = 403, body = ErrorBody)))]
pub(super) async fn list(State(state): State<AppState>) -> Result<Json<UserList>, ApiError> {
    Ok(Json(UserList {
        users: state.store.users().await?,
    }))
}

#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUserInput,
    responses((status = CREATED, body = User), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    Json(input): Json<NewUserInput>,
) -> Result<(StatusCode, Note, Json<User>), ApiError> {
    let first = state.store.user_count().await? == 0;
    if first && input.role != Role::Owner {
        return Err(ApiError::invalid(
            "the first user is the owner: create it with role `owner`",
        ));
    }
    if !first && input.role == Role::Owner {
        only_an_owner(principal.as_ref(), "create another owner")?;
    }
    let password = input.password;
    let email = input.email;
    let role = input.role;
    let store = state.store.clone();
    let user = add_user(
        store.as_ref(),
        UserRequest {
            email,
            password,
            role,
        },
    )
    .await?;
    state.auth.user_created();
    let note = Note::object(user.id)
        .detail("email", user.email.clone())
        .detail("role", user.role.as_str());
    Ok((StatusCode::CREATED, note, Json(user)))
}

/// Changes a user's role or sets its password. Only an owner changes an owner or grants the role; the last owner
/// keeps it. A new password ends the user's sessions (but the caller's own, when it changes its own password).
#[utoipa::path(put, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserUpdateInput,
    responses((status = OK, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<UserUpdateInput>,
) -> Result<Json<User>, ApiError> {
    if input.role.is_none() && input.password.is_none() {
        return Err(ApiError::invalid(
            "give a new `role`, a new `password`, or both",
        ));
    }
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no user {id}")))?;
    if user.role == Role::Owner {
        only_an_owner(principal.as_ref(), "change an owner")?;
    }
    if input.role == Some(Role::Owner) && user.role != Role::Owner {
        only_an_owner(principal.as_ref(), "make another owner")?;
    }
    if user.role == Role::Owner && input.role.is_some_and(|role| role != Role::Owner) {
        last_owner_stays(&state, "take the owner role from").await?;
    }
    let password_hash = match input.password {
        Some(password) => {
            if let Some(problem) = password_problem(&password) {
                return Err(ApiError::invalid(problem));
            }
            // Argon2 takes tens of milliseconds of CPU: off the async threads.
            let hash = tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .map_err(ApiError::internal)??;
            Some(hash)
        }
        None => None,
    };
    let own = principal
        .as_ref()
        .is_some_and(|axum::Extension(principal)| principal.user.id == id);
    let changed = state
        .store
        .update_user(
            id,
            UserChange {
                role: input.role,
                password_hash,
                keep_session: session_token(&headers)
                    .filter(|_| own)
                    .map(|token| token_hash(&token)),
            },
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no user {id}")))?;
    Ok(Json(changed))
}

#[utoipa::path(delete, path = "/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = NO_CONTENT), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn remove(
    State(state): State<AppState>,
    principal: Option<axum::Extension<Principal>>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no user {id}")))?;
    if user.role == Role::Owner {
        only_an_owner(principal.as_ref(), "delete an owner")?;
        last_owner_stays(&state, "delete").await?;
    }
    state.store.delete_user(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Refuses to `what` the only owner: a server always keeps one.
async fn last_owner_stays(state: &AppState, what: &str) -> Result<(), ApiError> {
    let users = state.store.users().await?;
    if users
        .iter()
        .filter(|other| other.role == Role::Owner)
        .count()
        <= 1
    {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("cannot {what} the only owner; make another owner first"),
        ));
    }
    Ok(())
}

fn only_an_owner(
    principal: Option<&axum::Extension<Principal>>,
    what: &str,
) -> Result<(), ApiError> {
    match principal {
        Some(axum::Extension(principal)) if principal.user.role == Role::Owner => Ok(()),
        _ => Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("only an owner may {what}"),
        )),
    }
}
