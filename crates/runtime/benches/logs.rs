//! Log ingestion: decoding the Python supervisor's log messages and writing them to a block's log file, as the
//! runtime's reader of the supervisor does for every printed line, then reading the stored lines back as the log API
//! does. Run with `cargo bench -p runtime`.

use std::io::{BufRead, BufReader};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use runtime::{FileSink, LogSink, SupervisorMessage, decode_supervisor_message, parse_log_line};

const LINES: usize = 10_000;

/// What the Python supervisor writes for `LINES` printed lines of a typical length.
fn messages() -> Vec<String> {
    (0..LINES)
        .map(|i| {
            serde_json::json!({
                "event": "log",
                "id": 7,
                "stream": if i % 10 == 0 { "stderr" } else { "stdout" },
                "line": format!("row {i}: loaded 1000 records from s3://bucket/key-{i}.csv in 0.{i:03}s"),
                "ts": 1_795_000_000.0 + i as f64 / 1000.0,
            })
            .to_string()
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let messages = messages();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("log_ingestion");
    group.throughput(Throughput::Elements(LINES as u64));
    group.bench_function("decode_10k_messages", |b| {
        b.iter(|| {
            messages
                .iter()
                .filter(|message| {
                    matches!(
                        decode_supervisor_message(message),
                        Ok(SupervisorMessage::Log { .. })
                    )
                })
                .count()
        })
    });
    let path = dir.path().join("block.log");
    group.bench_function("decode_and_write_10k_lines", |b| {
        b.iter(|| {
            let _ = std::fs::remove_file(&path);
            let sink = FileSink::create(&path).expect("log file");
            for message in &messages {
                if let Ok(SupervisorMessage::Log { line, .. }) = decode_supervisor_message(message)
                {
                    sink.line(line);
                }
            }
        })
    });
    group.bench_function("read_back_10k_lines", |b| {
        b.iter(|| {
            let file = std::fs::File::open(&path).expect("log file");
            BufReader::new(file)
                .lines()
                .map(|line| parse_log_line(&line.expect("line")).2.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
