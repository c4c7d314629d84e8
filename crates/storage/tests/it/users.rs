//! Users, sessions and API tokens: unique emails (compared lowercase), session expiry and sign-out, tokens that
//! expire, record their last use and are revoked only by their owner; deleting a user ends its sessions and tokens;
//! a new password ends a user's sessions but the one kept.

use std::sync::Arc;

use chrono::{Duration, Utc};
use model::Role;
use storage::{NewApiToken, NewUser, StorageError, Store, UserChange};

use crate::store_test;

fn new_user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: email.to_owned(),
        password_hash: format!("$argon2id$hash-of-{email}"),
        role,
    }
}

store_test!(users_are_unique_by_lowercase_email, |store: Arc<
    dyn Store,
>| async move {
    assert_eq!(store.user_count().await.unwrap(), 0);
    let owner = store
        .create_user(new_user(" Ada@Example.com ", Role::Owner), Utc::now())
        .await
        .unwrap();
    assert_eq!(owner.email, "ada@example.com");
    assert_eq!(owner.role, Role::Owner);
    let duplicate = store
        .create_user(new_user("ADA@example.com", Role::Viewer), Utc::now())
        .await;
    assert!(
        matches!(&duplicate, Err(StorageError::Conflict(message)) if message.contains("ada@example.com")),
        "{duplicate:?}"
    );
    let viewer = store
        .create_user(new_user("bob@example.com", Role::Viewer), Utc::now())
        .await
        .unwrap();
    assert_eq!(store.user_count().await.unwrap(), 2);
    let credentials = store.credentials("ada@example.com").await.unwrap().unwrap();
    assert_eq!(credentials.user, owner);
    assert_eq!(
        credentials.password_hash,
        "$argon2id$hash-of- Ada@Example.com "
    );
    assert!(
        store
            .credentials("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.users().await.unwrap(),
        vec![owner.clone(), viewer.clone()]
    );
    assert_eq!(store.user(viewer.id).await.unwrap(), Some(viewer.clone()));
    assert!(store.delete_user(viewer.id).await.unwrap());
    assert!(!store.delete_user(viewer.id).await.unwrap());
    assert_eq!(store.users().await.unwrap(), vec![owner]);
});

store_test!(
    sessions_expire_and_end,
    |store: Arc<dyn Store>| async move {
        let now = Utc::now();
        let user = store
            .create_user(new_user("ada@example.com", Role::Editor), now)
            .await
            .unwrap();
        store
            .create_session(user.id, "live", now, now + Duration::hours(1))
            .await
            .unwrap();
        store
            .create_session(
                user.id,
                "old",
                now - Duration::hours(2),
                now - Duration::hours(1),
            )
            .await
            .unwrap();
        assert_eq!(
            store.session_user("live", now).await.unwrap(),
            Some(user.clone())
        );
        assert_eq!(
            store.session_user("old", now).await.unwrap(),
            None,
            "expired"
        );
        assert_eq!(store.session_user("other", now).await.unwrap(), None);
        assert_eq!(
            store
                .session_user("live", now + Duration::hours(2))
                .await
                .unwrap(),
            None,
            "expires with time"
        );
        assert!(store.delete_session("live").await.unwrap());
        assert_eq!(
            store.session_user("live", now).await.unwrap(),
            None,
            "signed out"
        );
        store
            .create_session(user.id, "again", now, now + Duration::hours(1))
            .await
            .unwrap();
        store.delete_user(user.id).await.unwrap();
        assert_eq!(
            store.session_user("again", now).await.unwrap(),
            None,
            "a deleted user's sessions end"
        );
    }
);

store_test!(
    api_tokens_expire_record_their_use_and_are_revoked_by_their_owner,
    |store: Arc<dyn Store>| async move {
        let now = Utc::now();
        let ada = store
            .create_user(new_user("ada@example.com", Role::Admin), now)
            .await
            .unwrap();
        let bob = store
            .create_user(new_user("bob@example.com", Role::Viewer), now)
            .await
            .unwrap();
        let token = store
            .create_api_token(
                NewApiToken {
                    user_id: ada.id,
                    name: "ci".to_owned(),
                    token_hash: "h1".to_owned(),
                    expires_at: None,
                },
                now,
            )
            .await
            .unwrap();
        assert_eq!(token.last_used_at, None);
        let expiring = store
            .create_api_token(
                NewApiToken {
                    user_id: ada.id,
                    name: "short".to_owned(),
                    token_hash: "h2".to_owned(),
                    expires_at: Some(now + Duration::minutes(5)),
                },
                now,
            )
            .await
            .unwrap();
        let later = now + Duration::minutes(1);
        assert_eq!(
            store
                .token_user("h1", later)
                .await
                .unwrap()
                .map(|(user, token)| (user, token.name)),
            Some((ada.clone(), "ci".to_owned()))
        );
        assert_eq!(
            store
                .token_user("h2", later)
                .await
                .unwrap()
                .map(|(user, _)| user),
            Some(ada.clone())
        );
        assert_eq!(
            store
                .token_user("h2", now + Duration::minutes(10))
                .await
                .unwrap()
                .map(|(user, _)| user),
            None,
            "expired"
        );
        assert!(store.token_user("nope", later).await.unwrap().is_none());
        let listed = store.api_tokens(ada.id).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].name, "ci");
        let used = listed[0].last_used_at.expect("a use is recorded");
        assert!(
            (used - later).num_milliseconds().abs() < 1,
            "{used} vs {later}"
        );
        // Uses within a minute of the recorded one are not written; the next one after it is.
        let soon = later + Duration::seconds(30);
        store.token_user("h1", soon).await.unwrap();
        let kept = store.api_tokens(ada.id).await.unwrap()[0].last_used_at;
        assert_eq!(
            kept.map(|at| at.timestamp_millis()),
            Some(later.timestamp_millis())
        );
        let next = later + Duration::minutes(2);
        store.token_user("h1", next).await.unwrap();
        let moved = store.api_tokens(ada.id).await.unwrap()[0].last_used_at;
        assert_eq!(
            moved.map(|at| at.timestamp_millis()),
            Some(next.timestamp_millis())
        );
        assert!(
            !store.delete_api_token(bob.id, token.id).await.unwrap(),
            "another user cannot revoke it"
        );
        assert!(store.delete_api_token(ada.id, token.id).await.unwrap());
        assert_eq!(
            store
                .token_user("h1", later)
                .await
                .unwrap()
                .map(|(user, _)| user),
            None,
            "revoked"
        );
        let left: Vec<i64> = store
            .api_tokens(ada.id)
            .await
            .unwrap()
            .iter()
            .map(|token| token.id)
            .collect();
        assert_eq!(left, vec![expiring.id]);
    }
);

