//! API errors: a status, a stable snake_case code and a message, rendered as `{"error": {"code", "message"}}`.
//! Every code is a row of one table, `ErrorCode`, with the status it answers and what it means; the responses and
//! the OpenAPI document both come from it. Internal errors are logged once here and shown as a generic 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

/// Declares `ErrorCode` from its table: one row per code, with its status and its meaning.
macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:ident, $meaning:literal;)*) => {
        /// The API's error codes. A client matches on `code`, which never changes; the message is for people.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code, in the table's order.
            pub(crate) const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as it appears in the answer's `error.code`.
            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The HTTP status an answer with this code has.
            pub(crate) fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)*
                }
            }

            /// What the code means, for the API's documentation.
            pub(crate) fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning,)*
                }
            }
        }
    };
}

error_codes! {
    BadRequest = "bad_request", BAD_REQUEST,
        "The request does not parse: a path or query parameter of the wrong type, or a body that is not JSON.";
    InvalidPath = "invalid_path", BAD_REQUEST,
        "A path no file can have: a NUL byte, a name over 255 bytes, a folder that is a file.";
    OutsideProject = "outside_project", BAD_REQUEST, "The path leads outside the project folder.";
    Unauthorized = "unauthorized", UNAUTHORIZED,
        "Sign-in is required and the request has no valid session cookie or API token, the email or password is \
         wrong, or a Mage API trigger was called without its token or with another one.";
    Forbidden = "forbidden", FORBIDDEN, "The signed-in user's role does not allow this request.";
    ForbiddenHost = "forbidden_host", FORBIDDEN,
        "The `Host` is not this server's: a loopback name, or the host of an --allowed-origin.";
    ForbiddenOrigin = "forbidden_origin", FORBIDDEN,
        "A change of state or a terminal asked for by a web page of another origin.";
    NotFound = "not_found", NOT_FOUND, "No such route, pipeline, block, run, trigger or file.";
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED,
        "The path does not take this method; the `Allow` header lists those it takes.";
    Conflict = "conflict", CONFLICT,
        "The change would make a duplicate of something stored, such as a name, or a second run of a streaming \
         pipeline that runs (the message names its run).";
    InvalidTransition = "invalid_transition", CONFLICT,
        "The run or block run cannot make this change from its status, such as cancelling a finished run or \
         stopping a stream that does not run.";
    FileChanged = "file_changed", CONFLICT, "The file changed since the version the request started from.";
    AlreadyExists = "already_exists", CONFLICT, "A file, block or pipeline of that name exists already.";
    Pruned = "pruned", GONE,
        "The run's block outputs or logs were deleted by the project's retention period; the run stays listed, \
         and the message says when and by which period.";
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE, "The body is larger than the server takes (8 MiB).";
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE,
        "The request changes state but its body is not declared `application/json`.";
    InvalidInput = "invalid_input", UNPROCESSABLE_ENTITY,
        "The body is JSON but not of the expected shape (a missing field, a field of the wrong type), or a value \
         in it or in a parameter is invalid.";
    InvalidPipeline = "invalid_pipeline", UNPROCESSABLE_ENTITY,
        "The pipeline's files do not describe a valid pipeline.";
    TooManyAttempts = "too_many_attempts", TOO_MANY_REQUESTS,
        "Too many failed sign-ins for this email or from this address; the message says when to try again.";
    Internal = "internal", INTERNAL_SERVER_ERROR, "An internal failure; the server log has the details.";
    ShuttingDown = "shutting_down", SERVICE_UNAVAILABLE,
        "The server is shutting down and could not finish the request; try again when it is back.";
}

impl ErrorCode {
    /// `codes` (which share a status), each with its meaning, for the API's documentation.
    pub(crate) fn describe(codes: &[ErrorCode]) -> String {
        codes
            .iter()
            .map(|row| format!("`{}`: {}", row.as_str(), row.meaning()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// In the OpenAPI document, a code is one of the table's strings, and its description is the table.
impl PartialSchema for ErrorCode {
    fn schema() -> RefOr<Schema> {
        let table: Vec<String> = ErrorCode::ALL
            .iter()
            .map(|row| {
                format!(
                    "- `{}` ({}): {}",
                    row.as_str(),
                    row.status().as_u16(),
                    row.meaning()
                )
            })
            .collect();
        Object::builder()
            .schema_type(SchemaType::Type(Type::String))
            .description(Some(format!(
                "Stable, snake_case; the status each code answers with is in brackets.\n{}",
                table.join("\n")
            )))
            .enum_values(Some(ErrorCode::ALL.iter().map(|row| row.as_str())))
            .into()
    }
}

impl ToSchema for ErrorCode {}

/// An error answer: its code (which gives its status) and a message for people.
#[derive(Debug)]
pub struct ApiError {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    #[schema(value_type = ErrorCode)]
    code: String,
    message: String,
}

impl ApiError {
    /// An answer with `code`, and the status the table gives it.
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InvalidInput, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Unauthorized, message)
    }

    /// The server stopped while the request waited for something (its channels closed): a 503, not the caller's
    /// mistake.
    pub fn shutting_down() -> ApiError {
        ApiError::new(ErrorCode::ShuttingDown, "the server is shutting down")
    }

    pub(crate) fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "request failed");
        ApiError::new(
            ErrorCode::Internal,
            "internal error; the server log has the details",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str().to_owned(),
                message: self.message,
            },
        };
        (self.code.status(), Json(body)).into_response()
    }
}

