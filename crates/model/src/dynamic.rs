//! Mage's dynamic blocks: which blocks fan out, and the instances (child block runs) a dynamic child gets once its
//! parents are done, with where each instance's inputs come from. Pure: the scheduler supplies the parents' item
//! counts and the instances they already have.
//!
//! The rules follow Mage 0.9.80's server (fixtures/mage_dynamic/ORACLE.md, R1 to R5): a block with
//! `configuration.dynamic: true` returns `[items]`, `[items, metadata]` or a DataFrame; each block below it (a
//! "dynamic child") runs once per item, as `child:<suffix>` where the suffix is the item's metadata `block_uuid` or
//! its index; children of a dynamic child that does not reduce are dynamic children again (one per instance, named
//! by index only); `reduce_output: true` on a dynamic child gives the block below it one list of every instance's
//! output. Several fanning parents give their product, the first parent varying slowest. Where Mage loses data
//! (nested dynamic blocks, colliding names) Wand gives every combination its own instance.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::Block;

/// What a dynamic block's output holds, as the runtime reports it when it stores the output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynamicItems {
    /// How many items (children) it fans out to.
    pub count: usize,
    /// Per item, the `block_uuid` of its metadata when it has one (the child's name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<Option<String>>,
}

/// Where an instance's argument at one upstream position comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The parent's whole output (an ordinary parent, or the list a reducing child gathers).
    Whole,
    /// Item `index` of a dynamic parent's items (its metadata entry `index` joins the kwargs).
    Item { index: usize },
    /// The output of the parent's instance `uuid` (a chain of dynamic children).
    Instance { uuid: String },
    /// Item `index` of what the parent's instance `uuid` returned (that parent is dynamic itself).
    InstanceItem { uuid: String, index: usize },
}

/// A child block run of a dynamic child: which block it runs, its `dynamic_block_index`, and its inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynamicInstance {
    /// The block of the pipeline it runs (its block run is named `<block>:<suffix>`).
    pub block: String,
    pub index: usize,
    /// One per upstream block, in `upstream_blocks` order.
    pub sources: Vec<Source>,
}

/// One fanning (or whole) upstream of a dynamic child, as `plan_instances` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axis {
    /// The sources it offers, in index order (`[Source::Whole]` for a parent that does not fan out).
    pub sources: Vec<Source>,
    /// The metadata name of each source (only a dynamic parent's own items have them).
    pub names: Vec<Option<String>>,
}

impl Axis {
    pub fn whole() -> Axis {
        Axis {
            sources: vec![Source::Whole],
            names: Vec::new(),
        }
    }
}

impl Block {
    /// Mage's `configuration.dynamic: true`: every block below it runs once per item of its output.
    pub fn is_dynamic(&self) -> bool {
        self.configuration.get("dynamic") == Some(&serde_json::Value::Bool(true))
    }

    /// Mage's `configuration.reduce_output: true` on a dynamic child: the block below gets one list of every
    /// instance's output.
    pub fn reduces_output(&self) -> bool {
        self.configuration.get("reduce_output") == Some(&serde_json::Value::Bool(true))
    }
}

/// Which blocks of a pipeline are dynamic children, given its blocks parents first: a block is one when a parent
/// fans out to it (a dynamic block, or a dynamic child that does not reduce its output; Mage's
/// `is_dynamic_block_child`).
pub fn dynamic_children<'a>(blocks: impl IntoIterator<Item = &'a Block>) -> HashSet<String> {
    let blocks: Vec<&Block> = blocks.into_iter().collect();
    let mut children = HashSet::new();
    // Nothing is dynamic without a dynamic block: most pipelines stop here.
    if !blocks.iter().any(|block| block.is_dynamic()) {
        return children;
    }
    let by_uuid: std::collections::HashMap<&str, &Block> = blocks
        .iter()
        .map(|block| (block.uuid.as_str(), *block))
        .collect();
    for block in &blocks {
        let fanned = block.upstream.iter().any(|parent| {
            by_uuid
                .get(parent.as_str())
                .is_some_and(|parent| fans_out(parent, &children))
        });
        if fanned {
            children.insert(block.uuid.clone());
        }
    }
    children
}

/// Whether `parent` fans out to the blocks below it, given the dynamic children known so far.
pub fn fans_out(parent: &Block, children: &HashSet<String>) -> bool {
    (parent.is_dynamic() || children.contains(&parent.uuid)) && !parent.reduces_output()
}

