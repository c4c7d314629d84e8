//! The secrets of a project, sealed and opened: `Vault` keeps values in a `SecretStore` sealed with XChaCha20-Poly1305
//! (RustCrypto's `chacha20poly1305`) under a 256-bit `SecretKey`, each with a random 192-bit nonce and the secret's
//! name as associated data (a sealed value moved to another name does not open). Only the server and the workers
//! open values, in memory; a value is never written anywhere unsealed. A key other than the one the stored secrets
//! were sealed with is refused with what to do, never read as garbage.

use std::sync::{Arc, Mutex};

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use model::{Mask, SharedMask};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::StorageError;
use crate::secrets::{NewSealedSecret, SecretInfo, SecretStore};

/// The format byte that starts a sealed value: XChaCha20-Poly1305, nonce || ciphertext and tag.
const SEAL_V1: u8 = 1;
const NONCE_BYTES: usize = 24;

/// The key secrets are sealed with: 32 random bytes, written as base64 (`WAND_SECRETS_KEY`, or the key file).
pub struct SecretKey {
    bytes: [u8; 32],
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "SecretKey({})", self.id())
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl SecretKey {
    /// A new random key.
    pub fn generate() -> Result<SecretKey, StorageError> {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes).map_err(|error| {
            StorageError::SecretKey(format!("the system gave no random bytes: {error}"))
        })?;
        Ok(SecretKey { bytes })
    }

    /// The key written as base64 (standard alphabet, padded or not; surrounding blanks ignored).
    pub fn from_base64(text: &str) -> Result<SecretKey, StorageError> {
        let text = text.trim();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .map_err(|_| {
                StorageError::SecretKey(
                    "the secrets key is not base64; make one with `openssl rand -base64 32`"
                        .to_owned(),
                )
            })?;
        let bytes: [u8; 32] = decoded.as_slice().try_into().map_err(|_| {
            StorageError::SecretKey(format!(
                "the secrets key holds {} bytes, not 32; make one with `openssl rand -base64 32`",
                decoded.len()
            ))
        })?;
        Ok(SecretKey { bytes })
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.bytes)
    }

    /// Names the key without revealing it: the first 16 bytes of a SHA-256 of it, in hex. Stored beside the secrets,
    /// so a process given another key learns it at once.
    pub fn id(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"wand secrets key id v1\0")
            .chain_update(self.bytes)
            .finalize();
        digest[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// The project's secrets, sealed in the store and opened with the key.
pub struct Vault {
    store: Arc<dyn SecretStore>,
    cipher: XChaCha20Poly1305,
    key_id: String,
    /// Where the key came from, for messages: `WAND_SECRETS_KEY` or the key file's path.
    key_source: String,
    /// The mask of every stored value and the version of the secrets it was made from.
    cached: Mutex<Option<(i64, Mask)>>,
    /// The mask of every value this process opened, for its own log writer.
    shared: SharedMask,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "Vault(key {} from {})",
            self.key_id, self.key_source
        )
    }
}

impl Vault {
    /// A vault over `store` with `key`, which came from `key_source`; every value it opens is added to `shared`.
    pub fn new(
        store: Arc<dyn SecretStore>,
        key: &SecretKey,
        key_source: impl Into<String>,
        shared: SharedMask,
    ) -> Vault {
        Vault {
            store,
            cipher: XChaCha20Poly1305::new(&Key::from(key.bytes)),
            key_id: key.id(),
            key_source: key_source.into(),
            cached: Mutex::new(None),
            shared,
        }
    }

    /// Checks that the stored secrets (if any) are sealed with this vault's key; otherwise the error says what to do.
    pub async fn check_key(&self) -> Result<(), StorageError> {
        match self.store.secrets_state().await? {
            Some(state) if state.key_id != self.key_id => Err(self.wrong_key()),
            _ => Ok(()),
        }
    }

