//! DAG validation on 10,000 blocks: `Dag::new` checks uuids and parents, finds cycles and orders the blocks.
//! Run with `cargo bench -p model`; it must not touch files or the clock.

use criterion::{Criterion, criterion_group, criterion_main};
use model::{Block, BlockType, Dag};

/// `count` blocks where block `i` has the parents `i - 1` and `i / 2`: a long chain with fan-in everywhere.
fn blocks(count: usize) -> Vec<Block> {
    (0..count)
        .map(|i| {
            let upstream = match i {
                0 => Vec::new(),
                1 => vec!["block_0".to_owned()],
                _ => vec![format!("block_{}", i - 1), format!("block_{}", i / 2)],
            };
            Block::new(&format!("block_{i}"), BlockType::Transformer, upstream)
        })
        .collect()
}

fn validate(c: &mut Criterion) {
    let input = blocks(10_000);
    c.bench_function("dag_new_10k_blocks", |b| {
        b.iter_batched(
            || input.clone(),
            |blocks| Dag::new(blocks).expect("acyclic"),
            criterion::BatchSize::LargeInput,
        )
    });
    let dag = Dag::new(input).expect("acyclic");
    c.bench_function("dag_descendants_of_root_10k_blocks", |b| {
        b.iter(|| dag.descendants("block_0"))
    });
}

criterion_group!(benches, validate);
criterion_main!(benches);