/// The instances of dynamic child `block`, one per combination of its axes' sources (the product, the first axis
/// varying slowest): their block-run names and inputs. An axis without sources (a parent with no items) gives none.
/// A name is `<block>:<suffix>`, the suffix the last metadata name of the combination or else its index; a name
/// taken already gets the index instead (Mage would skip that combination).
pub fn plan_instances(block: &str, axes: &[Axis]) -> Vec<(String, DynamicInstance)> {
    let total: usize = axes.iter().map(|axis| axis.sources.len()).product();
    let mut taken = HashSet::new();
    let mut instances = Vec::with_capacity(total);
    for index in 0..total {
        let mut rest = index;
        let mut picks = vec![0; axes.len()];
        for (position, axis) in axes.iter().enumerate().rev() {
            picks[position] = rest % axis.sources.len();
            rest /= axis.sources.len();
        }
        let named = axes
            .iter()
            .zip(&picks)
            .filter_map(|(axis, pick)| axis.names.get(*pick).cloned().flatten())
            .rfind(|name| !name.is_empty());
        let mut name = format!("{block}:{}", named.unwrap_or_else(|| index.to_string()));
        if !taken.insert(name.clone()) {
            name = format!("{block}:{index}");
            let mut extra = 1;
            while !taken.insert(name.clone()) {
                name = format!("{block}:{index}_{extra}");
                extra += 1;
            }
        }
        let sources = axes
            .iter()
            .zip(&picks)
            .map(|(axis, pick)| axis.sources[*pick].clone())
            .collect();
        instances.push((
            name,
            DynamicInstance {
                block: block.to_owned(),
                index,
                sources,
            },
        ));
    }
    instances
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::BlockType;

    fn items(count: usize, names: &[Option<&str>]) -> Axis {
        Axis {
            sources: (0..count).map(|index| Source::Item { index }).collect(),
            names: names.iter().map(|n| n.map(str::to_owned)).collect(),
        }
    }

    fn named(instances: &[(String, DynamicInstance)]) -> Vec<&str> {
        instances.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// Names as Mage's server gave them (fixtures/mage_dynamic/ORACLE.md): the metadata's block_uuid, else the
    /// index (dyn_basic `square:a..c`, items_only `echo_item:0..2`, short_meta `echo_item:only, :1, :2`).
    #[test]
    fn instances_are_named_by_metadata_or_index() {
        let abc = plan_instances("square", &[items(3, &[Some("a"), Some("b"), Some("c")])]);
        assert_eq!(named(&abc), ["square:a", "square:b", "square:c"]);
        assert_eq!(abc[1].1.sources, [Source::Item { index: 1 }]);
        let plain = plan_instances("echo_item", &[items(3, &[])]);
        assert_eq!(named(&plain), ["echo_item:0", "echo_item:1", "echo_item:2"]);
        let short = plan_instances("echo_item", &[items(3, &[Some("only")])]);
        assert_eq!(
            named(&short),
            ["echo_item:only", "echo_item:1", "echo_item:2"]
        );
        assert!(plan_instances("none", &[items(0, &[])]).is_empty());
    }

    /// Two dynamic parents give their product, the first varying slowest (Mage's `cross:0..5` got (1,x), (1,y),
    /// (2,x), ...); a whole parent is passed to every instance. Colliding names (Mage drops the later ones) fall back
    /// to the index.
    #[test]
    fn several_parents_give_their_product() {
        let plan = plan_instances("cross", &[items(3, &[]), Axis::whole(), items(2, &[])]);
        let sources: Vec<_> = plan.iter().map(|(_, i)| i.sources.clone()).collect();
        assert_eq!(plan.len(), 6);
        assert_eq!(
            sources[3],
            [
                Source::Item { index: 1 },
                Source::Whole,
                Source::Item { index: 1 }
            ]
        );
        let collide = plan_instances(
            "cross",
            &[
                items(2, &[Some("p"), Some("q")]),
                items(2, &[Some("x"), Some("y")]),
            ],
        );
        assert_eq!(
            named(&collide),
            ["cross:x", "cross:y", "cross:2", "cross:3"]
        );
    }

    #[test]
    fn dynamic_children_follow_fanning_parents_until_a_reduce() {
        let block = |uuid: &str, upstream: &[&str], configuration| Block {
            configuration,
            ..Block::new(
                uuid,
                BlockType::Transformer,
                upstream.iter().map(|u| (*u).to_owned()).collect(),
            )
        };
        let blocks = [
            block("source", &[], json!({"dynamic": true})),
            block("step1", &["source"], json!(null)),
            block("step2", &["step1"], json!({"reduce_output": true})),
            block("collect", &["step2"], json!(null)),
            block("side", &[], json!(null)),
        ];
        let mut children: Vec<String> = dynamic_children(&blocks).into_iter().collect();
        children.sort();
        assert_eq!(children, ["step1", "step2"]);
    }
}
