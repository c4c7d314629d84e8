//! Planning on 10,000 blocks, and on a fan-out of 10,000 dynamic children: the `advance` rule that decides which
//! block runs to queue next, as the scheduler applies it after every finished block. Run with
//! `cargo bench -p scheduler --bench advance`.

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
        b.iter(|| {
            scheduler::advance(
                &dag,
                &statuses,
                &scheduler::Instances::default(),
                RunSettings::default(),
            )
        })
    });
    let mut failed = statuses.clone();
    failed.insert("block_4999".to_owned(), BlockRunStatus::Failed);
    c.bench_function("advance_10k_blocks_after_a_failure", |b| {
        b.iter(|| {
            scheduler::advance(
                &dag,
                &failed,
                &scheduler::Instances::default(),
                RunSettings::default(),
            )
        })
    });
}

/// A dynamic block, a child with 10,000 instances halfway done (the rest queued), and a block gathering them.
fn fan_out(c: &mut Criterion) {
    let block = |uuid: &str, upstream: &[&str], configuration| Block {
        configuration,
        ..Block::new(
            uuid,
            BlockType::Transformer,
            upstream.iter().map(|u| (*u).to_owned()).collect(),
        )
    };
    let dag = Dag::new(vec![
        block("source", &[], serde_json::json!({"dynamic": true})),
        block(
            "child",
            &["source"],
            serde_json::json!({"reduce_output": true}),
        ),
        block("collect", &["child"], serde_json::Value::Null),
    ])
    .expect("acyclic");
    let statuses: HashMap<String, BlockRunStatus> = [
        ("source", BlockRunStatus::Completed),
        ("child", BlockRunStatus::Completed),
        ("collect", BlockRunStatus::Initial),
    ]
    .iter()
    .map(|(uuid, status)| ((*uuid).to_owned(), *status))
    .collect();
    let instances = scheduler::Instances {
        counts: HashMap::from([(
            "child".to_owned(),
            HashMap::from([
                (BlockRunStatus::Completed, 5_000),
                (BlockRunStatus::Queued, 5_000),
            ]),
        )]),
        waiting: Vec::new(),
    };
    c.bench_function("advance_10k_dynamic_children_half_done", |b| {
        b.iter(|| scheduler::advance(&dag, &statuses, &instances, RunSettings::default()))
    });
}

criterion_group!(benches, plan, fan_out);
criterion_main!(benches);
