//! The editor's dbt reads: the models of the project's dbt projects (to add one as a block) and a model's lineage
//! from dbt's manifest (`project/src/dbt_catalog.rs`).

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// A model of one of the project's dbt projects.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DbtModelDto {
    /// The dbt project's folder, relative to the project (Mage's `dbt_project_name`).
    project: String,
    /// The model's file, relative to the project: what adding the block takes as `existing_file`.
    path: String,
    /// The model's name, as `ref()` names it.
    name: String,
}

/// A node next to a model in dbt's graph.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DbtNodeDto {
    unique_id: String,
    name: String,
    /// `model`, `source`, `seed`, `snapshot`, `test`, ...
    resource_type: String,
    /// Its file relative to the project, when it has one.
    path: Option<String>,
}

/// A model's parents and children in dbt's manifest, or why there are none to show.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DbtLineageDto {
    /// dbt's id of the model; absent with `note` when the manifest is missing or predates the model.
    unique_id: Option<String>,
    parents: Vec<DbtNodeDto>,
    children: Vec<DbtNodeDto>,
    /// When dbt wrote the manifest.
    generated_at: Option<String>,
    /// What to do when there is no lineage to show.
    note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct LineageQuery {
    /// The model's file, relative to the project (`dbt/shop/models/orders.sql`).
    path: String,
}

/// Every model of every dbt project in the project (folders holding `dbt_project.yml`), by path.
#[utoipa::path(get, path = "/dbt/models", tag = "dbt",
    responses((status = OK, body = Vec<DbtModelDto>)))]
pub(super) async fn models(
    State(state): State<AppState>,
) -> Result<Json<Vec<DbtModelDto>>, ApiError> {
    let project = state.project.clone();
    let models = tokio::task::spawn_blocking(move || project.dbt_models())
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(
        models
            .into_iter()
            .map(|model| DbtModelDto {
                project: model.project,
                path: model.path,
                name: model.name,
            })
            .collect(),
    ))
}

/// A model's parents and children, read from its dbt project's `target/manifest.json` (written by the editor's
/// "Compile & preview", or by `dbt compile` in the project).
#[utoipa::path(get, path = "/dbt/lineage", tag = "dbt", params(LineageQuery),
    responses((status = OK, body = DbtLineageDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn lineage(
    State(state): State<AppState>,
    Query(query): Query<LineageQuery>,
) -> Result<Json<DbtLineageDto>, ApiError> {
    let project = state.project.clone();
    let path = query.path.clone();
    let found = tokio::task::spawn_blocking(move || project.dbt_lineage(&path))
        .await
        .map_err(ApiError::internal)??;
    let node = |node: project::DbtNode| DbtNodeDto {
        unique_id: node.unique_id,
        name: node.name,
        resource_type: node.resource_type,
        path: node.path,
    };
    Ok(Json(match found {
        Some(lineage) => DbtLineageDto {
            unique_id: Some(lineage.unique_id),
            parents: lineage.parents.into_iter().map(node).collect(),
            children: lineage.children.into_iter().map(node).collect(),
            generated_at: lineage.generated_at,
            note: None,
        },
        None => DbtLineageDto {
            unique_id: None,
            parents: Vec::new(),
            children: Vec::new(),
            generated_at: None,
            note: Some(format!(
                "dbt's manifest does not know `{}` yet: press Preview on the model's cell (dbt compile, then \
                 dbt show), or run `dbt compile` in its dbt project, to see its parents and children",
                query.path
            )),
        },
    }))
}
