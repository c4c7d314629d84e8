//! Block logs at their limits, through `wand start`: a line far over 64 KiB is cut with a marker, a log is read in
//! bounded pages, and live followers that fall behind resume where they were.

use std::io::{BufRead, BufReader};
use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{RunningServer, finished};
use crate::support::{Sandbox, read_text};

const LONG_LINE: &str = r#"if 'custom' not in globals():
    from mage_ai.data_preparation.decorators import custom


@custom
def long_line(*args, **kwargs):
    print('x' * 20_000_000)
    print('after the long line')
    return 1
"#;

const CHATTY: &str = r#"if 'custom' not in globals():
    from mage_ai.data_preparation.decorators import custom


@custom
def chatty(*args, **kwargs):
    for index in range(int(kwargs['lines'])):
        print(f'line {index} ' + '.' * 60)
    return 1
"#;

/// Adds a one-block pipeline `uuid` whose block is `code`.
fn add_pipeline(sandbox: &Sandbox, uuid: &str, code: &str) {
    std::fs::write(sandbox.project.join(format!("custom/{uuid}.py")), code).unwrap();
    let folder = sandbox.project.join("pipelines").join(uuid);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("metadata.yaml"),
        format!(
            "blocks:\n- configuration:\n    file_source:\n      path: custom/{uuid}.py\n  downstream_blocks: []\n  \
             language: python\n  name: {uuid}\n  type: custom\n  upstream_blocks: []\n  uuid: {uuid}\n\
             name: {uuid}\ntype: python\nuuid: {uuid}\nvariables: {{}}\n"
        ),
    )
    .unwrap();
}

/// Starts a run of `pipeline` and returns its id.
fn start_run(server: &RunningServer, pipeline: &str, variables: Value) -> i64 {
    let (status, run) = server.post(
        &format!("/api/v1/pipelines/{pipeline}/runs"),
        json!({"variables": variables}),
    );
    assert_eq!(status, 201, "{run}");
    run["id"].as_i64().unwrap()
}

fn wait_until_finished(server: &RunningServer, run_id: i64) -> Value {
    server.wait_for_run(run_id, Duration::from_secs(120), finished)
}

/// Opens the live stream of a block's log; nothing is read from it yet.
fn follow(
    server: &RunningServer,
    run_id: i64,
    block: &str,
) -> BufReader<ureq::BodyReader<'static>> {
    let response = server
        .agent
        .get(format!(
            "{}/api/v1/runs/{run_id}/logs/{block}/stream",
            server.base
        ))
        .call()
        .expect("the stream opens");
    BufReader::new(response.into_body().into_reader())
}

/// The `line` events of a stream up to its `end` event: (index, text) each, and the end's status.
fn read_events(stream: impl BufRead) -> (Vec<(u64, String)>, Value) {
    let mut lines = Vec::new();
    let mut name = String::new();
    for line in stream.lines() {
        let line = line.unwrap();
        if let Some(event) = line.strip_prefix("event: ") {
            name = event.to_owned();
        } else if let Some(data) = line.strip_prefix("data: ") {
            let data: Value = serde_json::from_str(data).unwrap();
            if name == "end" {
                return (lines, data["status"].clone());
            }
            lines.push((
                data["index"].as_u64().unwrap(),
                data["text"].as_str().unwrap().to_owned(),
            ));
        }
    }
    panic!(
        "the stream ended without an `end` event after {} lines",
        lines.len()
    );
}

/// Every page of a block's log read with `limit`: the texts of each page.
fn read_pages(server: &RunningServer, run_id: i64, block: &str, limit: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut cursor = 0;
    loop {
        let (status, page) = server.get(&format!(
            "/api/v1/runs/{run_id}/logs/{block}?cursor={cursor}&limit={limit}"
        ));
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["cursor"], json!(cursor));
        let texts = page["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| line["text"].as_str().unwrap().to_owned())
            .collect();
        pages.push(texts);
        cursor = page["next_cursor"].as_u64().unwrap();
        if page["more"] == json!(false) {
            return pages;
        }
    }
}

#[test]
fn a_very_long_line_is_cut_with_a_marker_and_the_run_completes() {
    let sandbox = Sandbox::fixture("mage09");
    add_pipeline(&sandbox, "long_line", LONG_LINE);
    let server = RunningServer::start(&sandbox, &[]);
    let run_id = start_run(&server, "long_line", json!({}));
    let run = wait_until_finished(&server, run_id);
    assert_eq!(run["status"], json!("completed"), "{run}");
    let (_, page) = server.get(&format!("/api/v1/runs/{run_id}/logs/long_line"));
    let texts: Vec<&str> = page["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["text"].as_str().unwrap())
        .collect();
    let cut = format!(
        "{} … [line truncated: 20000000 bytes, kept first 65536]",
        "x".repeat(65536)
    );
    assert_eq!(texts, [cut.as_str(), "after the long line"]);
    assert_eq!(page["more"], json!(false));
    // The stored log holds the cut line too, not 20 MB.
    let log = sandbox
        .run_dir("long_line", run_id)
        .join("logs/long_line.log");
    assert!(std::fs::metadata(&log).unwrap().len() < 70_000);
}

#[test]
fn a_log_is_read_in_bounded_pages_that_together_are_the_whole_log() {
    let sandbox = Sandbox::fixture("mage09");
    add_pipeline(&sandbox, "chatty", CHATTY);
    let server = RunningServer::start(&sandbox, &[]);
    let run_id = start_run(&server, "chatty", json!({"lines": 2500}));
    assert_eq!(
        wait_until_finished(&server, run_id)["status"],
        json!("completed")
    );
    let pages = read_pages(&server, run_id, "chatty", 700);
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [700, 700, 700, 400]);
    let stored = read_text(&sandbox.run_dir("chatty", run_id).join("logs/chatty.log"));
    let whole: Vec<String> = stored
        .lines()
        .map(|line| line.splitn(3, ' ').nth(2).unwrap().to_owned())
        .collect();
    assert_eq!(pages.concat(), whole);
    assert_eq!(whole.len(), 2500);
    // Without a limit a page is bounded too (1000 lines).
    let (_, first) = server.get(&format!("/api/v1/runs/{run_id}/logs/chatty"));
    assert_eq!(first["lines"].as_array().unwrap().len(), 1000);
    assert_eq!(first["more"], json!(true));
}

#[test]
fn live_followers_that_fall_behind_resume_without_gaps_or_duplicates() {
    let sandbox = Sandbox::fixture("mage09");
    add_pipeline(&sandbox, "chatty", CHATTY);
    let server = RunningServer::start(&sandbox, &[]);
    let lines = 150_000;
    let run_id = start_run(&server, "chatty", json!({"lines": lines}));
    // The followers read nothing until the block has printed everything: tens of thousands of lines more than a
    // follower's queue, the socket's buffers and the log bus hold, so each of them falls behind.
    let followers: Vec<_> = (0..3).map(|_| follow(&server, run_id, "chatty")).collect();
    assert_eq!(
        wait_until_finished(&server, run_id)["status"],
        json!("completed")
    );
    let expected: Vec<(u64, String)> = (0..lines)
        .map(|index| (index, format!("line {index} {}", ".".repeat(60))))
        .collect();
    for follower in followers {
        let (received, end) = read_events(follower);
        assert_eq!(end, json!("completed"));
        assert_eq!(received.len(), expected.len());
        assert!(
            received == expected,
            "lines are missing, doubled or out of order"
        );
    }
}