impl From<storage::StorageError> for ApiError {
    fn from(error: storage::StorageError) -> ApiError {
        use storage::StorageError as E;
        match error {
            E::RunNotFound(_)
            | E::TriggerNotFound(_)
            | E::BlockRunNotFound { .. }
            | E::UnknownSecret(_) => ApiError::not_found(error.to_string()),
            E::InvalidSecret(message) => ApiError::invalid(message),
            E::Conflict(message) => ApiError::new(ErrorCode::Conflict, message),
            E::Transition(transition) => {
                ApiError::new(ErrorCode::InvalidTransition, transition.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<project::ProjectError> for ApiError {
    fn from(error: project::ProjectError) -> ApiError {
        use project::ProjectError as E;
        match error {
            E::PipelineNotFound { .. } | E::FileNotFound { .. } => {
                ApiError::not_found(error.to_string())
            }
            E::OutsideProject { .. } => ApiError::new(ErrorCode::OutsideProject, error.to_string()),
            E::InvalidPath { .. } => ApiError::new(ErrorCode::InvalidPath, error.to_string()),
            // A path the file system refuses is the caller's mistake, whichever check let it through.
            E::Io { ref source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::InvalidFilename
                        | std::io::ErrorKind::NotADirectory
                        | std::io::ErrorKind::IsADirectory
                ) =>
            {
                ApiError::new(ErrorCode::InvalidPath, error.to_string())
            }
            E::NotText { .. } | E::InvalidName { .. } => ApiError::invalid(error.to_string()),
            E::FileChanged { .. } => ApiError::new(ErrorCode::FileChanged, error.to_string()),
            E::AlreadyExists { .. } => ApiError::new(ErrorCode::AlreadyExists, error.to_string()),
            E::Invalid(_) | E::Yaml { .. } => {
                ApiError::new(ErrorCode::InvalidPipeline, error.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<scheduler::SchedulerError> for ApiError {
    fn from(error: scheduler::SchedulerError) -> ApiError {
        match error {
            scheduler::SchedulerError::Storage(error) => error.into(),
            scheduler::SchedulerError::Project(error) => error.into(),
            error @ scheduler::SchedulerError::UnknownPipeline(_) => {
                ApiError::not_found(error.to_string())
            }
            error @ (scheduler::SchedulerError::Pruned { .. }
            | scheduler::SchedulerError::StreamRunning { .. }
            | scheduler::SchedulerError::StreamStopping { .. }) => {
                ApiError::new(ErrorCode::Conflict, error.to_string())
            }
            error @ scheduler::SchedulerError::StreamNotRunning(_) => {
                ApiError::new(ErrorCode::InvalidTransition, error.to_string())
            }
            error @ scheduler::SchedulerError::NotStreaming(_) => {
                ApiError::invalid(error.to_string())
            }
            error @ (scheduler::SchedulerError::UnknownBlock { .. }
            | scheduler::SchedulerError::InvalidTrigger(_)
            | scheduler::SchedulerError::Backfill(_)) => ApiError::invalid(error.to_string()),
            error @ scheduler::SchedulerError::BackfillNotFound(_) => {
                ApiError::not_found(error.to_string())
            }
            error @ scheduler::SchedulerError::BackfillState { .. } => {
                ApiError::new(ErrorCode::InvalidTransition, error.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_snake_case_and_named_once() {
        let mut seen = std::collections::BTreeSet::new();
        for row in ErrorCode::ALL {
            let code = row.as_str();
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "`{code}` is not snake_case"
            );
            assert!(seen.insert(code), "`{code}` is in the table twice");
            assert!(
                row.status().is_client_error() || row.status().is_server_error(),
                "`{code}` answers {}",
                row.status()
            );
        }
    }

    #[tokio::test]
    async fn an_error_answers_with_its_codes_status_and_shape() {
        let response = ApiError::shutting_down().into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "shutting_down", "message": "the server is shutting down"}})
        );
        for row in ErrorCode::ALL {
            assert_eq!(
                ApiError::new(*row, "m").into_response().status(),
                row.status()
            );
        }
    }

    #[test]
    fn the_openapi_schema_of_a_code_is_the_table() {
        let schema = serde_json::to_value(ErrorCode::schema()).unwrap();
        let listed: Vec<&str> = schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|code| code.as_str().unwrap())
            .collect();
        let table: Vec<&str> = ErrorCode::ALL.iter().map(|row| row.as_str()).collect();
        assert_eq!(listed, table);
        let description = schema["description"].as_str().unwrap();
        assert!(
            description.contains("- `shutting_down` (503): The server is shutting down"),
            "{description}"
        );
    }
}
