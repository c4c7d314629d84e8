//! A pipeline whose blocks form a valid DAG: built once from checked input, then trusted everywhere.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use serde_json::{Map, Value};

use crate::{Block, DagError, RetryConfig};

/// A pipeline ready to run: its executable blocks form an acyclic graph by construction.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub uuid: String,
    pub name: String,
    /// Pipeline `variables`, the least specific layer of a block's kwargs.
    pub variables: Map<String, Value>,
    /// Pipeline-level retry settings, already merged over the project's.
    pub retry: RetryConfig,
    /// Mage's pipeline `concurrency_config`.
    pub concurrency: ConcurrencyConfig,
    /// Blocks that only live in the notebook (scratchpads, markdown, charts), in file order.
    pub notebook_blocks: Vec<Block>,
    pub dag: Dag,
    /// Mage's `type: streaming`: one long-lived run whose source block's process runs the whole tree.
    pub streaming: bool,
}

/// Mage's pipeline `concurrency_config`: limits on block runs within a run and on runs at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ConcurrencyConfig {
    /// At most this many blocks of one run run at once.
    pub block_run_limit: Option<u32>,
    /// At most this many runs of one trigger at once (a trigger's own limit wins).
    pub pipeline_run_limit: Option<u32>,
    /// At most this many runs of the pipeline at once, whatever their trigger.
    pub pipeline_run_limit_all_triggers: Option<u32>,
}

/// The executable blocks of a pipeline in topological order, with their edges.
#[derive(Debug, Clone)]
pub struct Dag {
    blocks: Vec<Block>,
    index: HashMap<String, usize>,
    downstream: Vec<Vec<usize>>,
}

