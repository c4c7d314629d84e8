//! The audit trail's recording: one table from each route that changes something to what a successful request on it
//! did (`AUDITED`), and the `record` middleware that writes one entry per such request, naming the caller `policy`
//! identified. What only a handler knows (the id of a run it created, a failed sign-in) it says in a `Note` on its
//! response. Nothing here decides who may do what, and no secret, password or token value goes into an entry.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use chrono::Utc;
use serde_json::{Map, Value};
use storage::{Actor, NewAuditEntry, PipelineRun};

use crate::auth::Principal;
use crate::policy::{self, Access};
use crate::{ApiError, AppState};

/// What a request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Update,
    Delete,
    Rename,
    /// A pipeline copied under a new name.
    Duplicate,
    /// Block code saved.
    UpdateCode,
    /// A run started (of a pipeline, a trigger, or through Mage's API-trigger URL).
    Start,
    /// A block run from the editor (a run of its own).
    Execute,
    Cancel,
    Retry,
    Attach,
    Detach,
    Install,
    /// The browser terminal opened (a shell on the server).
    Open,
    SignIn,
    SignInFailed,
    SignOut,
    /// A test message sent to a notification channel.
    SendTest,
    /// A change on a route the table does not list (a test keeps the table complete).
    Unlisted,
}

impl Action {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Rename => "rename",
            Action::Duplicate => "copy",
            Action::UpdateCode => "update_code",
            Action::Start => "start",
            Action::Execute => "execute",
            Action::Cancel => "cancel",
            Action::Retry => "retry",
            Action::Attach => "attach",
            Action::Detach => "detach",
            Action::Install => "install",
            Action::Open => "open",
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::SignOut => "sign_out",
            Action::SendTest => "send_test",
            Action::Unlisted => "change",
        }
    }
}

/// What a request acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Pipeline,
    Block,
    /// A block's conditional or callback.
    Addon,
    File,
    Trigger,
    Run,
    User,
    Token,
    Session,
    Settings,
    PythonEnvironment,
    Terminal,
    Secret,
    Backfill,
    /// A notification channel (its key in `notification_config`).
    Notification,
    /// A route the table does not list: the object is the route itself.
    Route,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Pipeline => "pipeline",
            Kind::Block => "block",
            Kind::Addon => "addon",
            Kind::File => "file",
            Kind::Trigger => "trigger",
            Kind::Run => "run",
            Kind::User => "user",
            Kind::Token => "token",
            Kind::Session => "session",
            Kind::Settings => "settings",
            Kind::PythonEnvironment => "python_environment",
            Kind::Terminal => "terminal",
            Kind::Secret => "secret",
            Kind::Backfill => "backfill",
            Kind::Notification => "notification",
            Kind::Route => "route",
        }
    }

    /// What a path parameter names, from the path segment before it (`/runs/{id}`: a run). Mage's
    /// `pipeline_runs/{token}` names nothing: a trigger's token never goes into the trail.
    fn of_segment(segment: &str) -> Option<Kind> {
        Some(match segment {
            "pipelines" => Kind::Pipeline,
            "blocks" => Kind::Block,
            "addons" => Kind::Addon,
            "triggers" | "pipeline_schedules" => Kind::Trigger,
            "runs" => Kind::Run,
            "users" => Kind::User,
            "tokens" => Kind::Token,
            "secrets" => Kind::Secret,
            "backfills" => Kind::Backfill,
            _ => return None,
        })
    }
}

use Action::*;

