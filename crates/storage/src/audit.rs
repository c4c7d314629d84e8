//! The audit trail in storage: the `AuditStore` half of the store, with its queries written once for both databases
//! in `audit_queries!` (the style of `users`). It keeps what it is given; deciding what is recorded, and keeping
//! secrets out of `detail`, is the server's job.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::StorageError;

/// Who did something. A user's email and a token's or trigger's name are copied into the entry, so it still says
/// who it was once they are deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user (a session).
    User { id: i64, email: String },
    /// A user's API token (`Authorization: Bearer`).
    Token {
        user_id: i64,
        email: String,
        token_id: i64,
        name: String,
    },
    /// Anyone: the server was open (loopback, no user yet).
    Anyone,
    /// A caller who is not signed in (a failed sign-in).
    Anonymous,
    /// Mage's API-trigger URL, authenticated by the trigger's token.
    Trigger { id: i64, name: String },
}

impl Actor {
    /// The kind as stored: `user`, `token`, `anyone`, `anonymous` or `trigger`.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User { .. } => "user",
            Actor::Token { .. } => "token",
            Actor::Anyone => "anyone",
            Actor::Anonymous => "anonymous",
            Actor::Trigger { .. } => "trigger",
        }
    }

    /// The user acting, directly or through a token.
    pub fn user(&self) -> Option<(i64, &str)> {
        match self {
            Actor::User { id, email }
            | Actor::Token {
                user_id: id, email, ..
            } => Some((*id, email)),
            _ => None,
        }
    }

    /// The token's or the trigger's id and name.
    fn agent(&self) -> Option<(i64, &str)> {
        match self {
            Actor::Token { token_id, name, .. } => Some((*token_id, name)),
            Actor::Trigger { id, name } => Some((*id, name)),
            _ => None,
        }
    }
}

/// Something that happened, to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// The client's address, as the server saw it.
    pub client: Option<String>,
    /// What was done: `create`, `update`, `delete`, `run`, `cancel`, `retry`, `sign_in`...
    pub action: String,
    /// What it was done to: `pipeline`, `block`, `file`, `trigger`, `run`, `user`, `token`...
    pub object_kind: String,
    pub object_id: Option<String>,
    pub pipeline_uuid: Option<String>,
    pub run_id: Option<i64>,
    /// A few facts worth keeping (a new name, a role); never a secret, a password or a token's value.
    pub detail: Map<String, Value>,
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub entry: NewAuditEntry,
}

/// Which entries to read: newest first, `limit` of them, older than `before_id` when given.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub pipeline_uuid: Option<String>,
    pub run_id: Option<i64>,
    /// Only what this user did (an email, normalized), signed in or through a token.
    pub user_email: Option<String>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Records an entry; returns its id.
    async fn record_audit(&self, entry: NewAuditEntry) -> Result<i64, StorageError>;

    /// A page of entries, newest first.
    async fn audit_entries(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>, StorageError>;
}

/// A row of `audit_events`.
#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    actor_kind: String,
    user_id: Option<i64>,
    user_email: Option<String>,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    client: Option<String>,
    action: String,
    object_kind: String,
    object_id: Option<String>,
    pipeline_uuid: Option<String>,
    run_id: Option<i64>,
    detail: sqlx::types::Json<Map<String, Value>>,
}