impl Dag {
    /// Checks `blocks` (unique uuids, known parents, no cycle) and orders them so that parents come first;
    /// among independent blocks the given order is kept. Returns every problem found, not just the first.
    pub fn new(blocks: Vec<Block>) -> Result<Dag, Vec<DagError>> {
        let mut errors = Vec::new();
        let mut index = HashMap::new();
        let mut unique = Vec::with_capacity(blocks.len());
        for block in blocks {
            if index.contains_key(&block.uuid) {
                errors.push(DagError::DuplicateBlock(block.uuid.clone()));
                continue;
            }
            index.insert(block.uuid.clone(), unique.len());
            unique.push(block);
        }
        for block in &unique {
            for upstream in &block.upstream {
                if !index.contains_key(upstream) {
                    errors.push(DagError::UnknownUpstream {
                        block: block.uuid.clone(),
                        upstream: upstream.clone(),
                    });
                }
            }
        }
        let parents: Vec<Vec<usize>> = unique
            .iter()
            .map(|block| {
                let mut seen = HashSet::new();
                block
                    .upstream
                    .iter()
                    .filter_map(|uuid| index.get(uuid).copied())
                    .filter(|parent| seen.insert(*parent))
                    .collect()
            })
            .collect();
        let order = topological_order(&parents);
        if order.len() < unique.len() {
            errors.extend(find_cycles(&unique, &parents, &order));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut slots: Vec<Option<Block>> = unique.into_iter().map(Some).collect();
        let blocks: Vec<Block> = order
            .iter()
            .map(|&position| slots[position].take().expect("each block is placed once"))
            .collect();
        let index: HashMap<String, usize> = blocks
            .iter()
            .enumerate()
            .map(|(position, block)| (block.uuid.clone(), position))
            .collect();
        let mut downstream = vec![Vec::new(); blocks.len()];
        for (position, block) in blocks.iter().enumerate() {
            for upstream in &block.upstream {
                let parent = index[upstream];
                if !downstream[parent].contains(&position) {
                    downstream[parent].push(position);
                }
            }
        }
        Ok(Dag {
            blocks,
            index,
            downstream,
        })
    }

    /// The blocks, parents before children.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    pub fn get(&self, uuid: &str) -> Option<&Block> {
        self.index.get(uuid).map(|&position| &self.blocks[position])
    }

    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The direct children of a block, in topological order.
    pub fn downstream(&self, uuid: &str) -> Vec<&Block> {
        self.index
            .get(uuid)
            .map(|&position| {
                self.downstream[position]
                    .iter()
                    .map(|&child| &self.blocks[child])
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every block that depends on `uuid`, directly or not (not including itself).
    pub fn descendants(&self, uuid: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut queue: VecDeque<&Block> = self.downstream(uuid).into();
        while let Some(block) = queue.pop_front() {
            if found.insert(block.uuid.clone()) {
                queue.extend(self.downstream(&block.uuid));
            }
        }
        found
    }

    /// Every block that `uuid` depends on, directly or not (not including itself).
    pub fn ancestors(&self, uuid: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut queue: VecDeque<&str> = self
            .get(uuid)
            .map(|block| block.upstream.iter().map(String::as_str).collect())
            .unwrap_or_default();
        while let Some(parent) = queue.pop_front() {
            if found.insert(parent.to_owned())
                && let Some(block) = self.get(parent)
            {
                queue.extend(block.upstream.iter().map(String::as_str));
            }
        }
        found
    }
}

/// Kahn's algorithm, taking ready blocks in their original order; a short result means a cycle.
fn topological_order(parents: &[Vec<usize>]) -> Vec<usize> {
    let mut remaining: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut children = vec![Vec::new(); parents.len()];
    for (child, own) in parents.iter().enumerate() {
        for &parent in own {
            children[parent].push(child);
        }
    }
    let mut ready: BTreeSet<usize> = (0..parents.len()).filter(|&n| remaining[n] == 0).collect();
    let mut order = Vec::with_capacity(parents.len());
    while let Some(next) = ready.pop_first() {
        order.push(next);
        for &child in &children[next] {
            remaining[child] -= 1;
            if remaining[child] == 0 {
                ready.insert(child);
            }
        }
    }
    order
}

/// Names each cycle among the blocks that could not be ordered, as `a -> b -> a` (parent first).
fn find_cycles(blocks: &[Block], parents: &[Vec<usize>], ordered: &[usize]) -> Vec<DagError> {
    let ordered: HashSet<usize> = ordered.iter().copied().collect();
    let mut explained = HashSet::new();
    let mut cycles = Vec::new();
    for start in 0..blocks.len() {
        if ordered.contains(&start) || explained.contains(&start) {
            continue;
        }
        let mut path = Vec::new();
        let mut on_path = HashMap::new();
        let mut node = start;
        loop {
            if let Some(&position) = on_path.get(&node) {
                // Walked child to parent; show parent to child, starting at the first block in file order.
                let mut members: Vec<usize> = path[position..].iter().rev().copied().collect();
                let first = (0..members.len()).min_by_key(|&i| members[i]).unwrap_or(0);
                members.rotate_left(first);
                let mut cycle: Vec<String> =
                    members.iter().map(|&n| blocks[n].uuid.clone()).collect();
                cycle.push(cycle[0].clone());
                cycles.push(DagError::Cycle(cycle));
                break;
            }
            if explained.contains(&node) {
                break;
            }
            on_path.insert(node, path.len());
            path.push(node);
            let next = parents[node]
                .iter()
                .copied()
                .find(|parent| !ordered.contains(parent));
            match next {
                Some(parent) => node = parent,
                None => break,
            }
        }
        explained.extend(path);
    }
    cycles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BlockType;

    fn block(uuid: &str, upstream: &[&str]) -> Block {
        let upstream = upstream.iter().map(|u| (*u).to_owned()).collect();
        Block::new(uuid, BlockType::Transformer, upstream)
    }

    /// Builds a DAG from `name:parent,parent` specs and renders the order or the errors.
    fn check(spec: &[&str], expected: &str) {
        let blocks = spec
            .iter()
            .map(|line| {
                let (uuid, parents) = line.split_once(':').unwrap_or((line, ""));
                let parents: Vec<&str> = parents.split(',').filter(|p| !p.is_empty()).collect();
                block(uuid, &parents)
            })
            .collect();
        let rendered = match Dag::new(blocks) {
            Ok(dag) => dag
                .blocks()
                .iter()
                .map(|b| b.uuid.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            Err(errors) => errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        };
        assert_eq!(rendered, expected);
    }

    #[test]
    fn orders_parents_first_and_keeps_file_order_otherwise() {
        check(&["c:b", "b:a", "a"], "a b c");
        check(&["x", "y", "z:y,x"], "x y z");
        check(&["fan:a,b", "b", "a"], "b a fan");
    }

    #[test]
    fn names_every_block_of_a_cycle() {
        check(
            &["a:c", "b:a", "c:b", "d:c"],
            "blocks form a cycle: a -> b -> c -> a; remove one of these dependencies",
        );
        check(
            &["self:self"],
            "blocks form a cycle: self -> self; remove one of these dependencies",
        );
    }

    #[test]
    fn reports_unknown_parents_and_duplicates_together() {
        check(
            &["a", "a", "b:ghost"],
            "block `a` is defined more than once; give each block a unique uuid\n\
             block `b` names upstream block `ghost`, which is not in the pipeline; add that block or remove it from `upstream_blocks`",
        );
    }

    #[test]
    fn ancestors_and_descendants() {
        let dag = Dag::new(vec![
            block("a", &[]),
            block("b", &["a"]),
            block("c", &["b"]),
            block("d", &["a"]),
        ])
        .unwrap();
        assert_eq!(
            dag.descendants("a").into_iter().collect::<Vec<_>>(),
            ["b", "c", "d"]
        );
        assert_eq!(
            dag.ancestors("c").into_iter().collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            dag.downstream("a")
                .iter()
                .map(|b| b.uuid.as_str())
                .collect::<Vec<_>>(),
            ["b", "d"]
        );
    }
}