/// Every route that changes something (and the terminal, which opens a shell): method, path template (as routed)
/// and what a successful request on it did to what. The object's id comes from the path parameter of that kind,
/// else from the handler's `Note`.
pub(crate) const AUDITED: &[(&str, &str, Action, Kind)] = &[
    ("POST", "/api/v1/sessions", SignIn, Kind::Session),
    ("DELETE", "/api/v1/sessions", SignOut, Kind::Session),
    ("POST", "/api/v1/tokens", Create, Kind::Token),
    ("DELETE", "/api/v1/tokens/{id}", Delete, Kind::Token),
    ("POST", "/api/v1/users", Create, Kind::User),
    ("PUT", "/api/v1/users/{id}", Update, Kind::User),
    ("DELETE", "/api/v1/users/{id}", Delete, Kind::User),
    ("PUT", "/api/v1/me/password", Update, Kind::User),
    ("PUT", "/api/v1/secrets/{name}", Update, Kind::Secret),
    ("DELETE", "/api/v1/secrets/{name}", Delete, Kind::Secret),
    (
        "POST",
        "/api/v1/notifications/test",
        SendTest,
        Kind::Notification,
    ),
    ("GET", "/api/v1/terminal", Open, Kind::Terminal),
    ("PUT", "/api/v1/project/settings", Update, Kind::Settings),
    (
        "POST",
        "/api/v1/python/install",
        Install,
        Kind::PythonEnvironment,
    ),
    ("POST", "/api/v1/files", Create, Kind::File),
    ("DELETE", "/api/v1/files", Delete, Kind::File),
    ("PUT", "/api/v1/files/content", Update, Kind::File),
    ("POST", "/api/v1/files/rename", Rename, Kind::File),
    ("POST", "/api/v1/pipelines", Create, Kind::Pipeline),
    ("PUT", "/api/v1/pipelines/{uuid}", Rename, Kind::Pipeline),
    ("DELETE", "/api/v1/pipelines/{uuid}", Delete, Kind::Pipeline),
    (
        "POST",
        "/api/v1/pipelines/{uuid}/clone",
        Duplicate,
        Kind::Pipeline,
    ),
    ("POST", "/api/v1/pipelines/{uuid}/runs", Start, Kind::Run),
    // A stream's start and restart are a run's start (the run started); its stop, a run's cancel (its `Note` says).
    ("POST", "/api/v1/pipelines/{uuid}/stream", Start, Kind::Run),
    (
        "POST",
        "/api/v1/pipelines/{uuid}/blocks",
        Create,
        Kind::Block,
    ),
    (
        "PUT",
        "/api/v1/pipelines/{uuid}/blocks/{block}",
        Update,
        Kind::Block,
    ),
    (
        "DELETE",
        "/api/v1/pipelines/{uuid}/blocks/{block}",
        Delete,
        Kind::Block,
    ),
    (
        "POST",
        "/api/v1/pipelines/{uuid}/blocks/{block}/addons",
        Attach,
        Kind::Addon,
    ),
    (
        "DELETE",
        "/api/v1/pipelines/{uuid}/blocks/{block}/addons/{addon}",
        Detach,
        Kind::Addon,
    ),
    (
        "PUT",
        "/api/v1/pipelines/{uuid}/blocks/{block}/code",
        UpdateCode,
        Kind::Block,
    ),
    (
        "POST",
        "/api/v1/pipelines/{uuid}/blocks/{block}/execute",
        Execute,
        Kind::Block,
    ),
    (
        "POST",
        "/api/v1/pipelines/{uuid}/triggers",
        Create,
        Kind::Trigger,
    ),
    ("PUT", "/api/v1/triggers/{id}", Update, Kind::Trigger),
    ("DELETE", "/api/v1/triggers/{id}", Delete, Kind::Trigger),
    ("POST", "/api/v1/triggers/{id}/runs", Start, Kind::Run),
    ("POST", "/api/v1/runs/{id}/cancel", Cancel, Kind::Run),
    ("POST", "/api/v1/runs/{id}/retry", Retry, Kind::Run),
    ("DELETE", "/api/v1/runs/{id}", Delete, Kind::Run),
    ("POST", "/api/v1/runs/delete", Delete, Kind::Run),
    (
        "POST",
        "/api/v1/pipelines/{uuid}/backfills",
        Create,
        Kind::Backfill,
    ),
    ("DELETE", "/api/v1/backfills/{id}", Delete, Kind::Backfill),
    (
        "POST",
        "/api/v1/backfills/{id}/cancel",
        Cancel,
        Kind::Backfill,
    ),
    (
        "POST",
        "/api/v1/backfills/{id}/retry",
        Retry,
        Kind::Backfill,
    ),
    (
        "POST",
        "/api/pipeline_schedules/{id}/pipeline_runs/{token}",
        Start,
        Kind::Run,
    ),
];

/// What `method` on the route `template` does, if the table lists it.
pub(crate) fn audited(method: &Method, template: &str) -> Option<(Action, Kind)> {
    AUDITED
        .iter()
        .find(|(m, path, _, _)| *m == method.as_str() && *path == template)
        .map(|(_, _, action, kind)| (*action, *kind))
}

/// What a handler adds to its response for the trail: what the route alone does not tell (the id of what it
/// created, the run it started), or who acted when `policy` could not know (sign-in, Mage's trigger URL).
#[derive(Debug, Clone, Default)]
pub(crate) struct Note {
    actor: Option<Actor>,
    action: Option<Action>,
    object_id: Option<String>,
    pipeline: Option<String>,
    run_id: Option<i64>,
    detail: Map<String, Value>,
    /// Recorded even though the request failed (a failed sign-in).
    even_if_failed: bool,
}

impl Note {
    /// A note naming the object acted on.
    pub(crate) fn object(id: impl ToString) -> Note {
        Note {
            object_id: Some(id.to_string()),
            ..Note::default()
        }
    }

