//! Users, sessions and API tokens in storage: the `UserStore` half of the store, with its queries written once for
//! both databases in `user_queries!` (the style of `queries`). It stores what it is given: password hashes and token
//! hashes come from the server, which alone hashes; nothing here sees a password or a token.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use model::{Role, User};
use serde::Serialize;

use crate::StorageError;

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    /// An Argon2id PHC string.
    pub password_hash: String,
    pub role: Role,
}

/// A user with its password hash, what sign-in checks.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// A change to a user: its role, its password, or both.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    /// A new Argon2id PHC string. The user's sessions end with it, all but `keep_session`.
    pub password_hash: Option<String>,
    /// The hash of the one session to keep when the password changes (the one that changed it), if any.
    pub keep_session: Option<String>,
}

/// An API token as it is listed: never its value, which is shown once when it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// An API token to create.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub user_id: i64,
    pub name: String,
    /// The SHA-256 of the token's value, hex.
    pub token_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Stores a new user, created at `now`; an email already taken is a `Conflict`.
    async fn create_user(&self, user: NewUser, now: DateTime<Utc>) -> Result<User, StorageError>;

    /// How many users there are (none: the server may still serve without sign-in on loopback).
    async fn user_count(&self) -> Result<i64, StorageError>;

    /// The user of `email` (already normalized) with its password hash.
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StorageError>;

    async fn user(&self, id: i64) -> Result<Option<User>, StorageError>;

    /// All users, by id.
    async fn users(&self) -> Result<Vec<User>, StorageError>;

    /// Changes a user's role or password (a new password ends its sessions, all but `change.keep_session`, in the
    /// same transaction); `None` if there is no such user. Who may make the change is the server's to check.
    async fn update_user(&self, id: i64, change: UserChange) -> Result<Option<User>, StorageError>;

    /// Deletes a user with its sessions and tokens; false if there was none.
    async fn delete_user(&self, id: i64) -> Result<bool, StorageError>;

    /// Stores a session of `user_id` under the hash of its token, valid until `expires_at`.
    async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// The user of the session stored under `token_hash`, if it has not expired at `now`.
    async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StorageError>;

    /// Ends a session; false if there was none.
    async fn delete_session(&self, token_hash: &str) -> Result<bool, StorageError>;

    /// Stores an API token, created at `now`.
    async fn create_api_token(
        &self,
        token: NewApiToken,
        now: DateTime<Utc>,
    ) -> Result<ApiToken, StorageError>;

    /// The API token stored under `token_hash` and its user, if it has not expired at `now`; records `now` as its
    /// last use (to the minute: a later use within a minute of the recorded one is not written).
    async fn token_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, ApiToken)>, StorageError>;

    /// A user's API tokens, by id.
    async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StorageError>;

    /// Revokes a token of `user_id`; false if that user has no such token.
    async fn delete_api_token(&self, user_id: i64, id: i64) -> Result<bool, StorageError>;
}

/// A row of `users`.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    password_hash: String,
    role: String,
    created_at: DateTime<Utc>,
}

impl UserRow {
    pub(crate) fn into_credentials(self) -> Result<Credentials, StorageError> {
        let role = self
            .role
            .parse::<Role>()
            .map_err(|error| StorageError::Corrupt(format!("user {}: {error}", self.id)))?;
        Ok(Credentials {
            user: User {
                id: self.id,
                email: self.email,
                role,
                created_at: self.created_at,
            },
            password_hash: self.password_hash,
        })
    }

    pub(crate) fn into_user(self) -> Result<User, StorageError> {
        self.into_credentials().map(|credentials| credentials.user)
    }
}

