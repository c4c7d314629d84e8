//! Planning on 10,000 blocks: the `advance` rule that decides which block runs to queue next, as the scheduler
//! applies it after every finished block. Run with `cargo bench -p scheduler --bench advance`.

use std::collections::HashMap;

use criterion::{Criterion, criterion_group, criterion_main};
use model::{Block, BlockRunStatus, BlockType, Dag, RunSettings};

/// `count` blocks where block `i` has the parents `i - 1` and `i / 2`.
fn dag(count: usize) -> Dag {
    let blocks = (0..count)
        .map(|i| {
            let upstream = match i {
                0 => Vec::new(),
                1 => vec!["block_0".to_owned()],
                _ => vec![format!("block_{}", i - 1), format!("block_{}", i / 2)],
            };
            Block::new(&format!("block_{i}"), BlockType::Transformer, upstream)
        })
        .collect();
    Dag::new(blocks).expect("acyclic")
}

fn plan(c: &mut Criterion) {
    let dag = dag(10_000);
    // Halfway through the run: the first half completed, the next block is ready, the rest waits.
    let statuses: HashMap<String, BlockRunStatus> = dag
        .blocks()
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let status = if i < 5_000 {
                BlockRunStatus::Completed
            } else {
                BlockRunStatus::Initial
            };
            (block.uuid.clone(), status)
        })
        .collect();
    c.bench_function("advance_10k_blocks_half_done", |b| {
        b.iter(|| scheduler::advance(&dag, &statuses, &[], RunSettings::default()))
    });
    let mut failed = statuses.clone();
    failed.insert("block_4999".to_owned(), BlockRunStatus::Failed);
    c.bench_function("advance_10k_blocks_after_a_failure", |b| {
        b.iter(|| scheduler::advance(&dag, &failed, &[], RunSettings::default()))
    });
}

criterion_group!(benches, plan);
criterion_main!(benches);