    /// Creates or replaces secret `name`, set by `updated_by`.
    pub async fn set(
        &self,
        name: &str,
        value: &str,
        updated_by: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<SecretInfo, StorageError> {
        model::check_secret_name(name).map_err(StorageError::InvalidSecret)?;
        model::check_secret_value(value).map_err(StorageError::InvalidSecret)?;
        let sealed = self.seal(name, value)?;
        let secret = NewSealedSecret {
            name: name.to_owned(),
            sealed,
            key_id: self.key_id.clone(),
            updated_by,
        };
        let info = self
            .store
            .put_secret(secret, now)
            .await
            .map_err(|error| match error {
                StorageError::WrongSecretsKey => self.wrong_key(),
                other => other,
            })?;
        self.shared.extend(&Mask::new([value]));
        Ok(info)
    }

    /// The value of secret `name`.
    pub async fn value(&self, name: &str) -> Result<String, StorageError> {
        let sealed = self
            .store
            .sealed_secret(name)
            .await?
            .ok_or_else(|| StorageError::UnknownSecret(name.to_owned()))?;
        let value = self.open(name, &sealed).await?;
        self.shared.extend(&Mask::new([&value]));
        Ok(value)
    }

    /// Every secret, by name, without values.
    pub async fn list(&self) -> Result<Vec<SecretInfo>, StorageError> {
        self.store.secret_infos().await
    }

    /// Deletes secret `name`; false if there was none.
    pub async fn delete(&self, name: &str) -> Result<bool, StorageError> {
        self.store.delete_secret(name).await
    }

    /// A mask of every stored value, read again only when the secrets changed since the last call.
    pub async fn mask(&self) -> Result<Mask, StorageError> {
        let version = match self.store.secrets_state().await? {
            None => return Ok(Mask::default()),
            Some(state) => state.version,
        };
        if let Some((cached, mask)) = self.cached.lock().expect("mask cache").as_ref()
            && *cached == version
        {
            return Ok(mask.clone());
        }
        let mut values = Vec::new();
        for (name, sealed) in self.store.sealed_secrets().await? {
            values.push(self.open(&name, &sealed).await?);
        }
        let mask = Mask::new(&values);
        values.iter_mut().for_each(Zeroize::zeroize);
        self.shared.extend(&mask);
        *self.cached.lock().expect("mask cache") = Some((version, mask.clone()));
        Ok(mask)
    }

    /// `value` sealed: the format byte, a random nonce, and the ciphertext with its tag, bound to `name`.
    fn seal(&self, name: &str, value: &str) -> Result<Vec<u8>, StorageError> {
        let mut nonce = [0; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|error| {
            StorageError::SecretKey(format!("the system gave no random bytes: {error}"))
        })?;
        let aad = associated_data(name);
        let ciphertext = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: value.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| StorageError::SecretKey("sealing the secret failed".to_owned()))?;
        let mut sealed = Vec::with_capacity(1 + NONCE_BYTES + ciphertext.len());
        sealed.push(SEAL_V1);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// The value sealed under `name`. It fails rather than give anything but what was sealed: with another key
    /// (then the error says which key to give) or a damaged value.
    async fn open(&self, name: &str, sealed: &[u8]) -> Result<String, StorageError> {
        let damaged = || {
            StorageError::SecretUnreadable(format!(
                "secret `{name}` is damaged in the database and cannot be read; set it again"
            ))
        };
        let (format, rest) = sealed.split_first().ok_or_else(damaged)?;
        if *format != SEAL_V1 || rest.len() < NONCE_BYTES {
            return Err(damaged());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| damaged())?;
        let aad = associated_data(name);
        match self.cipher.decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad,
            },
        ) {
            Ok(bytes) => String::from_utf8(bytes).map_err(|_| damaged()),
            Err(_) => {
                self.check_key().await?;
                Err(damaged())
            }
        }
    }

    fn wrong_key(&self) -> StorageError {
        StorageError::SecretUnreadable(format!(
            "the secrets in this database were stored with another key than the one from {}: give every Wand \
             process the key they were stored with (WAND_SECRETS_KEY, base64 of 32 bytes; or the `secrets.key` \
             file in the data folder of the process that stored them)",
            self.key_source
        ))
    }
}

