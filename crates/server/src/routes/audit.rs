//! Reading the audit trail: all of it (admins; filtered by pipeline, run or user, with the client's address), or one
//! pipeline's or one run's entries (anyone who may read the pipeline). Newest first, paged by a cursor.

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use storage::{Actor, AuditEntry, AuditFilter};
use utoipa::{IntoParams, ToSchema};

use crate::error::ErrorBody;
use crate::{ApiError, AppState};

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

/// Who did it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ActorDto {
    /// `user` (signed in), `token` (a user's API token), `anyone` (the server was open: loopback, no user yet),
    /// `anonymous` (not signed in: a failed sign-in) or `trigger` (Mage's API-trigger URL, with the trigger's token).
    kind: String,
    /// The user, signed in or through one of its tokens (as it was then: the entry outlives the user).
    user: Option<UserRef>,
    /// The API token used.
    token: Option<NamedRef>,
    /// The API trigger called.
    trigger: Option<NamedRef>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UserRef {
    id: i64,
    email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NamedRef {
    id: i64,
    name: String,
}

/// One thing done: who, when, from where, what, to what.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuditEntryDto {
    id: i64,
    at: DateTime<Utc>,
    actor: ActorDto,
    /// The client's address, in `GET /audit` only (admins).
    client: Option<String>,
    /// `create`, `update`, `delete`, `rename`, `copy`, `update_code`, `start`, `execute`, `cancel`, `retry`,
    /// `attach`, `detach`, `install`, `open`, `sign_in`, `sign_in_failed`, `sign_out`.
    action: String,
    /// `pipeline`, `block`, `addon`, `file`, `trigger`, `run`, `user`, `token`, `session`, `settings`,
    /// `python_environment`, `terminal`, `secret`.
    object_kind: String,
    /// The pipeline's uuid, the block's, the file's path, the run's, trigger's, user's or token's id...
    object_id: Option<String>,
    pipeline_uuid: Option<String>,
    run_id: Option<i64>,
    /// A few facts (a new name, a role, the block a run was retried from); never a secret.
    #[schema(value_type = Object)]
    detail: Map<String, Value>,
}

/// A page of entries, newest first; pass `next_before` as `before` for the next page.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuditPage {
    entries: Vec<AuditEntryDto>,
    next_before: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub(super) struct AuditQuery {
    /// Only entries about this pipeline.
    pipeline: Option<String>,
    /// Only entries about this run.
    run: Option<i64>,
    /// Only what this user did (an email), signed in or through a token.
    actor: Option<String>,
    /// Page size (default 50, at most 200).
    limit: Option<i64>,
    /// Only entries older than this one (from `next_before`).
    before: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub(super) struct PageQuery {
    /// Page size (default 50, at most 200).
    limit: Option<i64>,
    /// Only entries older than this one (from `next_before`).
    before: Option<i64>,
}

/// The whole audit trail (admins): who created, changed, ran, cancelled or deleted what, and when.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = OK, body = AuditPage), (status = 422, body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let filter = AuditFilter {
        pipeline_uuid: query.pipeline,
        run_id: query.run,
        user_email: query.actor.as_deref().map(model::normalize_email),
        ..AuditFilter::default()
    };
    page(&state, filter, query.limit, query.before, true).await
}

/// What was done to a pipeline, its blocks, triggers and runs.
#[utoipa::path(get, path = "/pipelines/{uuid}/audit", tag = "audit",
    params(("uuid" = String, Path, description = "The pipeline's folder name"), PageQuery),
    responses((status = OK, body = AuditPage), (status = 422, body = ErrorBody)))]
pub(super) async fn pipeline(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let filter = AuditFilter {
        pipeline_uuid: Some(uuid),
        ..AuditFilter::default()
    };
    page(&state, filter, query.limit, query.before, false).await
}

/// Who started, cancelled or retried a run.
#[utoipa::path(get, path = "/runs/{id}/audit", tag = "audit",
    params(("id" = i64, Path, description = "Run id"), PageQuery),
    responses((status = OK, body = AuditPage), (status = 422, body = ErrorBody)))]
pub(super) async fn run(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let filter = AuditFilter {
        run_id: Some(id),
        ..AuditFilter::default()
    };
    page(&state, filter, query.limit, query.before, false).await
}

async fn page(
    state: &AppState,
    filter: AuditFilter,
    limit: Option<i64>,
    before: Option<i64>,
    with_client: bool,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let entries = state
        .store
        .audit_entries(AuditFilter {
            before_id: before,
            limit,
            ..filter
        })
        .await?;
    let next_before = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|entry| entry.id))
        .flatten();
    Ok(Json(AuditPage {
        entries: entries
            .into_iter()
            .map(|entry| dto(entry, with_client))
            .collect(),
        next_before,
    }))
}

fn dto(entry: AuditEntry, with_client: bool) -> AuditEntryDto {
    let AuditEntry { id, entry } = entry;
    let kind = entry.actor.kind().to_owned();
    let user = entry.actor.user().map(|(id, email)| UserRef {
        id,
        email: email.to_owned(),
    });
    let (token, trigger) = match entry.actor {
        Actor::Token { token_id, name, .. } => (Some(NamedRef { id: token_id, name }), None),
        Actor::Trigger { id, name } => (None, Some(NamedRef { id, name })),
        _ => (None, None),
    };
    AuditEntryDto {
        id,
        at: entry.at,
        actor: ActorDto {
            kind,
            user,
            token,
            trigger,
        },
        client: entry.client.filter(|_| with_client),
        action: entry.action,
        object_kind: entry.object_kind,
        object_id: entry.object_id,
        pipeline_uuid: entry.pipeline_uuid,
        run_id: entry.run_id,
        detail: entry.detail,
    }
}
