//! Block outputs: the schema and first rows of a table (read in Rust, no Python), the value of a JSON output.

use std::path::Path;

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use model::{BlockOutputs, OutputKind, StoredOutput};
use serde_json::Value;

use crate::dto::{ColumnDto, OutputDto, TablePreviewDto};
use crate::error::ErrorBody;
use crate::masking::{self, Masked};
use crate::{ApiError, AppState};

/// Rows shown in a table preview.
const PREVIEW_ROWS: usize = 100;
/// JSON outputs larger than this are not sent whole.
const MAX_JSON_BYTES: u64 = 1024 * 1024;

#[utoipa::path(get, path = "/runs/{id}/outputs/{block_uuid}", tag = "runs",
    params(("id" = i64, Path, description = "Run id"), ("block_uuid" = String, Path, description = "Block uuid")),
    responses((status = OK, body = Vec<OutputDto>), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub(super) async fn outputs(
    State(state): State<AppState>,
    UrlPath((id, block_uuid)): UrlPath<(i64, String)>,
) -> Result<Json<Vec<OutputDto>>, ApiError> {
    super::retention::check_outputs(&state, id).await?;
    let block_run = state
        .store
        .block_runs_for(id, std::slice::from_ref(&block_uuid), &[])
        .await?
        .into_iter()
        .find(|b| b.block_uuid == block_uuid)
        .ok_or_else(|| ApiError::not_found(format!("run {id} has no block `{block_uuid}`")))?;
    let stored = block_run.outputs.ok_or_else(|| {
        ApiError::not_found(format!(
            "block `{block_uuid}` of run {id} has no output (yet)"
        ))
    })?;
    let mask = masking::current(&state).await?;
    Ok(Json(describe(&state, &stored).await.masked(&mask)))
}

/// Describes each stored output of a block run, fetching outputs written on other machines first.
pub(crate) async fn describe(state: &AppState, stored: &BlockOutputs) -> Vec<OutputDto> {
    let mut stored = stored.clone();
    if let Err(error) = state.outputs.localize(&mut stored).await {
        tracing::warn!(%error, "an output is not readable here; it is listed without its content");
    }
    let data_dir = state.data_dir.as_path();
    stored
        .outputs
        .iter()
        .map(|output| describe_one(data_dir, output))
        .collect()
}

fn describe_one(data_dir: &Path, output: &StoredOutput) -> OutputDto {
    // Only files in this data folder are read.
    let file = output
        .path
        .as_deref()
        .map(Path::new)
        .filter(|path| path.starts_with(data_dir));
    let table = file
        .filter(|_| output.kind == OutputKind::Arrow)
        .and_then(|path| runtime::preview_table(path, PREVIEW_ROWS).ok())
        .map(|preview| TablePreviewDto {
            columns: preview
                .columns
                .into_iter()
                .map(|(name, data_type)| ColumnDto { name, data_type })
                .collect(),
            rows: preview.rows,
            total_rows: preview.total_rows,
        });
    let value = output.inline_value().or_else(|| {
        file.filter(|path| {
            output.kind == OutputKind::Json
                && std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_JSON_BYTES)
        })
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    });
    OutputDto {
        name: output.name.clone(),
        python_type: output
            .details
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        kind: output.kind.as_str().to_owned(),
        table,
        value,
    }
}