fn associated_data(name: &str) -> Vec<u8> {
    [b"wand secret v1\0".as_slice(), name.as_bytes()].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vault with `key` over a store whose secrets are sealed with `stored_with` (sealing and opening need no
    /// database).
    fn vault_of(key: &SecretKey, stored_with: &SecretKey) -> Vault {
        struct Nothing(String);
        #[async_trait::async_trait]
        impl SecretStore for Nothing {
            async fn secrets_state(&self) -> Result<Option<crate::SecretsState>, StorageError> {
                Ok(Some(crate::SecretsState {
                    key_id: self.0.clone(),
                    version: 1,
                }))
            }
            async fn put_secret(
                &self,
                _: NewSealedSecret,
                _: DateTime<Utc>,
            ) -> Result<SecretInfo, StorageError> {
                unreachable!("not stored in these tests")
            }
            async fn sealed_secret(&self, _: &str) -> Result<Option<Vec<u8>>, StorageError> {
                Ok(None)
            }
            async fn sealed_secrets(&self) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
                Ok(Vec::new())
            }
            async fn secret_infos(&self) -> Result<Vec<SecretInfo>, StorageError> {
                Ok(Vec::new())
            }
            async fn delete_secret(&self, _: &str) -> Result<bool, StorageError> {
                Ok(false)
            }
        }
        Vault::new(
            Arc::new(Nothing(stored_with.id())),
            key,
            "a test",
            SharedMask::default(),
        )
    }

    fn vault(key: &SecretKey) -> Vault {
        vault_of(key, key)
    }

    #[tokio::test]
    async fn a_value_opens_with_its_key_and_name_only() {
        let key = SecretKey::generate().unwrap();
        let sealed = vault(&key).seal("pg_password", "hunter22").unwrap();
        assert_eq!(sealed.len(), 1 + 24 + 8 + 16);
        assert!(!sealed.windows(8).any(|window| window == b"hunter22"));
        assert_eq!(
            vault(&key).open("pg_password", &sealed).await.unwrap(),
            "hunter22"
        );
        // Two seals of one value differ (a fresh nonce each).
        assert_ne!(sealed, vault(&key).seal("pg_password", "hunter22").unwrap());

        // Another key is refused with what to do, never answered with garbage.
        let other = SecretKey::generate().unwrap();
        let error = vault_of(&other, &key)
            .open("pg_password", &sealed)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("stored with another key than the one from a test"),
            "{error}"
        );
        assert!(error.contains("WAND_SECRETS_KEY"), "{error}");
        // A value moved to another name, or changed, does not open.
        let moved = vault(&key)
            .open("other_name", &sealed)
            .await
            .unwrap_err()
            .to_string();
        assert!(moved.contains("secret `other_name` is damaged"), "{moved}");
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(vault(&key).open("pg_password", &flipped).await.is_err());
        assert!(vault(&key).open("pg_password", &[]).await.is_err());
    }

    #[test]
    fn keys_read_from_base64_and_name_themselves_without_showing() {
        let key = SecretKey::generate().unwrap();
        let again = SecretKey::from_base64(&format!("  {}\n", key.to_base64())).unwrap();
        assert_eq!(key.id(), again.id());
        assert_eq!(key.id().len(), 32);
        assert!(!format!("{key:?}").contains(&key.to_base64()));
        let short = SecretKey::from_base64("c2hvcnQ=").unwrap_err().to_string();
        assert!(short.contains("holds 5 bytes, not 32"), "{short}");
        assert!(
            SecretKey::from_base64("not base64!")
                .unwrap_err()
                .to_string()
                .contains("not base64")
        );
    }
}
