//! Who is asking: passwords hashed with Argon2id, sessions and API tokens as random values stored as their SHA-256,
//! the session cookie, and the sign-in rate limit. It never decides what a role may do: `policy` does.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::{HeaderMap, header};
use model::{Role, User};
use sha2::{Digest, Sha256};
use storage::{NewUser, Store};

use crate::ApiError;
use crate::error::ErrorCode;

/// The cookie that carries a session's token.
pub const SESSION_COOKIE: &str = "wand_session";

/// The shortest password accepted (NIST SP 800-63B's minimum for a chosen password).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Failed sign-ins one email may have in `ATTEMPT_WINDOW` before it must wait.
const FAILURES_PER_EMAIL: u32 = 5;
/// Failed sign-ins one client address may have in `ATTEMPT_WINDOW` (several users may share an address).
const FAILURES_PER_ADDRESS: u32 = 20;
const ATTEMPT_WINDOW: Duration = Duration::from_secs(15 * 60);

/// When the server asks who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// Never (`--no-auth`, loopback only): whoever reaches the server may do anything.
    Never,
    /// Once a user exists (loopback, the default): until then the server is open and the UI offers to create the
    /// owner.
    OnceUsersExist,
    /// Always (off loopback, or Mage's `REQUIRE_USER_AUTHENTICATION=1`).
    Always,
}

