//! API errors: a status, a stable snake_case code and a message, rendered as `{"error": {"code", "message"}}`.
//! Internal errors are logged once here and shown as a generic 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    /// Stable, snake_case: `not_found`, `invalid_input`, `conflict`, `invalid_pipeline`, `unauthorized`, `internal`.
    code: String,
    message: String,
}

impl ApiError {
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_input",
            message: message.into(),
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: message.into(),
        }
    }

    fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "request failed");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "internal error; the server log has the details".to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<storage::StorageError> for ApiError {
    fn from(error: storage::StorageError) -> ApiError {
        use storage::StorageError as E;
        match error {
            E::RunNotFound(_) | E::TriggerNotFound(_) | E::BlockRunNotFound { .. } => {
                ApiError::not_found(error.to_string())
            }
            E::Conflict(message) => ApiError {
                status: StatusCode::CONFLICT,
                code: "conflict",
                message,
            },
            E::Transition(transition) => ApiError {
                status: StatusCode::CONFLICT,
                code: "invalid_transition",
                message: transition.to_string(),
            },
            other => ApiError::internal(other),
        }
    }
}

impl From<project::ProjectError> for ApiError {
    fn from(error: project::ProjectError) -> ApiError {
        use project::ProjectError as E;
        let conflict = |code, message| ApiError {
            status: StatusCode::CONFLICT,
            code,
            message,
        };
        match error {
            E::PipelineNotFound { .. } | E::FileNotFound { .. } => {
                ApiError::not_found(error.to_string())
            }
            E::OutsideProject { .. } => ApiError {
                status: StatusCode::BAD_REQUEST,
                code: "outside_project",
                message: error.to_string(),
            },
            E::InvalidPath { .. } => ApiError {
                status: StatusCode::BAD_REQUEST,
                code: "invalid_path",
                message: error.to_string(),
            },
            // A path the file system refuses is the caller's mistake, whichever check let it through.
            E::Io { ref source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::InvalidFilename
                        | std::io::ErrorKind::NotADirectory
                        | std::io::ErrorKind::IsADirectory
                ) =>
            {
                ApiError {
                    status: StatusCode::BAD_REQUEST,
                    code: "invalid_path",
                    message: error.to_string(),
                }
            }
            E::NotText { .. } | E::InvalidName { .. } => ApiError::invalid(error.to_string()),
            E::FileChanged { .. } => conflict("file_changed", error.to_string()),
            E::AlreadyExists { .. } => conflict("already_exists", error.to_string()),
            E::Invalid(_) | E::Yaml { .. } => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "invalid_pipeline",
                message: error.to_string(),
            },
            other => ApiError::internal(other),
        }
    }
}

impl From<scheduler::SchedulerError> for ApiError {
    fn from(error: scheduler::SchedulerError) -> ApiError {
        match error {
            scheduler::SchedulerError::Storage(error) => error.into(),
            scheduler::SchedulerError::Project(error) => error.into(),
            error @ scheduler::SchedulerError::UnknownBlock { .. } => {
                ApiError::invalid(error.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}
