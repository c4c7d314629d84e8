//! The runs made for a global data product (`PipelineDefinition::global_data_product`), read through `RunStore`'s
//! run list: no query of its own, so both backends and their schema stay as they are.

use crate::{PipelineRun, RunFilter, RunStore, StorageError};

/// How many runs one page of the search reads.
const PAGE: i64 = 200;

/// The runs of `pipeline_uuid` made for product `product_uuid`, newest first, up to and including the
/// `completed`-th completed one (all of them when `completed` is `None`).
pub async fn global_data_product_runs(
    store: &dyn RunStore,
    pipeline_uuid: &str,
    product_uuid: &str,
    completed: Option<usize>,
) -> Result<Vec<PipelineRun>, StorageError> {
    let mut found = Vec::new();
    let mut completed_seen = 0;
    let mut before_id = None;
    loop {
        let page = store
            .runs(RunFilter {
                pipeline_uuid: Some(pipeline_uuid.to_owned()),
                before_id,
                limit: Some(PAGE),
                ..RunFilter::default()
            })
            .await?;
        let Some(last) = page.last() else {
            return Ok(found);
        };
        before_id = Some(last.id);
        let full = page.len() as i64 == PAGE;
        for run in page {
            if run.definition.global_data_product.as_deref() != Some(product_uuid) {
                continue;
            }
            let done = run.status == model::RunStatus::Completed;
            found.push(run);
            if done {
                completed_seen += 1;
                if completed.is_some_and(|wanted| completed_seen >= wanted) {
                    return Ok(found);
                }
            }
        }
        if !full {
            return Ok(found);
        }
    }
}