/// How the server authenticates, chosen by `cli`.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub sign_in: SignIn,
    /// How long a session lasts after sign-in.
    pub session_lifetime: Duration,
    /// Whether the server is reached over HTTPS (its cookies are then `Secure`), whatever the request says.
    pub https: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the sign-in rate limit and the audit trail).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for AuthSettings {
    /// Loopback, no TLS, sessions of a week, no proxy.
    fn default() -> AuthSettings {
        AuthSettings {
            sign_in: SignIn::OnceUsersExist,
            session_lifetime: Duration::from_secs(7 * 24 * 3600),
            https: false,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The authentication state every request shares: settings, whether a user exists, the sign-in rate limit.
#[derive(Clone)]
pub struct Auth(Arc<Inner>);

struct Inner {
    settings: AuthSettings,
    /// Once a user exists, sign-in is required for good (deleting every user does not reopen the server).
    users_exist: AtomicBool,
    failures: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    failures: u32,
}

/// Who made a request, and how they proved it.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub(crate) user: User,
    pub(crate) via: Via,
    /// The API token used (`via` is `Token`): the audit trail names it.
    pub(crate) token: Option<storage::ApiToken>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    Session,
    Token,
}

impl Auth {
    pub fn new(settings: AuthSettings) -> Auth {
        Auth(Arc::new(Inner {
            settings,
            users_exist: AtomicBool::new(false),
            failures: Mutex::new(HashMap::new()),
        }))
    }

    pub(crate) fn settings(&self) -> &AuthSettings {
        &self.0.settings
    }

    /// Whether a request needs no sign-in: never asked for, or asked for once users exist and none does yet.
    pub(crate) async fn is_open(&self, store: &dyn Store) -> Result<bool, ApiError> {
        match self.0.settings.sign_in {
            SignIn::Never => return Ok(true),
            SignIn::Always => return Ok(false),
            SignIn::OnceUsersExist if self.0.users_exist.load(Ordering::Relaxed) => {
                return Ok(false);
            }
            SignIn::OnceUsersExist => {}
        }
        let exists = store.user_count().await? > 0;
        if exists {
            self.0.users_exist.store(true, Ordering::Relaxed);
        }
        Ok(!exists)
    }

    /// The user a request's session cookie or bearer token names. A bearer token that names no one is an error
    /// (the caller meant to authenticate); a missing or stale cookie is not (the browser keeps old cookies).
    pub(crate) async fn principal(
        &self,
        store: &dyn Store,
        headers: &HeaderMap,
    ) -> Result<Option<Principal>, ApiError> {
        let now = chrono::Utc::now();
        if let Some(value) = headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(|| unauthenticated("`Authorization` takes `Bearer <API token>`"))?;
            let (user, token) = store
                .token_user(&token_hash(token), now)
                .await?
                .ok_or_else(|| unauthenticated("this API token is unknown, expired or revoked"))?;
            self.0.users_exist.store(true, Ordering::Relaxed);
            return Ok(Some(Principal {
                user,
                via: Via::Token,
                token: Some(token),
            }));
        }
        let Some(token) = session_token(headers) else {
            return Ok(None);
        };
        let user = store.session_user(&token_hash(&token), now).await?;
        Ok(user.map(|user| {
            self.0.users_exist.store(true, Ordering::Relaxed);
            Principal {
                user,
                via: Via::Session,
                token: None,
            }
        }))
    }

    /// Refuses a sign-in for `email` from `address` that comes after too many failures of either.
    pub(crate) fn check_attempts(&self, email: &str, address: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let failures = self
            .0
            .failures
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        for (key, limit) in [
            (format!("email:{email}"), FAILURES_PER_EMAIL),
            (format!("address:{address}"), FAILURES_PER_ADDRESS),
        ] {
            if let Some(window) = failures.get(&key)
                && now.duration_since(window.start) < ATTEMPT_WINDOW
                && window.failures >= limit
            {
                let wait = ATTEMPT_WINDOW.saturating_sub(now.duration_since(window.start));
                return Err(ApiError::new(
                    ErrorCode::TooManyAttempts,
                    format!(
                        "too many failed sign-ins for this {}; try again in {} minutes",
                        key.split(':').next().unwrap_or("client"),
                        wait.as_secs().div_ceil(60)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Counts a failed sign-in against `email` and `address`.
    pub(crate) fn record_failure(&self, email: &str, address: &str) {
        let now = Instant::now();
        let mut failures = self
            .0
            .failures
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if failures.len() > 100_000 {
            failures.retain(|_, window| now.duration_since(window.start) < ATTEMPT_WINDOW);
        }
        for key in [format!("email:{email}"), format!("address:{address}")] {
            let window = failures.entry(key).or_insert(Window {
                start: now,
                failures: 0,
            });
            if now.duration_since(window.start) >= ATTEMPT_WINDOW {
                *window = Window {
                    start: now,
                    failures: 0,
                };
            }
            window.failures += 1;
        }
    }

    /// Forgets the failures of `email` after it signed in.
    pub(crate) fn record_success(&self, email: &str) {
        let mut failures = self
            .0
            .failures
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        failures.remove(&format!("email:{email}"));
    }

    /// The `Set-Cookie` value that stores `token` in the browser: never readable by scripts, never sent by another
    /// site's requests, and only over HTTPS when the server is reached that way.
    pub(crate) fn session_cookie(&self, token: &str, headers: &HeaderMap) -> String {
        let max_age = self.0.settings.session_lifetime.as_secs();
        let secure = if self.is_https(headers) {
            "; Secure"
        } else {
            ""
        };
        format!(
            "{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
        )
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub(crate) fn cleared_cookie(&self, headers: &HeaderMap) -> String {
        let secure = if self.is_https(headers) {
            "; Secure"
        } else {
            ""
        };
        format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}")
    }

    /// HTTPS: the server's own TLS, or a page served over HTTPS (its `Origin`, or a proxy's `X-Forwarded-Proto`).
    /// A forged header can only make the cookie stricter.
    fn is_https(&self, headers: &HeaderMap) -> bool {
        let says = |name: &str, prefix: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.trim().to_ascii_lowercase().starts_with(prefix))
        };
        self.0.settings.https || says("origin", "https://") || says("x-forwarded-proto", "https")
    }

    /// The address of the client behind a request: the connection's peer, or, when the peer is a trusted proxy,
    /// the last address in `X-Forwarded-For` that is not one of the trusted proxies (the ones before it could be
    /// forged by the client).
    pub(crate) fn client_address(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> String {
        let trusted = |ip: &IpAddr| {
            self.0
                .settings
                .trusted_proxies
                .iter()
                .any(|net| net.contains(ip))
        };
        let Some(peer) = peer else {
            return "unknown".to_owned();
        };
        if !trusted(&peer) {
            return peer.to_string();
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
            .collect();
        forwarded
            .iter()
            .rev()
            .find(|ip| !trusted(ip))
            .or(forwarded.first())
            .unwrap_or(&peer)
            .to_string()
    }

    /// Notes that a user now exists (one was just created).
    pub(crate) fn user_created(&self) {
        self.0.users_exist.store(true, Ordering::Relaxed);
    }
}

/// A user to create with `add_user`.
#[derive(Debug, Clone)]
pub struct UserRequest {
    pub email: String,
    pub password: String,
    pub role: Role,
}

/// Creates a user, checking the email and the password and hashing the password (`wand users add`, the first
/// owner from the environment, and the API).
pub async fn add_user(store: &dyn Store, request: UserRequest) -> Result<User, ApiError> {
    let email = model::normalize_email(&request.email);
    if !valid_email(&email) {
        return Err(ApiError::invalid(format!(
            "`{email}` is not an email address (name@domain)"
        )));
    }
    if let Some(problem) = password_problem(&request.password) {
        return Err(ApiError::invalid(problem));
    }
    let password_hash = hash_password(&request.password)?;
    Ok(store
        .create_user(
            NewUser {
                email,
                password_hash,
                role: request.role,
            },
            chrono::Utc::now(),
        )
        .await?)
}

/// What is wrong with a password, if anything.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Some(format!(
            "the password has {chars} characters; use at least {MIN_PASSWORD_CHARS}"
        ))
    } else if password.len() > 1024 {
        Some("the password is longer than 1024 bytes".to_owned())
    } else {
        None
    }
}

/// An Argon2id PHC string of `password` with a fresh salt (the crate's defaults: OWASP's 19 MiB, 2 passes).
pub(crate) fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(ApiError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(ApiError::internal)
}

/// Whether `password` matches `hash`; `None` (no such user) checks against a fixed hash so that an unknown email
/// takes as long as a wrong password.
pub(crate) fn verify_password(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default());
    let (hash, real) = match hash {
        Some(hash) => (hash, true),
        None => (dummy.as_str(), false),
    };
    let matches = PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    });
    matches && real
}

