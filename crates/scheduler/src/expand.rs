//! Expanding a dynamic child: from its parents' block runs (a dynamic parent's item count and names, a fanning
//! parent's instances) to the instances to create, with where each one's inputs come from (`model::plan_instances`).

use model::{Axis, Block, BlockRunStatus, PipelineDefinition, Source};
use storage::{BlockRun, NewInstance};

/// More instances than this for one block fail it: a run that large is a mistake in the dynamic block's output
/// (Mage has no limit; its server took 488 s for 1,000).
pub(crate) const MAX_INSTANCES: usize = 100_000;

/// The instances of dynamic child `block` in a run whose block runs are `block_runs`, or why it cannot expand (the
/// message becomes its block run's error).
pub(crate) fn instances_of(
    definition: &PipelineDefinition,
    block: &Block,
    block_runs: &[BlockRun],
) -> Result<Vec<NewInstance>, String> {
    let children = model::dynamic_children(&definition.blocks);
    let mut axes = Vec::with_capacity(block.upstream.len());
    for parent_uuid in &block.upstream {
        let Some(parent) = definition.block(parent_uuid) else {
            axes.push(Axis::whole());
            continue;
        };
        if !model::fans_out(parent, &children) {
            axes.push(Axis::whole());
            continue;
        }
        let axis = if children.contains(parent_uuid) {
            instance_axis(parent, block_runs)
        } else {
            let own = block_runs.iter().find(|run| run.block_uuid == *parent_uuid);
            let items = own
                .and_then(|run| run.outputs.as_ref())
                .and_then(|outputs| outputs.dynamic.as_ref())
                .ok_or_else(|| unknown_items(parent_uuid))?;
            Axis {
                sources: (0..items.count)
                    .map(|index| Source::Item { index })
                    .collect(),
                names: items.names.clone(),
            }
        };
        axes.push(axis);
    }
    let total = axes
        .iter()
        .try_fold(1usize, |total, axis| total.checked_mul(axis.sources.len()));
    if total.is_none_or(|total| total > MAX_INSTANCES) {
        return Err(format!(
            "block `{}` would run more than {MAX_INSTANCES} times (the product of its dynamic parents' items); \
             return fewer items",
            block.uuid
        ));
    }
    let skipped = |uuid: &str| {
        block_runs
            .iter()
            .any(|run| run.block_uuid == uuid && run.status == BlockRunStatus::ConditionFailed)
    };
    Ok(model::plan_instances(&block.uuid, &axes)
        .into_iter()
        .map(|(uuid, dynamic)| {
            // Below an instance whose conditional did not hold, as below any skipped block: skipped too.
            let below_skipped = dynamic.sources.iter().any(|source| match source {
                Source::Instance { uuid } | Source::InstanceItem { uuid, .. } => skipped(uuid),
                Source::Whole | Source::Item { .. } => false,
            });
            NewInstance {
                uuid,
                dynamic,
                worker_tag: block.worker_tag.clone(),
                status: if below_skipped {
                    BlockRunStatus::ConditionFailed
                } else {
                    BlockRunStatus::Initial
                },
            }
        })
        .collect())
}

/// The sources a fanning dynamic child offers the block below: each of its instances in index order, or for one
/// that is dynamic itself, every item of every instance.
fn instance_axis(parent: &Block, block_runs: &[BlockRun]) -> Axis {
    let mut instances: Vec<&BlockRun> = block_runs
        .iter()
        .filter(|run| run.origin.as_deref() == Some(parent.uuid.as_str()))
        .collect();
    instances.sort_by_key(|run| run.dynamic.as_ref().map_or(0, |d| d.index));
    let mut sources = Vec::new();
    for run in instances {
        if parent.is_dynamic() {
            let items = run
                .outputs
                .as_ref()
                .and_then(|outputs| outputs.dynamic.as_ref())
                .map_or(0, |items| items.count);
            sources.extend((0..items).map(|index| Source::InstanceItem {
                uuid: run.block_uuid.clone(),
                index,
            }));
        } else {
            sources.push(Source::Instance {
                uuid: run.block_uuid.clone(),
            });
        }
    }
    Axis {
        sources,
        names: Vec::new(),
    }
}

fn unknown_items(parent: &str) -> String {
    format!(
        "dynamic block `{parent}` left no count of its items (its output was stored before it was dynamic); \
         run it again"
    )
}

/// The dynamic children among `blocks` (whose instances a retry drops: they expand again).
pub(crate) fn dynamic_among(definition: &PipelineDefinition, blocks: &[String]) -> Vec<String> {
    let children = model::dynamic_children(&definition.blocks);
    blocks
        .iter()
        .filter(|block| children.contains(*block))
        .cloned()
        .collect()
}
