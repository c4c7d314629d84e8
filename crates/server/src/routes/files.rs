//! The project's files: tree, read, write with a version check, create, rename, delete; paths confined to the
//! project.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::audit::Note;
use crate::dto::{FileContentDto, FileEntryDto, FileWrite, NewFile, Rename};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, IntoParams)]
pub(super) struct PathQuery {
    /// Relative to the project folder.
    #[param(min_length = 1)]
    path: String,
}

#[utoipa::path(get, path = "/files", tag = "files", responses((status = OK, body = Vec<FileEntryDto>)))]
pub(super) async fn tree(
    State(state): State<AppState>,
) -> Result<Json<Vec<FileEntryDto>>, ApiError> {
    let entries = state.project.file_tree()?;
    Ok(Json(entries.into_iter().map(FileEntryDto::from).collect()))
}

#[utoipa::path(get, path = "/files/content", tag = "files", params(PathQuery),
    responses((status = OK, body = FileContentDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The file is not text")))]
pub(super) async fn read(
    State(state): State<AppState>,
    Query(query): Query<PathQuery>,
) -> Result<Json<FileContentDto>, ApiError> {
    Ok(Json(state.project.read_file(&query.path)?.into()))
}

/// Saves a file. Send the `version` you read: if the file changed on disk since, the answer is 409 `file_changed`
/// and nothing is written. Without a `version` the file must not exist yet.
#[utoipa::path(put, path = "/files/content", tag = "files", request_body = FileWrite,
    responses((status = OK, body = FileContentDto), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "A `version` was sent but the file does not exist"),
        (status = 409, body = ErrorBody)))]
pub(super) async fn write(
    State(state): State<AppState>,
    Json(input): Json<FileWrite>,
) -> Result<(Note, Json<FileContentDto>), ApiError> {
    let saved = state
        .project
        .write_file(&input.path, &input.content, input.version.as_deref())?;
    Ok((Note::object(&input.path), Json(saved.into())))
}

#[utoipa::path(post, path = "/files", tag = "files", request_body = NewFile,
    responses((status = CREATED), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<AppState>,
    Json(input): Json<NewFile>,
) -> Result<(Note, StatusCode), ApiError> {
    if input.is_dir {
        state.project.create_folder(&input.path)?;
    } else {
        state
            .project
            .write_file(&input.path, input.content.as_deref().unwrap_or(""), None)?;
    }
    let note = Note::object(&input.path).detail("folder", input.is_dir);
    Ok((note, StatusCode::CREATED))
}

#[utoipa::path(post, path = "/files/rename", tag = "files", request_body = Rename,
    responses((status = NO_CONTENT), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(super) async fn rename(
    State(state): State<AppState>,
    Json(input): Json<Rename>,
) -> Result<(Note, StatusCode), ApiError> {
    state.project.rename_file(&input.from, &input.to)?;
    let note = Note::object(&input.to).detail("from", input.from);
    Ok((note, StatusCode::NO_CONTENT))
}

#[utoipa::path(delete, path = "/files", tag = "files", params(PathQuery),
    responses((status = NO_CONTENT), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn remove(
    State(state): State<AppState>,
    Query(query): Query<PathQuery>,
) -> Result<(Note, StatusCode), ApiError> {
    state.project.delete_file(&query.path)?;
    Ok((Note::object(&query.path), StatusCode::NO_CONTENT))
}