impl AuditRow {
    pub(crate) fn into_entry(self) -> Result<AuditEntry, StorageError> {
        let corrupt = || {
            StorageError::Corrupt(format!(
                "audit entry {}: actor `{}` lacks its user, id or name",
                self.id, self.actor_kind
            ))
        };
        let actor = match self.actor_kind.as_str() {
            "user" => Actor::User {
                id: self.user_id.ok_or_else(corrupt)?,
                email: self.user_email.clone().ok_or_else(corrupt)?,
            },
            "token" => Actor::Token {
                user_id: self.user_id.ok_or_else(corrupt)?,
                email: self.user_email.clone().ok_or_else(corrupt)?,
                token_id: self.actor_id.ok_or_else(corrupt)?,
                name: self.actor_name.clone().ok_or_else(corrupt)?,
            },
            "anyone" => Actor::Anyone,
            "anonymous" => Actor::Anonymous,
            "trigger" => Actor::Trigger {
                id: self.actor_id.ok_or_else(corrupt)?,
                name: self.actor_name.clone().ok_or_else(corrupt)?,
            },
            other => {
                return Err(StorageError::Corrupt(format!(
                    "audit entry {}: unknown actor kind `{other}`",
                    self.id
                )));
            }
        };
        Ok(AuditEntry {
            id: self.id,
            entry: NewAuditEntry {
                at: self.at,
                actor,
                client: self.client,
                action: self.action,
                object_kind: self.object_kind,
                object_id: self.object_id,
                pipeline_uuid: self.pipeline_uuid,
                run_id: self.run_id,
                detail: self.detail.0,
            },
        })
    }
}

/// The columns an entry's actor fills: kind, user id, user email, agent id, agent name.
pub(crate) fn actor_columns(
    actor: &Actor,
) -> (
    &'static str,
    Option<i64>,
    Option<&str>,
    Option<i64>,
    Option<&str>,
) {
    let user = actor.user();
    let agent = actor.agent();
    (
        actor.kind(),
        user.map(|(id, _)| id),
        user.map(|(_, email)| email),
        agent.map(|(id, _)| id),
        agent.map(|(_, name)| name),
    )
}

/// Implements `AuditStore` for `$store` (a struct with a `pool`); `stamp` makes a time bindable, as in
/// `shared_queries!`.
macro_rules! audit_queries {
    ($store:ty, stamp: $stamp:path) => {
    const _: () = {
        use sqlx::types::Json;

        use $crate::audit::{actor_columns, AuditEntry, AuditFilter, AuditRow, AuditStore, NewAuditEntry};
        use $crate::StorageError;

        #[async_trait::async_trait]
        impl AuditStore for $store {
            async fn record_audit(&self, entry: NewAuditEntry) -> Result<i64, StorageError> {
                let (kind, user_id, email, agent_id, agent_name) = actor_columns(&entry.actor);
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO audit_events (at, actor_kind, user_id, user_email, actor_id, actor_name, client,
                        action, object_kind, object_id, pipeline_uuid, run_id, detail)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                )
                .bind($stamp(entry.at))
                .bind(kind)
                .bind(user_id)
                .bind(email)
                .bind(agent_id)
                .bind(agent_name)
                .bind(entry.client.as_deref())
                .bind(&entry.action)
                .bind(&entry.object_kind)
                .bind(entry.object_id.as_deref())
                .bind(entry.pipeline_uuid.as_deref())
                .bind(entry.run_id)
                .bind(Json(&entry.detail))
                .fetch_one(&self.pool)
                .await?;
                Ok(id)
            }

            async fn audit_entries(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>, StorageError> {
                sqlx::query_as::<_, AuditRow>(
                    "SELECT id, at, actor_kind, user_id, user_email, actor_id, actor_name, client, action,
                        object_kind, object_id, pipeline_uuid, run_id, detail
                     FROM audit_events
                     WHERE ($1 IS NULL OR pipeline_uuid = $1) AND ($2 IS NULL OR run_id = $2)
                        AND ($3 IS NULL OR user_email = $3) AND ($4 IS NULL OR id < $4)
                     ORDER BY id DESC LIMIT $5",
                )
                .bind(filter.pipeline_uuid.as_deref())
                .bind(filter.run_id)
                .bind(filter.user_email.as_deref())
                .bind(filter.before_id)
                .bind(filter.limit.max(1))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(AuditRow::into_entry)
                .collect()
            }
        }
    };
    };
}

pub(crate) use audit_queries;