    /// A note for a run just started: the run, and its pipeline.
    pub(crate) fn run_started(run: &PipelineRun) -> Note {
        Note {
            pipeline: Some(run.pipeline_uuid.clone()),
            run_id: Some(run.id),
            ..Note::object(run.id)
        }
    }

    /// A sign-in that failed, by someone not signed in. It names the user's email when the email was a user's;
    /// any other text is left out, since people type their password into the email field now and then.
    pub(crate) fn failed_sign_in(user_email: Option<&str>) -> Note {
        let note = Note {
            actor: Some(Actor::Anonymous),
            action: Some(SignInFailed),
            even_if_failed: true,
            ..Note::default()
        };
        match user_email {
            Some(email) => note.detail("email", email),
            None => note.detail("unknown_email", true),
        }
    }

    /// What the request did, when it depends on its body (a stream's stop, on a route that starts runs).
    pub(crate) fn action(mut self, action: Action) -> Note {
        self.action = Some(action);
        self
    }

    pub(crate) fn actor(mut self, actor: Actor) -> Note {
        self.actor = Some(actor);
        self
    }

    pub(crate) fn pipeline(mut self, uuid: impl Into<String>) -> Note {
        self.pipeline = Some(uuid.into());
        self
    }

    pub(crate) fn run(mut self, id: i64) -> Note {
        self.run_id = Some(id);
        self
    }

    /// A fact to keep; never a secret, a password or a token's value.
    pub(crate) fn detail(mut self, key: &str, value: impl Into<Value>) -> Note {
        self.detail.insert(key.to_owned(), value.into());
        self
    }
}

impl IntoResponseParts for Note {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        parts.extensions_mut().insert(self);
        Ok(parts)
    }
}

/// The middleware on every route, inside `policy::authorize`: a request the table lists (or any change it does not)
/// runs to its end even if the client goes away, and if it succeeded, one entry is recorded with its caller.
pub(crate) async fn record(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(template) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
    else {
        return next.run(request).await;
    };
    let method = request.method().clone();
    let (action, kind) = match audited(&method, &template) {
        Some(found) => found,
        None if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) => {
            return next.run(request).await;
        }
        // Said once a handler ran: a method the route does not take (405) reaches no handler.
        None => (Unlisted, Kind::Route),
    };
    let (mut parts, body) = request.into_parts();
    let params: Vec<(String, String)> = RawPathParams::from_request_parts(&mut parts, &state)
        .await
        .map(|params| {
            params
                .iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let request = Request::from_parts(parts, body);
    let mut entry = NewAuditEntry {
        at: Utc::now(),
        actor: Actor::Anonymous,
        // Behind a trusted proxy, the client it forwards for (`--trusted-proxy`).
        client: request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| {
                state
                    .auth
                    .client_address(Some(info.0.ip()), request.headers())
            }),
        action: action.as_str().to_owned(),
        object_kind: kind.as_str().to_owned(),
        object_id: (kind == Kind::Route).then(|| format!("{method} {template}")),
        pipeline_uuid: None,
        run_id: None,
        detail: Map::new(),
    };
    let principal = request.extensions().get::<Principal>().cloned();
    // Before the handler: what it deletes cannot be looked up after.
    resolve(
        &state,
        principal.as_ref(),
        &template,
        kind,
        &params,
        &mut entry,
    )
    .await;
    let signed_in_only = !matches!(policy::access(&method, &template), Some(Access::Public));
    let store = state.store.clone();
    let task = tokio::spawn(async move {
        let response = next.run(request).await;
        if action == Unlisted && response.status() != StatusCode::METHOD_NOT_ALLOWED {
            tracing::error!(%method, route = %template, "a route that changes state is not in the audit table");
        }
        let note = response
            .extensions()
            .get::<Note>()
            .cloned()
            .unwrap_or_default();
        let succeeded =
            response.status().is_success() || response.status() == StatusCode::SWITCHING_PROTOCOLS;
        if !(succeeded || note.even_if_failed) {
            return response;
        }
        // Who: what the handler says, else the caller `policy` identified, else anyone (the server is open). A
        // public route's request from nobody (signing out without a session) changed nothing of anyone's.
        let actor = note
            .actor
            .clone()
            .or_else(|| principal.map(actor_of))
            .or(signed_in_only.then_some(Actor::Anyone));
        let Some(actor) = actor else {
            return response;
        };
        entry.actor = actor;
        apply(note, &mut entry);
        if let Err(error) = store.record_audit(entry).await {
            tracing::error!(%error, %method, route = %template, "the audit trail could not record a change");
        }
        response
    });
    match task.await {
        Ok(response) => response,
        Err(error) => {
            ApiError::internal(format!("the request's handler stopped: {error}")).into_response()
        }
    }
}