/// A new random token (256 bits) with a prefix that tells what it is (`wand_s_` a session, `wand_t_` an API token),
/// so a leaked one is recognised by secret scanners and people.
pub(crate) fn new_token(prefix: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

/// How a token is stored: the hex SHA-256 of its value (a random 256-bit value needs no slow hash).
pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The session token of the request's cookie.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

pub(crate) fn unauthenticated(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, message)
}

fn valid_email(email: &str) -> bool {
    email.len() <= 254
        && email.split_once('@').is_some_and(|(name, domain)| {
            !name.is_empty() && !domain.is_empty() && !domain.contains('@')
        })
        && !email.contains(|c: char| c.is_whitespace() || c.is_control())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", Some(&hash)));
        assert!(!verify_password("wrong horse", Some(&hash)));
        assert!(!verify_password("not a password of anyone", None));
        assert_ne!(
            hash,
            hash_password("correct horse").unwrap(),
            "a fresh salt each time"
        );
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let token = new_token("wand_s_").unwrap();
        assert_eq!(token.len(), 7 + 64);
        assert_ne!(token, new_token("wand_s_").unwrap());
        assert_eq!(token_hash(&token).len(), 64);
        assert_ne!(token_hash(&token), token);
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; wand_session=abc ; b=2".parse().unwrap(),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("abc"));
        headers.insert(header::COOKIE, "wand_session=".parse().unwrap());
        assert_eq!(session_token(&headers), None);
    }

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_last_untrusted_forwarded_address() {
        let proxied = |trusted: &[&str], peer: &str, forwarded: Option<&str>| {
            let auth = Auth::new(AuthSettings {
                trusted_proxies: trusted.iter().map(|net| net.parse().unwrap()).collect(),
                ..AuthSettings::default()
            });
            let mut headers = HeaderMap::new();
            if let Some(forwarded) = forwarded {
                headers.insert("x-forwarded-for", forwarded.parse().unwrap());
            }
            auth.client_address(Some(peer.parse().unwrap()), &headers)
        };
        // No trusted proxy: the header is the client's word and is ignored.
        assert_eq!(proxied(&[], "10.0.0.5", Some("198.51.100.7")), "10.0.0.5");
        // The proxy appends the address it saw; what the client wrote before it is not believed.
        assert_eq!(
            proxied(&["10.0.0.0/8"], "10.0.0.5", Some("1.2.3.4, 198.51.100.7")),
            "198.51.100.7"
        );
        // Two proxies in a row.
        assert_eq!(
            proxied(&["10.0.0.0/8"], "10.0.0.5", Some("198.51.100.7, 10.0.0.9")),
            "198.51.100.7"
        );
        // A trusted peer that forwards nothing is the client.
        assert_eq!(proxied(&["10.0.0.5/32"], "10.0.0.5", None), "10.0.0.5");
        // A request from elsewhere cannot claim an address.
        assert_eq!(
            proxied(&["10.0.0.0/8"], "203.0.113.1", Some("198.51.100.7")),
            "203.0.113.1"
        );
    }

    #[test]
    fn emails_and_passwords_are_checked() {
        assert!(valid_email("ada@example.com"));
        for bad in ["ada", "@example.com", "ada@", "a b@example.com", "a@b@c"] {
            assert!(!valid_email(bad), "{bad}");
        }
        assert!(password_problem("admin").unwrap().contains("at least 8"));
        assert_eq!(password_problem("long enough"), None);
    }
}
