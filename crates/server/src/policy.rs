//! What each route needs, in one table: nothing (`Public`) or a role at least as high as the one named. The
//! `authorize` middleware applies it to every routed request; a route missing from the table is refused, and a test
//! walks the OpenAPI document so that a new route without a row fails. Who the caller is comes from `auth`.

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use model::Role;

use crate::auth::unauthenticated;
use crate::error::ErrorCode;
use crate::{ApiError, AppState};

/// What a route needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone: health, the API's description, signing in and out, who am I, and Mage's API-trigger URL (its token
    /// authenticates it).
    Public,
    /// A signed-in user (or a bearer token's) whose role allows this one; while the server is open (loopback, no
    /// user yet), anyone.
    AtLeast(Role),
}

use Access::{AtLeast, Public};
use Role::{Admin, Editor, Viewer};

/// Every route: method, path template (as routed, under `/api/v1` for the API) and what it needs. Viewers read;
/// editors change pipelines, blocks and files and run them; admins manage users, triggers and settings, and the
/// terminal and the Python installer are theirs alone (Mage's roles).
pub(crate) const POLICY: &[(&str, &str, Access)] = &[
    ("GET", "/api/v1/health", Public),
    ("GET", "/api/v1/openapi.json", Public),
    ("POST", "/api/v1/sessions", Public),
    ("DELETE", "/api/v1/sessions", Public),
    ("GET", "/api/v1/me", Public),
    (
        "POST",
        "/api/pipeline_schedules/{id}/pipeline_runs/{token}",
        Public,
    ),
    ("GET", "/api/v1/tokens", AtLeast(Viewer)),
    ("POST", "/api/v1/tokens", AtLeast(Viewer)),
    ("DELETE", "/api/v1/tokens/{id}", AtLeast(Viewer)),
    ("GET", "/api/v1/users", AtLeast(Admin)),
    ("POST", "/api/v1/users", AtLeast(Admin)),
    ("PUT", "/api/v1/users/{id}", AtLeast(Admin)),
    ("DELETE", "/api/v1/users/{id}", AtLeast(Admin)),
    ("GET", "/api/v1/secrets", AtLeast(Admin)),
    ("PUT", "/api/v1/secrets/{name}", AtLeast(Admin)),
    ("DELETE", "/api/v1/secrets/{name}", AtLeast(Admin)),
    ("GET", "/api/v1/runs/{id}/notifications", AtLeast(Viewer)),
    ("GET", "/api/v1/notifications/channels", AtLeast(Viewer)),
    ("POST", "/api/v1/notifications/test", AtLeast(Editor)),
    ("PUT", "/api/v1/me/password", AtLeast(Viewer)),
    ("GET", "/api/v1/terminal", AtLeast(Admin)),
    ("GET", "/api/v1/project", AtLeast(Viewer)),
    ("GET", "/api/v1/project/settings", AtLeast(Viewer)),
    ("PUT", "/api/v1/project/settings", AtLeast(Admin)),
    ("GET", "/api/v1/python", AtLeast(Viewer)),
    ("POST", "/api/v1/python/install", AtLeast(Admin)),
    ("GET", "/api/v1/block_templates", AtLeast(Viewer)),
    ("GET", "/api/v1/io_config/profiles", AtLeast(Viewer)),
    ("GET", "/api/v1/dbt/models", AtLeast(Viewer)),
    ("GET", "/api/v1/dbt/lineage", AtLeast(Viewer)),
    ("GET", "/api/v1/global_data_products", AtLeast(Viewer)),
    ("GET", "/api/v1/files", AtLeast(Viewer)),
    ("POST", "/api/v1/files", AtLeast(Editor)),
    ("DELETE", "/api/v1/files", AtLeast(Editor)),
    ("GET", "/api/v1/files/content", AtLeast(Viewer)),
    ("PUT", "/api/v1/files/content", AtLeast(Editor)),
    ("POST", "/api/v1/files/rename", AtLeast(Editor)),
    ("GET", "/api/v1/pipelines", AtLeast(Viewer)),
    ("POST", "/api/v1/pipelines", AtLeast(Editor)),
    ("GET", "/api/v1/pipelines/{uuid}", AtLeast(Viewer)),
    ("PUT", "/api/v1/pipelines/{uuid}", AtLeast(Editor)),
    ("DELETE", "/api/v1/pipelines/{uuid}", AtLeast(Editor)),
    ("POST", "/api/v1/pipelines/{uuid}/clone", AtLeast(Editor)),
    ("POST", "/api/v1/pipelines/{uuid}/runs", AtLeast(Editor)),
    ("GET", "/api/v1/pipelines/{uuid}/blocks", AtLeast(Viewer)),
    ("POST", "/api/v1/pipelines/{uuid}/blocks", AtLeast(Editor)),
    (
        "PUT",
        "/api/v1/pipelines/{uuid}/blocks/{block}",
        AtLeast(Editor),
    ),
    (
        "DELETE",
        "/api/v1/pipelines/{uuid}/blocks/{block}",
        AtLeast(Editor),
    ),
    (
        "POST",
        "/api/v1/pipelines/{uuid}/blocks/{block}/addons",
        AtLeast(Editor),
    ),
    (
        "DELETE",
        "/api/v1/pipelines/{uuid}/blocks/{block}/addons/{addon}",
        AtLeast(Editor),
    ),
    (
        "GET",
        "/api/v1/pipelines/{uuid}/blocks/{block}/code",
        AtLeast(Viewer),
    ),
    (
        "PUT",
        "/api/v1/pipelines/{uuid}/blocks/{block}/code",
        AtLeast(Editor),
    ),
    (
        "POST",
        "/api/v1/pipelines/{uuid}/blocks/{block}/execute",
        AtLeast(Editor),
    ),
    ("GET", "/api/v1/pipelines/{uuid}/triggers", AtLeast(Viewer)),
    ("POST", "/api/v1/pipelines/{uuid}/triggers", AtLeast(Admin)),
    ("GET", "/api/v1/triggers", AtLeast(Viewer)),
    ("GET", "/api/v1/triggers/{id}", AtLeast(Viewer)),
    ("PUT", "/api/v1/triggers/{id}", AtLeast(Admin)),
    ("DELETE", "/api/v1/triggers/{id}", AtLeast(Admin)),
    ("POST", "/api/v1/triggers/{id}/runs", AtLeast(Editor)),
    ("GET", "/api/v1/runs", AtLeast(Viewer)),
    ("GET", "/api/v1/runs/{id}", AtLeast(Viewer)),
    ("DELETE", "/api/v1/runs/{id}", AtLeast(Editor)),
    ("POST", "/api/v1/runs/delete", AtLeast(Editor)),
    ("GET", "/api/v1/disk_usage", AtLeast(Viewer)),
    ("GET", "/api/v1/runs/{id}/block_runs", AtLeast(Viewer)),
    ("GET", "/api/v1/runs/{id}/block_groups", AtLeast(Viewer)),
    // The dashboard and the run timeline: read-only summaries of the run history.
    ("GET", "/api/v1/runs/{id}/timeline", AtLeast(Viewer)),
    // A streaming run's live counters.
    ("GET", "/api/v1/runs/{id}/stream", AtLeast(Viewer)),
    // A streaming pipeline's state, and its start, stop and restart (as a run's start and cancel).
    ("GET", "/api/v1/pipelines/{uuid}/stream", AtLeast(Viewer)),
    ("POST", "/api/v1/pipelines/{uuid}/stream", AtLeast(Editor)),
    ("GET", "/api/v1/overview", AtLeast(Viewer)),
    ("GET", "/api/v1/pipelines/{uuid}/stats", AtLeast(Viewer)),
    (
        "GET",
        "/api/v1/runs/{id}/logs/{block_uuid}",
        AtLeast(Viewer),
    ),
    (
        "GET",
        "/api/v1/runs/{id}/logs/{block_uuid}/stream",
        AtLeast(Viewer),
    ),
    (
        "GET",
        "/api/v1/runs/{id}/outputs/{block_uuid}",
        AtLeast(Viewer),
    ),
    ("POST", "/api/v1/runs/{id}/cancel", AtLeast(Editor)),
    ("GET", "/api/v1/pipelines/{uuid}/backfills", AtLeast(Viewer)),
    (
        "POST",
        "/api/v1/pipelines/{uuid}/backfills",
        AtLeast(Editor),
    ),
    (
        "GET",
        "/api/v1/pipelines/{uuid}/backfills/preview",
        AtLeast(Viewer),
    ),
    ("GET", "/api/v1/backfills/{id}", AtLeast(Viewer)),
    ("DELETE", "/api/v1/backfills/{id}", AtLeast(Editor)),
    ("GET", "/api/v1/backfills/{id}/runs", AtLeast(Viewer)),
    ("POST", "/api/v1/backfills/{id}/cancel", AtLeast(Editor)),
    ("POST", "/api/v1/backfills/{id}/retry", AtLeast(Editor)),
    ("POST", "/api/v1/runs/{id}/retry", AtLeast(Editor)),
    // The audit trail: all of it (with client addresses) for admins; a pipeline's or a run's for its readers.
    ("GET", "/api/v1/audit", AtLeast(Admin)),
    ("GET", "/api/v1/pipelines/{uuid}/audit", AtLeast(Viewer)),
    ("GET", "/api/v1/runs/{id}/audit", AtLeast(Viewer)),
    // Prometheus' scrape: a viewer's API token as `Authorization: Bearer` (open like the rest without users).
    ("GET", "/metrics", AtLeast(Viewer)),
];