/// A row of `api_tokens`, without its hash.
#[derive(sqlx::FromRow)]
pub(crate) struct ApiTokenRow {
    id: i64,
    user_id: i64,
    name: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiTokenRow> for ApiToken {
    fn from(row: ApiTokenRow) -> ApiToken {
        ApiToken {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// Implements `UserStore` for `$store` (a struct with a `pool`); `stamp` makes a time bindable, as in
/// `shared_queries!`.
macro_rules! user_queries {
    ($store:ty, stamp: $stamp:path) => {
    const _: () = {
        use chrono::{DateTime, Utc};
        use model::User;

        use $crate::queries::conflict;
        use $crate::users::{
            ApiToken, ApiTokenRow, Credentials, NewApiToken, NewUser, UserChange, UserRow, UserStore,
        };
        use $crate::StorageError;

        #[async_trait::async_trait]
        impl UserStore for $store {
            async fn create_user(&self, user: NewUser, now: DateTime<Utc>) -> Result<User, StorageError> {
                let email = model::normalize_email(&user.email);
                sqlx::query_as::<_, UserRow>(
                    "INSERT INTO users (email, password_hash, role, created_at) VALUES ($1, $2, $3, $4)
                     RETURNING id, email, password_hash, role, created_at",
                )
                .bind(&email)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind($stamp(now))
                .fetch_one(&self.pool)
                .await
                .map_err(|error| conflict(error, || format!("a user with email `{email}` exists already")))?
                .into_user()
            }

            async fn user_count(&self) -> Result<i64, StorageError> {
                let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(count)
            }

            async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StorageError> {
                sqlx::query_as::<_, UserRow>("SELECT users.id, users.email, users.password_hash, users.role, users.created_at FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(UserRow::into_credentials)
                    .transpose()
            }

            async fn user(&self, id: i64) -> Result<Option<User>, StorageError> {
                sqlx::query_as::<_, UserRow>("SELECT users.id, users.email, users.password_hash, users.role, users.created_at FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(UserRow::into_user)
                    .transpose()
            }

            async fn users(&self) -> Result<Vec<User>, StorageError> {
                sqlx::query_as::<_, UserRow>("SELECT users.id, users.email, users.password_hash, users.role, users.created_at FROM users ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(UserRow::into_user)
                    .collect()
            }

            async fn update_user(&self, id: i64, change: UserChange) -> Result<Option<User>, StorageError> {
                let mut transaction = self.pool.begin().await?;
                if let Some(role) = change.role {
                    sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
                        .bind(id)
                        .bind(role.as_str())
                        .execute(&mut *transaction)
                        .await?;
                }
                if let Some(password_hash) = &change.password_hash {
                    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                        .bind(id)
                        .bind(password_hash)
                        .execute(&mut *transaction)
                        .await?;
                    // Whoever knew the old password is signed out everywhere (but where the change was made).
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                        .bind(id)
                        .bind(change.keep_session.as_deref().unwrap_or(""))
                        .execute(&mut *transaction)
                        .await?;
                }
                let user = sqlx::query_as::<_, UserRow>("SELECT users.id, users.email, users.password_hash, users.role, users.created_at FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *transaction)
                    .await?;
                transaction.commit().await?;
                user.map(UserRow::into_user).transpose()
            }

            async fn delete_user(&self, id: i64) -> Result<bool, StorageError> {
                let result = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(result.rows_affected() == 1)
            }

            async fn create_session(
                &self,
                user_id: i64,
                token_hash: &str,
                now: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> Result<(), StorageError> {
                let mut transaction = self.pool.begin().await?;
                // Expired sessions of this user go as a new one comes, so they do not pile up.
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
                    .bind(user_id)
                    .bind($stamp(now))
                    .execute(&mut *transaction)
                    .await?;
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(token_hash)
                .bind(user_id)
                .bind($stamp(now))
                .bind($stamp(expires_at))
                .execute(&mut *transaction)
                .await?;
                transaction.commit().await?;
                Ok(())
            }

            async fn session_user(
                &self,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<User>, StorageError> {
                sqlx::query_as::<_, UserRow>(
                    "SELECT users.id, users.email, users.password_hash, users.role, users.created_at FROM sessions JOIN users ON users.id = sessions.user_id
                     WHERE sessions.token_hash = $1 AND sessions.expires_at > $2",
                )
                .bind(token_hash)
                .bind($stamp(now))
                .fetch_optional(&self.pool)
                .await?
                .map(UserRow::into_user)
                .transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> Result<bool, StorageError> {
                let result = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(result.rows_affected() == 1)
            }

            async fn create_api_token(
                &self,
                token: NewApiToken,
                now: DateTime<Utc>,
            ) -> Result<ApiToken, StorageError> {
                Ok(sqlx::query_as::<_, ApiTokenRow>(
                    "INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id, user_id, name, created_at, expires_at, last_used_at",
                )
                .bind(&token.token_hash)
                .bind(token.user_id)
                .bind(&token.name)
                .bind($stamp(now))
                .bind(token.expires_at.map($stamp))
                .fetch_one(&self.pool)
                .await?
                .into())
            }

            async fn token_user(
                &self,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<(User, ApiToken)>, StorageError> {
                let Some(token) = sqlx::query_as::<_, ApiTokenRow>(
                    "SELECT id, user_id, name, created_at, expires_at, last_used_at FROM api_tokens
                     WHERE token_hash = $1 AND (expires_at IS NULL OR expires_at > $2)",
                )
                .bind(token_hash)
                .bind($stamp(now))
                .fetch_optional(&self.pool)
                .await?
                .map(ApiToken::from)
                else {
                    return Ok(None);
                };
                // The last use is kept to the minute: a write on every call would cost every API call a
                // transaction (and serialise them on SQLite).
                if token.last_used_at.is_none_or(|used| now - used >= chrono::Duration::minutes(1)) {
                    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1")
                        .bind(token_hash)
                        .bind($stamp(now))
                        .execute(&self.pool)
                        .await?;
                }
                Ok(self.user(token.user_id).await?.map(|user| (user, token)))
            }

            async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StorageError> {
                Ok(sqlx::query_as::<_, ApiTokenRow>(
                    "SELECT id, user_id, name, created_at, expires_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
                )
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(ApiToken::from)
                .collect())
            }

            async fn delete_api_token(&self, user_id: i64, id: i64) -> Result<bool, StorageError> {
                let result = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
                    .bind(id)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(result.rows_affected() == 1)
            }
        }
    };
    };
}

pub(crate) use user_queries;
