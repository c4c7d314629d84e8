//! The project's global data products (`global_data_products.yaml`) with their freshness, read only: the file
//! through `project`, the runs made for each product through `storage`, and Mage's rule through `model`.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use model::RunStatus;
use serde_json::{Map, Value};

use crate::dto::{
    GlobalDataProductDto, GlobalDataProductPage, OutdatedAfterDto, ProductBlockDto, ProductRunDto,
};
use crate::{ApiError, AppState};

/// Every valid product of the file with its newest run, its newest completed run and whether a consumer would
/// run it now; the file's problems as text. Empty when the project has no such file.
#[utoipa::path(get, path = "/global_data_products", tag = "global_data_products",
    responses((status = OK, body = GlobalDataProductPage)))]
pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<GlobalDataProductPage>, ApiError> {
    let found = project::GlobalDataProducts::read(state.project.root());
    let now = Utc::now();
    let mut products = Vec::new();
    for product in found.products {
        let runs = storage::global_data_product_runs(
            state.store.as_ref(),
            &product.object_uuid,
            &product.uuid,
            Some(1),
        )
        .await?;
        let completed = runs.iter().find(|run| run.status == RunStatus::Completed);
        let freshness = product.freshness(completed.map(|run| run.execution_date), now);
        let run_dto = |run: &storage::PipelineRun| ProductRunDto {
            id: run.id,
            status: run.status,
            execution_date: run.execution_date,
            completed_at: run.completed_at,
        };
        products.push(GlobalDataProductDto {
            last_run: runs.first().map(run_dto),
            last_completed_run: completed.map(run_dto),
            outdated: freshness.outdated,
            outdated_at: freshness.outdated_at,
            reason: freshness.reason,
            outdated_after: product.outdated_after.map(|delta| OutdatedAfterDto {
                years: delta.years,
                months: delta.months,
                weeks: delta.weeks,
                seconds: delta.seconds,
            }),
            outdated_starting_at: product
                .outdated_starting_at
                .iter()
                .map(|(key, value)| (key.clone(), Value::from(*value)))
                .collect::<Map<String, Value>>(),
            blocks: product
                .blocks
                .iter()
                .map(|block| ProductBlockDto {
                    uuid: block.uuid.clone(),
                    partitions: block.partitions,
                })
                .collect(),
            uuid: product.uuid,
            object_type: product.object_type,
            object_uuid: product.object_uuid,
        });
    }
    Ok(Json(GlobalDataProductPage {
        products,
        problems: found.diagnostics.iter().map(ToString::to_string).collect(),
    }))
}