/// What `method` on the route `template` needs; `None` for a route not in the table.
pub(crate) fn access(method: &Method, template: &str) -> Option<Access> {
    // HEAD is answered by a GET route.
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    POLICY
        .iter()
        .find(|(m, path, _)| *m == method && *path == template)
        .map(|(_, _, access)| *access)
}

/// The middleware on every route: identifies the caller (a session cookie or a bearer token), hands it to the
/// handler, and lets the request through only if the route's row allows it.
pub(crate) async fn authorize(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    match decide(&state, &mut request).await {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

async fn decide(state: &AppState, request: &mut Request) -> Result<(), ApiError> {
    let Some(template) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
    else {
        // Not routed: the front page and the UI's files, which hold no data.
        return Ok(());
    };
    let Some(access) = access(request.method(), &template) else {
        if POLICY.iter().any(|(_, path, _)| *path == template) {
            // A method the route does not take: the router answers 405 with the methods it takes.
            return Ok(());
        }
        tracing::error!(method = %request.method(), route = %template, "a route has no access policy");
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this route has no access policy; nobody may use it",
        ));
    };
    let principal = state
        .auth
        .principal(state.store.as_ref(), request.headers())
        .await;
    // A public route answers even a caller with a stale token; the others tell it.
    let principal = match (access, principal) {
        (Public, principal) => principal.unwrap_or(None),
        (AtLeast(_), principal) => principal?,
    };
    if let (AtLeast(needed), Some(principal)) = (access, &principal)
        && !principal.user.role.allows(needed)
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "this needs the {needed} role or higher; {} is {}",
                principal.user.email, principal.user.role
            ),
        ));
    }
    if let (AtLeast(_), None) = (access, &principal)
        && !state.auth.is_open(state.store.as_ref()).await?
    {
        return Err(unauthenticated(
            "sign in first (POST /api/v1/sessions) or send `Authorization: Bearer <API token>`",
        ));
    }
    if let Some(principal) = principal {
        request.extensions_mut().insert(principal);
    }
    Ok(())
}

/// Writes each operation's row into the API's document as `x-wand-access` (`public`, or the least role), so clients
/// and the route × role test read the policy from the document. An operation without a row gets none.
pub(crate) fn document(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let template = format!("/api/v1{path}");
        for (method, operation) in [
            (Method::GET, &mut item.get),
            (Method::POST, &mut item.post),
            (Method::PUT, &mut item.put),
            (Method::DELETE, &mut item.delete),
            (Method::PATCH, &mut item.patch),
        ] {
            let (Some(operation), Some(access)) = (operation.as_mut(), access(&method, &template))
            else {
                continue;
            };
            let value = match access {
                Public => "public",
                AtLeast(role) => role.as_str(),
            };
            operation
                .extensions
                .get_or_insert_with(Default::default)
                .insert("x-wand-access".to_owned(), serde_json::Value::from(value));
        }
    }
}