store_test!(
    a_new_role_keeps_sessions_and_a_new_password_ends_all_but_the_one_kept,
    |store: Arc<dyn Store>| async move {
        let now = Utc::now();
        let later = now + Duration::hours(1);
        let ada = store
            .create_user(new_user("ada@example.com", Role::Viewer), now)
            .await
            .unwrap();
        let bob = store
            .create_user(new_user("bob@example.com", Role::Viewer), now)
            .await
            .unwrap();
        for (user, hash) in [
            (ada.id, "a1"),
            (ada.id, "a2"),
            (ada.id, "a3"),
            (bob.id, "b1"),
        ] {
            store.create_session(user, hash, now, later).await.unwrap();
        }
        let changed = store
            .update_user(
                ada.id,
                UserChange {
                    role: Some(Role::Editor),
                    ..UserChange::default()
                },
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(changed.role, Role::Editor);
        assert_eq!(
            store
                .session_user("a1", now)
                .await
                .unwrap()
                .map(|user| user.role),
            Some(Role::Editor),
            "a session sees the new role at once"
        );
        store
            .update_user(
                ada.id,
                UserChange {
                    password_hash: Some("$argon2id$new".to_owned()),
                    keep_session: Some("a2".to_owned()),
                    ..UserChange::default()
                },
            )
            .await
            .unwrap()
            .unwrap();
        let credentials = store.credentials("ada@example.com").await.unwrap().unwrap();
        assert_eq!(credentials.password_hash, "$argon2id$new");
        assert_eq!(credentials.user.role, Role::Editor, "the role stays");
        let alive = |hash: &'static str| {
            let store = store.clone();
            async move { store.session_user(hash, now).await.unwrap().is_some() }
        };
        assert!(!alive("a1").await);
        assert!(alive("a2").await, "the kept session");
        assert!(!alive("a3").await);
        assert!(alive("b1").await, "another user's session");
        store
            .update_user(
                bob.id,
                UserChange {
                    password_hash: Some("$argon2id$bob".to_owned()),
                    ..UserChange::default()
                },
            )
            .await
            .unwrap();
        assert!(!alive("b1").await, "none kept: all end");
        assert_eq!(
            store
                .update_user(9999, UserChange::default())
                .await
                .unwrap(),
            None
        );
    }
);
