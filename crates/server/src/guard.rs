//! Refuses the requests a web page in the user's browser could forge against a server on loopback: a `Host` that is
//! not this server's (DNS rebinding), an `Origin` of another site on anything that changes state or opens the
//! terminal (`check`, before anything else), and a state change without a JSON body, a plain cross-site form or
//! `fetch` (`require_json`, on the API's routes). CORS stays closed: no answer carries `Access-Control-Allow-*`.
//! Mage's API-trigger URL is authenticated by its token and takes any caller, as in Mage, but only under this
//! server's own `Host`.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ErrorCode;
use crate::{ApiError, AppState};

/// Origins besides the server's own that may call it: those of a reverse proxy in front of it
/// (`https://wand.example.com`). Their host names are also accepted in `Host`.
#[derive(Debug, Clone, Default)]
pub struct TrustedOrigins {
    origins: Arc<[Origin]>,
    /// Whether any `Host` is answered: a server off loopback, which always requires sign-in, is reached under names
    /// it cannot know (a container's port, a load balancer). DNS rebinding gains nothing there: the browser sends
    /// the real name's cookie only to the real name, and every route but the public ones needs a sign-in.
    any_host: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl TrustedOrigins {
    /// Reads `scheme://host[:port]` origins, as a browser sends them in `Origin`.
    pub fn parse<S: AsRef<str>>(
        origins: impl IntoIterator<Item = S>,
    ) -> Result<TrustedOrigins, String> {
        let origins = origins
            .into_iter()
            .map(|text| {
                let text = text.as_ref().trim();
                Origin::parse(text).ok_or_else(|| {
                    format!(
                        "`{text}` is not an origin; write it as a browser does: scheme://host[:port], such as \
                         https://wand.example.com"
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedOrigins {
            origins: origins.into(),
            any_host: false,
        })
    }

    /// The same origins, answering any `Host` (for a server off loopback, where sign-in is always required).
    pub fn answering_any_host(self) -> TrustedOrigins {
        TrustedOrigins {
            any_host: true,
            ..self
        }
    }

    fn contains(&self, origin: &Origin) -> bool {
        self.origins.iter().any(|trusted| trusted == origin)
    }

    fn has_host(&self, host: &str) -> bool {
        self.any_host || self.origins.iter().any(|trusted| trusted.host == host)
    }
}

impl Origin {
    fn parse(text: &str) -> Option<Origin> {
        let (scheme, rest) = text.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "http" | "https") || rest.contains(['/', '?', '#', '@']) {
            return None;
        }
        let (host, port) = split_host(rest)?;
        let default = if scheme == "https" { 443 } else { 80 };
        Some(Origin {
            scheme,
            host,
            port: port.filter(|port| *port != default),
        })
    }
}

/// `host[:port]` (with `[v6]` literals) as a lowercase host name and an optional port.
fn split_host(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !port.contains(']') => {
            (host, Some(port.parse::<u16>().ok()?))
        }
        _ => (authority, None),
    };
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return None;
    }
    Some((host.to_ascii_lowercase(), port))
}

/// Whether a host name always means this machine: `localhost` and the loopback addresses.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The middleware: every request passes these checks before it reaches a handler.
pub(crate) async fn check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match refusal(&state.trusted_origins, &request) {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    }
}

fn refusal(trusted: &TrustedOrigins, request: &Request) -> Option<ApiError> {
    let headers = request.headers();
    // HTTP/2 carries the host in the URI rather than a `Host` header.
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
    if let Some(host) = &host {
        let name = split_host(host).map(|(name, _)| name);
        if !name.is_some_and(|name| is_loopback(&name) || trusted.has_host(&name)) {
            return Some(ApiError::new(
                ErrorCode::ForbiddenHost,
                format!(
                    "this server does not answer for host `{host}`: it serves localhost and 127.0.0.1; behind a \
                     proxy under another name, start it with --allowed-origin https://NAME"
                ),
            ));
        }
    }
    let path = request.uri().path();
    if path.starts_with("/api/pipeline_schedules/") {
        return None;
    }
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let opens_socket = headers.contains_key(header::UPGRADE);
    if (changes_state || opens_socket)
        && let Some(origin) = headers.get(header::ORIGIN)
    {
        let text = origin.to_str().unwrap_or("");
        let same = |origin: &Origin| {
            host.as_deref()
                .and_then(split_host)
                .is_some_and(|(name, port)| {
                    name == origin.host
                        && (port == origin.port
                            || port.is_some_and(|port| {
                                Some(port) == default_port(&origin.scheme) && origin.port.is_none()
                            }))
                })
        };
        let allowed =
            Origin::parse(text).is_some_and(|origin| same(&origin) || trusted.contains(&origin));
        if !allowed {
            return Some(ApiError::new(
                ErrorCode::ForbiddenOrigin,
                format!(
                    "requests from the web page at origin `{text}` may not change this server's state; if it is a \
                     proxy in front of Wand, start Wand with --allowed-origin {text}"
                ),
            ));
        }
    }
    None
}

/// The API's operations (path template and method), so that a method a path lacks answers 405 before 415.
#[derive(Debug, Clone, Default)]
pub(crate) struct Operations(Arc<HashSet<(String, Method)>>);

impl Operations {
    pub(crate) fn new(operations: impl IntoIterator<Item = (String, Method)>) -> Operations {
        Operations(Arc::new(operations.into_iter().collect()))
    }
}

/// The middleware of the API's routes: a POST, PUT or PATCH must carry JSON, which a cross-site form or plain
/// `fetch` cannot send without the browser asking first.
pub(crate) async fn require_json(
    State(operations): State<Operations>,
    request: Request,
    next: Next,
) -> Response {
    let routed = request
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|path| {
            let template = path
                .as_str()
                .strip_prefix("/api/v1")
                .unwrap_or(path.as_str());
            operations
                .0
                .contains(&(template.to_owned(), request.method().clone()))
        });
    match json_refusal(&request).filter(|_| routed) {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    }
}

