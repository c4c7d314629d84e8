//! Every error under `/api` answers in the JSON error shape `{"error": {"code", "message"}}`: this layer rewrites
//! the plain-text or empty answers axum gives on its own (a body that is not JSON or has fields of the wrong type,
//! a path or query parameter that does not parse, a body over the limit, a method the route does not have). It
//! keeps the status and the headers (`Allow` on a 405); it must not touch successful answers or the UI's pages.
//! `document` adds these answers, which every route can give, to each operation of the OpenAPI document.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};

use crate::ApiError;
use crate::error::ErrorCode;

/// The longest error text read back from a rejection; axum's are a line or two.
const MAX_ERROR_TEXT: usize = 64 * 1024;

/// The middleware: passes the request on, and turns an error answer that is not JSON into the JSON error shape.
pub(crate) async fn errors_as_json(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !api || !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_ERROR_TEXT)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_owned()
    } else {
        text
    };
    // The status stays axum's (a 408 is still a 408) even where the code is the nearest row of the table.
    let error = ApiError::new(code(status), message).into_response();
    let (error_parts, error_body) = error.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        error_parts
            .headers
            .get(header::CONTENT_TYPE)
            .cloned()
            .unwrap_or(HeaderValue::from_static("application/json")),
    );
    Response::from_parts(parts, Body::new(error_body))
}

/// Documents on every operation the error answers that do not come from its handler: a request that does not
/// parse (400, 413, 415, 422), a request without the sign-in its route's policy asks for (401) or by a role it does
/// not allow (403), a request refused by the guard (403: a foreign `Host` or `Origin`; 415: a state change without a
/// JSON body), and an internal failure (500), each described by its codes' rows in `ErrorCode`. An answer
/// the route documents itself is kept.
pub(crate) fn document(doc: &mut OpenApi) {
    let error = |description: &str| {
        RefOr::T(
            utoipa::openapi::ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .build(),
        )
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            (&mut item.get, false),
            (&mut item.delete, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
        ];
        for (operation, changes_state) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            let has_parameters = operation
                .parameters
                .as_ref()
                .is_some_and(|parameters| !parameters.is_empty());
            let has_body = operation.request_body.is_some();
            let mut answer = |codes: &[ErrorCode]| {
                let status = codes[0].status().as_u16().to_string();
                add_answer(operation, &status, error(&ErrorCode::describe(codes)));
            };
            if has_parameters || has_body {
                answer(&[ErrorCode::BadRequest, ErrorCode::InvalidPath]);
            }
            answer(&[ErrorCode::Unauthorized]);
            answer(&[
                ErrorCode::ForbiddenHost,
                ErrorCode::ForbiddenOrigin,
                ErrorCode::Forbidden,
            ]);
            if has_body {
                answer(&[ErrorCode::PayloadTooLarge]);
                answer(&[ErrorCode::InvalidInput]);
            }
            if changes_state {
                answer(&[ErrorCode::UnsupportedMediaType]);
            }
            answer(&[ErrorCode::Internal]);
        }
    }
}

fn add_answer(operation: &mut Operation, status: &str, response: RefOr<utoipa::openapi::Response>) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert(response);
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

/// The stable code for an error answer axum made: named after its status.
fn code(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::BAD_REQUEST => ErrorCode::BadRequest,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::InvalidInput,
        status if status.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::post;
    use tower::ServiceExt;

    use super::*;

    async fn call(request: Request) -> (StatusCode, Option<String>, serde_json::Value) {
        let app = Router::new()
            .route(
                "/api/v1/things/{id}",
                post(
                    |_: axum::extract::Path<i64>, _: axum::Json<serde_json::Value>| async { "ok" },
                ),
            )
            .layer(axum::middleware::from_fn(errors_as_json));
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let allow = response
            .headers()
            .get(header::ALLOW)
            .map(|value| value.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, allow, serde_json::from_slice(&bytes).unwrap())
    }

    fn request(method: &str, uri: &str, body: &str) -> Request {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    }

    #[tokio::test]
    async fn rejections_become_json_errors() {
        let (status, _, body) = call(request("POST", "/api/v1/things/1", "{oops")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "bad_request");
        assert!(body["error"]["message"].as_str().unwrap().contains("JSON"));

        let (status, _, body) = call(request("POST", "/api/v1/things/abc", "{}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body["error"]["message"].as_str().unwrap().contains("abc"),
            "{body}"
        );

        let (status, allow, body) = call(request("GET", "/api/v1/things/1", "")).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["error"]["code"], "method_not_allowed");
        assert_eq!(allow.as_deref(), Some("POST"));
    }
}
