//! Secrets in storage: the `SecretStore` half of the store, with its queries written once for both databases in
//! `secret_queries!` (the style of `queries`). It stores values sealed by `Vault` and hands them back sealed: nothing
//! here sees a secret's value or the key.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::StorageError;

/// A secret as it is listed: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SecretInfo {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who set its current value: a user's email, or `wand secrets` for the command line; none when the server had
    /// no user yet.
    pub updated_by: Option<String>,
}

/// A sealed secret to store (see `Vault` for the seal).
#[derive(Debug, Clone)]
pub struct NewSealedSecret {
    pub name: String,
    pub sealed: Vec<u8>,
    /// The id of the key it is sealed with (`SecretKey::id`): every stored secret has the same.
    pub key_id: String,
    pub updated_by: Option<String>,
}

/// What is known of the stored secrets as a whole, once one was stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SecretsState {
    /// The id of the key every stored secret is sealed with.
    pub key_id: String,
    /// Raised by every change, so readers know when to read the secrets again.
    pub version: i64,
}

#[async_trait]
pub trait SecretStore: Send + Sync {
    /// The key id and version of the stored secrets; none before the first secret was stored.
    async fn secrets_state(&self) -> Result<Option<SecretsState>, StorageError>;

    /// Creates or replaces a secret at `now`. Secrets sealed with another key are stored already: refused with
    /// `WrongSecretsKey`, as one key must open them all.
    async fn put_secret(
        &self,
        secret: NewSealedSecret,
        now: DateTime<Utc>,
    ) -> Result<SecretInfo, StorageError>;

    /// The sealed value of secret `name`.
    async fn sealed_secret(&self, name: &str) -> Result<Option<Vec<u8>>, StorageError>;

    /// Every secret's name and sealed value, by name.
    async fn sealed_secrets(&self) -> Result<Vec<(String, Vec<u8>)>, StorageError>;

    /// Every secret, by name, without values.
    async fn secret_infos(&self) -> Result<Vec<SecretInfo>, StorageError>;

    /// Deletes secret `name`; false if there was none.
    async fn delete_secret(&self, name: &str) -> Result<bool, StorageError>;
}

/// Implements `SecretStore` for `$store` (a struct with a `pool`); `stamp` makes a time bindable, as in
/// `shared_queries!`.
macro_rules! secret_queries {
    ($store:ty, stamp: $stamp:path) => {
    const _: () = {
        use chrono::{DateTime, Utc};

        use $crate::secrets::{NewSealedSecret, SecretInfo, SecretStore, SecretsState};
        use $crate::StorageError;

        #[async_trait::async_trait]
        impl SecretStore for $store {
            async fn secrets_state(&self) -> Result<Option<SecretsState>, StorageError> {
                Ok(sqlx::query_as::<_, SecretsState>("SELECT key_id, version FROM secrets_state WHERE id = 1")
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn put_secret(
                &self,
                secret: NewSealedSecret,
                now: DateTime<Utc>,
            ) -> Result<SecretInfo, StorageError> {
                let mut transaction = self.pool.begin().await?;
                // The first secret names the key; the update takes the row (locked in PostgreSQL until the commit)
                // and says which key the stored secrets have.
                sqlx::query("INSERT INTO secrets_state (id, key_id, version) VALUES (1, $1, 0) ON CONFLICT (id) DO NOTHING")
                    .bind(&secret.key_id)
                    .execute(&mut *transaction)
                    .await?;
                let (key_id,): (String,) = sqlx::query_as(
                    "UPDATE secrets_state SET version = version + 1 WHERE id = 1 RETURNING key_id",
                )
                .fetch_one(&mut *transaction)
                .await?;
                if key_id != secret.key_id {
                    return Err(StorageError::WrongSecretsKey);
                }
                let info = sqlx::query_as::<_, SecretInfo>(
                    "INSERT INTO secrets (name, sealed, created_at, updated_at, updated_by) VALUES ($1, $2, $3, $3, $4)
                     ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at,
                         updated_by = excluded.updated_by
                     RETURNING name, created_at, updated_at, updated_by",
                )
                .bind(&secret.name)
                .bind(&secret.sealed)
                .bind($stamp(now))
                .bind(&secret.updated_by)
                .fetch_one(&mut *transaction)
                .await?;
                transaction.commit().await?;
                Ok(info)
            }

            async fn sealed_secret(&self, name: &str) -> Result<Option<Vec<u8>>, StorageError> {
                let row: Option<(Vec<u8>,)> = sqlx::query_as("SELECT sealed FROM secrets WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(sealed,)| sealed))
            }

            async fn sealed_secrets(&self) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
                Ok(sqlx::query_as("SELECT name, sealed FROM secrets ORDER BY name")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn secret_infos(&self) -> Result<Vec<SecretInfo>, StorageError> {
                Ok(sqlx::query_as::<_, SecretInfo>(
                    "SELECT name, created_at, updated_at, updated_by FROM secrets ORDER BY name",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn delete_secret(&self, name: &str) -> Result<bool, StorageError> {
                let mut transaction = self.pool.begin().await?;
                let deleted = sqlx::query("DELETE FROM secrets WHERE name = $1")
                    .bind(name)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected()
                    == 1;
                if deleted {
                    sqlx::query("UPDATE secrets_state SET version = version + 1 WHERE id = 1")
                        .execute(&mut *transaction)
                        .await?;
                }
                transaction.commit().await?;
                Ok(deleted)
            }
        }
    };
    };
}

pub(crate) use secret_queries;