fn json_refusal(request: &Request) -> Option<ApiError> {
    let body_method = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH
    );
    (body_method && !is_json(request.headers())).then(|| {
        ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send a JSON body with `Content-Type: application/json` (`{}` when there is nothing to say)",
        )
    })
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code of the first check the request fails: the guard's, then the API routes' JSON rule.
    fn check(method: &str, headers: &[(&str, &str)], trusted: &[&str]) -> Option<&'static str> {
        let mut request = Request::builder().method(method).uri("/api/v1/pipelines");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(axum::body::Body::empty()).unwrap();
        refusal(&TrustedOrigins::parse(trusted).unwrap(), &request)
            .or_else(|| json_refusal(&request))
            .map(|error| error.code.as_str())
    }

    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn hosts() {
        for host in [
            "127.0.0.1:6789",
            "localhost:6789",
            "[::1]:6789",
            "LOCALHOST",
            "127.0.0.2",
        ] {
            assert_eq!(check("GET", &[("host", host)], &[]), None, "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:6789",
            "localhost.evil.example",
            "10.0.0.1:6789",
            "",
        ] {
            assert_eq!(
                check("GET", &[("host", host)], &[]),
                Some("forbidden_host"),
                "{host}"
            );
        }
        assert_eq!(
            check(
                "GET",
                &[("host", "wand.example.com")],
                &["https://wand.example.com"]
            ),
            None
        );
    }

    #[test]
    fn off_loopback_any_host_is_answered_but_foreign_origins_still_change_nothing() {
        let trusted = TrustedOrigins::default().answering_any_host();
        let request = |method: &str, headers: &[(&str, &str)]| {
            let mut builder = Request::builder().method(method).uri("/api/v1/pipelines");
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            refusal(&trusted, &builder.body(axum::body::Body::empty()).unwrap())
                .map(|error| error.code.as_str())
        };
        for host in ["wand.internal:6789", "10.0.0.7:6789", "203.0.113.9"] {
            assert_eq!(request("GET", &[("host", host)]), None, "{host}");
        }
        let host = ("host", "wand.internal:6789");
        assert_eq!(
            request("POST", &[host, ("origin", "http://wand.internal:6789")]),
            None
        );
        assert_eq!(
            request("POST", &[host, ("origin", "https://evil.example")]),
            Some("forbidden_origin")
        );
    }

    #[test]
    fn origins() {
        let host = ("host", "127.0.0.1:6789");
        assert_eq!(
            check(
                "POST",
                &[host, JSON, ("origin", "http://127.0.0.1:6789")],
                &[]
            ),
            None
        );
        assert_eq!(
            check("POST", &[host, JSON], &[]),
            None,
            "no Origin: not a browser"
        );
        for origin in [
            "http://evil.example",
            "null",
            "http://127.0.0.1:9999",
            "http://localhost:6789",
            "",
        ] {
            assert_eq!(
                check("POST", &[host, JSON, ("origin", origin)], &[]),
                Some("forbidden_origin"),
                "{origin}"
            );
            assert_eq!(
                check(
                    "GET",
                    &[host, ("origin", origin), ("upgrade", "websocket")],
                    &[]
                ),
                Some("forbidden_origin"),
                "{origin}"
            );
            assert_eq!(
                check("DELETE", &[host, ("origin", origin)], &[]),
                Some("forbidden_origin")
            );
        }
        assert_eq!(
            check("GET", &[host, ("origin", "http://evil.example")], &[]),
            None,
            "reads stay closed by CORS"
        );
        let proxied = [
            ("host", "wand.example.com"),
            JSON,
            ("origin", "https://wand.example.com"),
        ];
        assert_eq!(
            check("POST", &proxied, &["https://wand.example.com:443"]),
            None
        );
        let foreign = [
            ("host", "wand.example.com"),
            JSON,
            ("origin", "https://evil.example"),
        ];
        assert_eq!(
            check("POST", &foreign, &["https://wand.example.com"]),
            Some("forbidden_origin")
        );
    }

    #[test]
    fn state_changes_need_json() {
        let host = ("host", "localhost:6789");
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            assert_eq!(
                check("POST", &[host, ("content-type", content_type)], &[]),
                Some("unsupported_media_type")
            );
        }
        assert_eq!(check("POST", &[host], &[]), Some("unsupported_media_type"));
        assert_eq!(check("PUT", &[host], &[]), Some("unsupported_media_type"));
        assert_eq!(
            check(
                "POST",
                &[host, ("content-type", "application/json; charset=utf-8")],
                &[]
            ),
            None
        );
        assert_eq!(check("DELETE", &[host], &[]), None);
    }

    #[test]
    fn bad_trusted_origins_are_refused() {
        for text in [
            "wand.example.com",
            "ftp://x",
            "https://x/path",
            "https://x:port",
        ] {
            assert!(TrustedOrigins::parse([text]).is_err(), "{text}");
        }
    }
}
