//! A block's add-ons (Mage's conditionals and callbacks) from the editor: attach a new or existing one, detach one.
//! Their code is read and written through the block code routes, which know add-ons too.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use model::BlockType;

use crate::audit::Note;
use crate::dto::{AddonInput, PipelineDetail};
use crate::error::ErrorBody;
use crate::routes::pipelines::describe;
use crate::{ApiError, AppState};

/// Attaches a conditional or callback to a block: a new one (`type` and `name`) written as Mage writes it, or one
/// the pipeline has (`addon`).
#[utoipa::path(post, path = "/pipelines/{uuid}/blocks/{block}/addons", tag = "blocks",
    params(("uuid" = String, Path, description = "Pipeline"), ("block" = String, Path, description = "Block uuid")),
    request_body = AddonInput,
    responses((status = CREATED, body = PipelineDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn attach(
    State(state): State<AppState>,
    Path((uuid, block)): Path<(String, String)>,
    Json(input): Json<AddonInput>,
) -> Result<(StatusCode, Note, Json<PipelineDetail>), ApiError> {
    let addon = match (input.addon, input.name, input.kind.as_deref()) {
        (Some(addon), None, _) => {
            state.project.attach_addon(&uuid, &block, &addon)?;
            addon
        }
        (None, Some(name), Some(kind)) => {
            let kind = match kind {
                "conditional" => BlockType::Conditional,
                "callback" => BlockType::Callback,
                other => {
                    return Err(ApiError::invalid(format!(
                        "`{other}` is not an add-on type; use `conditional` or `callback`"
                    )));
                }
            };
            state.project.add_addon(&uuid, &block, kind, &name)?
        }
        _ => {
            return Err(ApiError::invalid(
                "give `type` and `name` for a new add-on, or `addon` for one the pipeline has"
                    .to_owned(),
            ));
        }
    };
    Ok((
        StatusCode::CREATED,
        Note::object(addon),
        Json(describe(&state, &uuid)?),
    ))
}

/// Detaches a conditional or callback from a block; attached to no block, it leaves the pipeline (its file stays).
#[utoipa::path(delete, path = "/pipelines/{uuid}/blocks/{block}/addons/{addon}", tag = "blocks",
    params(("uuid" = String, Path, description = "Pipeline"), ("block" = String, Path, description = "Block uuid"),
        ("addon" = String, Path, description = "The add-on's uuid")),
    responses((status = OK, body = PipelineDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn detach(
    State(state): State<AppState>,
    Path((uuid, block, addon)): Path<(String, String, String)>,
) -> Result<Json<PipelineDetail>, ApiError> {
    state.project.detach_addon(&uuid, &block, &addon)?;
    Ok(Json(describe(&state, &uuid)?))
}
