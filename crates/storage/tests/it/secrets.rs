//! Secrets: stored sealed (the database never holds a value), listed without values, replaced and deleted; the
//! version every change raises, which refreshes the mask of values; one key for all, another refused with the
//! reason.

use std::sync::Arc;

use chrono::{Duration, Utc};
use model::SharedMask;
use storage::{SecretKey, SecretStore, StorageError, Store, Vault};

use crate::store_test;

fn vault(store: &Arc<dyn Store>, key: &SecretKey) -> Vault {
    let store: Arc<dyn SecretStore> = store.clone();
    Vault::new(store, key, "the test's key", SharedMask::default())
}

store_test!(
    secrets_are_stored_sealed_and_listed_without_values,
    |store: Arc<dyn Store>| async move {
        let key = SecretKey::generate().unwrap();
        let shared = SharedMask::default();
        let secrets = Vault::new(store.clone(), &key, "the test's key", shared.clone());
        assert_eq!(store.secrets_state().await.unwrap(), None);
        assert!(secrets.mask().await.unwrap().is_empty());

        let created = Utc::now();
        let info = secrets
            .set(
                "pg_password",
                "hunter22",
                Some("ada@example.com".to_owned()),
                created,
            )
            .await
            .unwrap();
        assert_eq!(info.name, "pg_password");
        assert_eq!(
            (info.created_at, info.updated_at),
            (info.created_at, info.created_at)
        );
        assert_eq!(info.updated_by.as_deref(), Some("ada@example.com"));
        let state = store.secrets_state().await.unwrap().unwrap();
        assert_eq!((state.key_id, state.version), (key.id(), 1));
        assert_eq!(secrets.value("pg_password").await.unwrap(), "hunter22");

        // The database holds the sealed value only.
        let sealed = store.sealed_secret("pg_password").await.unwrap().unwrap();
        assert!(!sealed.windows(8).any(|window| window == b"hunter22"));

        // Replacing keeps the creation time; the list has names, times and who changed them, never a value.
        let replaced = secrets
            .set(
                "pg_password",
                "correct horse",
                None,
                created + Duration::seconds(5),
            )
            .await
            .unwrap();
        assert_eq!(replaced.created_at, info.created_at);
        assert!(replaced.updated_at > info.updated_at);
        assert_eq!(replaced.updated_by, None);
        secrets
            .set("api.token", "tok-123456", Some("cli".to_owned()), created)
            .await
            .unwrap();
        let listed = secrets.list().await.unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|info| info.name.as_str())
                .collect::<Vec<_>>(),
            ["api.token", "pg_password"]
        );
        let text = serde_json::to_string(&listed).unwrap();
        assert!(
            !text.contains("correct horse") && !text.contains("tok-123456"),
            "{text}"
        );
        assert_eq!(store.secrets_state().await.unwrap().unwrap().version, 3);

        // The mask follows the stored values; the process's shared mask keeps every value it saw.
        let mask = secrets.mask().await.unwrap();
        assert_eq!(
            mask.apply("correct horse, tok-123456, hunter22"),
            "******, ******, hunter22"
        );
        assert!(secrets.delete("api.token").await.unwrap());
        assert!(!secrets.delete("api.token").await.unwrap());
        assert_eq!(store.secrets_state().await.unwrap().unwrap().version, 4);
        assert_eq!(
            secrets
                .mask()
                .await
                .unwrap()
                .apply("tok-123456 correct horse"),
            "tok-123456 ******"
        );
        assert_eq!(shared.get().apply("hunter22 tok-123456"), "****** ******");

        // An unknown secret and bad names or values are clear errors.
        let unknown = secrets.value("api.token").await.unwrap_err();
        assert!(
            matches!(&unknown, StorageError::UnknownSecret(name) if name == "api.token"),
            "{unknown:?}"
        );
        assert!(
            unknown.to_string().contains("Settings → Secrets"),
            "{unknown}"
        );
        for (name, value) in [("bad name", "value"), ("ok", "")] {
            let error = secrets.set(name, value, None, created).await.unwrap_err();
            assert!(matches!(error, StorageError::InvalidSecret(_)), "{error:?}");
        }
    }
);

store_test!(another_key_is_refused_with_what_to_do, |store: Arc<
    dyn Store,
>| async move {
    let key = SecretKey::generate().unwrap();
    let other = SecretKey::generate().unwrap();
    // Before any secret is stored, any key will do.
    vault(&store, &other).check_key().await.unwrap();
    vault(&store, &key)
        .set("pg_password", "hunter22", None, Utc::now())
        .await
        .unwrap();
    vault(&store, &key).check_key().await.unwrap();

    let wrong = vault(&store, &other);
    for error in [
        wrong.check_key().await.unwrap_err(),
        wrong.value("pg_password").await.unwrap_err(),
        wrong.mask().await.unwrap_err(),
        wrong
            .set("another", "value123", None, Utc::now())
            .await
            .unwrap_err(),
    ] {
        let message = error.to_string();
        assert!(
            message.contains("stored with another key than the one from the test's key")
                && message.contains("WAND_SECRETS_KEY"),
            "{message}"
        );
        assert!(!message.contains("hunter22"));
    }
    // Nothing was stored under the other key.
    assert_eq!(store.secret_infos().await.unwrap().len(), 1);
    assert_eq!(
        vault(&store, &key).value("pg_password").await.unwrap(),
        "hunter22"
    );
});