/// Writes each audited operation's row into the API's document as `x-wand-audit` (`{"action", "object"}`), so
/// clients see what is recorded and a test finds every change the table lacks.
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
            let (Some(operation), Some((action, kind))) =
                (operation.as_mut(), audited(&method, &template))
            else {
                continue;
            };
            operation
                .extensions
                .get_or_insert_with(Default::default)
                .insert(
                    "x-wand-audit".to_owned(),
                    serde_json::json!({"action": action.as_str(), "object": kind.as_str()}),
                );
        }
    }
}

/// The actor a signed-in caller is.
fn actor_of(principal: Principal) -> Actor {
    match principal.token {
        Some(token) => Actor::Token {
            user_id: principal.user.id,
            email: principal.user.email,
            token_id: token.id,
            name: token.name,
        },
        None => Actor::User {
            id: principal.user.id,
            email: principal.user.email,
        },
    }
}

/// Fills the entry from the path: the pipeline, the run, the object's id (the parameter of the object's kind), and
/// what they name (a run's or a trigger's pipeline, a trigger's name, a user's email, the caller's token's name).
async fn resolve(
    state: &AppState,
    principal: Option<&Principal>,
    template: &str,
    kind: Kind,
    params: &[(String, String)],
    entry: &mut NewAuditEntry,
) {
    let segments: Vec<&str> = template.split('/').collect();
    for pair in segments.windows(2) {
        let Some(name) = pair[1]
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
        else {
            continue;
        };
        let (Some(owner), Some(value)) = (
            Kind::of_segment(pair[0]),
            params
                .iter()
                .find(|(param, _)| param == name)
                .map(|(_, value)| value.as_str()),
        ) else {
            continue;
        };
        if owner == kind {
            entry.object_id = Some(value.to_owned());
        }
        let id = value.parse::<i64>().ok();
        match (owner, id) {
            (Kind::Pipeline, _) => entry.pipeline_uuid = Some(value.to_owned()),
            (Kind::Run, Some(id)) => {
                entry.run_id = Some(id);
                if let Ok(Some(run)) = state.store.run(id).await {
                    entry.pipeline_uuid = Some(run.pipeline_uuid);
                }
            }
            (Kind::Trigger, Some(id)) => {
                if let Ok(Some(trigger)) = state.store.trigger(id).await {
                    entry.pipeline_uuid = Some(trigger.pipeline_uuid);
                    if owner == kind {
                        entry.detail.insert("name".to_owned(), trigger.name.into());
                    } else {
                        entry.detail.insert("trigger".to_owned(), id.into());
                        entry
                            .detail
                            .insert("trigger_name".to_owned(), trigger.name.into());
                    }
                }
            }
            (Kind::User, Some(id)) => {
                if let Ok(Some(user)) = state.store.user(id).await {
                    entry.detail.insert("email".to_owned(), user.email.into());
                }
            }
            (Kind::Token, Some(id)) => {
                if let Some(principal) = principal
                    && let Ok(tokens) = state.store.api_tokens(principal.user.id).await
                    && let Some(token) = tokens.into_iter().find(|token| token.id == id)
                {
                    entry.detail.insert("name".to_owned(), token.name.into());
                }
            }
            (owner, _) if owner != kind => {
                entry.detail.insert(owner.as_str().to_owned(), value.into());
            }
            _ => {}
        }
    }
}

/// What the handler said, over what the path told.
fn apply(note: Note, entry: &mut NewAuditEntry) {
    if let Some(action) = note.action {
        entry.action = action.as_str().to_owned();
    }
    if let Some(id) = note.object_id {
        entry.object_id = Some(id);
    }
    if let Some(pipeline) = note.pipeline {
        entry.pipeline_uuid = Some(pipeline);
    }
    if let Some(run) = note.run_id {
        entry.run_id = Some(run);
    }
    entry.detail.extend(note.detail);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_terminal_is_audited_among_reads() {
        for (method, route, _, _) in AUDITED {
            assert!(
                *method != "GET" || *route == "/api/v1/terminal",
                "{method} {route}"
            );
        }
    }

    #[test]
    fn path_parameters_name_what_they_stand_for() {
        assert_eq!(Kind::of_segment("runs"), Some(Kind::Run));
        assert_eq!(Kind::of_segment("pipeline_schedules"), Some(Kind::Trigger));
        assert_eq!(
            Kind::of_segment("pipeline_runs"),
            None,
            "Mage's token is never recorded"
        );
    }
}
