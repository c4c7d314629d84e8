//! Managing users (admins): list, create, delete. While the server has no user, the first one created must be the
//! owner (the UI's "create the owner" step on loopback); only an owner creates or deletes another owner.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use model::{Role, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Note;
use crate::auth::{Principal, UserRequest, add_user};
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
        let owners = state.store.users().await?;
        if owners
            .iter()
            .filter(|other| other.role == Role::Owner)
            .count()
            == 1
        {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "this is the only owner; make another owner first",
            ));
        }
    }
    state.store.delete_user(id).await?;
    Ok(StatusCode::NO_CONTENT)
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
