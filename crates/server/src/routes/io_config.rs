//! The project's `io_config.yaml`, read only: the names of its profiles (what a SQL block's
//! `data_provider_profile` picks from). It never shows the settings themselves, which may hold secrets.

use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::dto::IoConfigProfileDto;

/// The profiles of the project's `io_config.yaml` in the file's order, each with the SQL providers it has settings
/// for; empty when the project has no such file.
#[utoipa::path(get, path = "/io_config/profiles", tag = "io_config",
    responses((status = OK, body = Vec<IoConfigProfileDto>)))]
pub(super) async fn profiles(State(state): State<AppState>) -> Json<Vec<IoConfigProfileDto>> {
    // A project without the file (or with one it cannot read) has no profile to pick; SQL blocks say so at load.
    let text =
        std::fs::read_to_string(state.project.root().join("io_config.yaml")).unwrap_or_default();
    Json(
        project::io_config_profiles(&text)
            .into_iter()
            .map(|name| IoConfigProfileDto {
                providers: project::io_config_providers(&text, &name),
                name,
            })
            .collect(),
    )
}
