//! Streaming pipelines end to end under `wand start` with an `@always_on` trigger, across a `kill -9` of the server:
//! a real RabbitMQ (scripts/temp-rabbitmq), Kafka (scripts/kafka-broker.sh) or NATS JetStream (scripts/nats-server.sh)
//! → a Mage-style transformer → the PostgreSQL sink with `unique_constraints`: exactly the 100,000 keys afterwards.
//!
//! Mage's side was read from Mage 0.9.80's source, not run: mage-oracle does not run streaming pipelines. Its
//! RabbitMQ source (mage_ai/streaming/sources/rabbitmq.py) hands the block each message and the channel, and the
//! block's `basic_ack` acknowledges at once, before the sink wrote the message, so a kill loses what was
//! acknowledged and not yet stored (one message per kill, /work/shared/reference/mage-features.md). Wand performs
//! the block's acknowledgements (and commits Kafka offsets, acknowledges NATS messages) only after the sink
//! committed: nothing is lost, and the unique constraint makes the redelivered messages land once.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use tempfile::TempDir;

use crate::server::RunningServer;
use crate::support::{Changes, Sandbox, path_str, python, repo_root, run_python, wait_for_exit};

const MESSAGES: usize = 100_000;

/// A throwaway RabbitMQ, stopped when dropped.
struct Rabbit {
    dir: TempDir,
    port: u16,
}

impl Rabbit {
    fn start() -> Rabbit {
        let dir = TempDir::new().expect("a temporary folder");
        let output = Command::new(repo_root().join("scripts/temp-rabbitmq"))
            .args(["start", path_str(dir.path())])
            .output()
            .expect("scripts/temp-rabbitmq runs");
        assert!(
            output.status.success(),
            "RabbitMQ did not start: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let port = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .expect("a port");
        Rabbit { dir, port }
    }

    /// Declares the durable queue and publishes `count` JSON messages `{"id": n, "amount": n % 97}`.
    fn publish(&self, queue: &str, count: usize) {
        let script = format!(
            "import json, pika\n\
             c = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', {port}))\n\
             ch = c.channel()\n\
             ch.queue_declare(queue='{queue}', durable=True)\n\
             for n in range({count}):\n\
             \x20   ch.basic_publish('', '{queue}', json.dumps({{'id': n, 'amount': n % 97}}))\n\
             c.close()\n",
            port = self.port,
        );
        let status = Command::new(python())
            .args(["-c", &script])
            .status()
            .expect("python runs");
        assert!(status.success(), "publishing failed");
    }
}

impl Rabbit {
    /// How many messages `queue` still holds (ready, not yet acknowledged or delivered).
    fn waiting(&self, queue: &str) -> u64 {
        let script = format!(
            "import pika\n\
             c = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', {port}))\n\
             print(c.channel().queue_declare(queue='{queue}', durable=True, passive=True).method.message_count)\n",
            port = self.port,
        );
        let output = Command::new(python())
            .args(["-c", &script])
            .output()
            .expect("python runs");
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("a count: {}", String::from_utf8_lossy(&output.stderr)))
    }
}

impl Drop for Rabbit {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/temp-rabbitmq"))
            .args(["stop", path_str(self.dir.path())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn database_url() -> String {
    std::env::var("WAND_TEST_DATABASE_URL")
        .expect("WAND_TEST_DATABASE_URL names the test PostgreSQL (scripts/test sets it)")
}

/// Runs `sql` on the test PostgreSQL through psycopg2 and returns its first row's text, if any.
fn query(sql: &str) -> Option<String> {
    let script = "import sys, psycopg2\n\
                  c = psycopg2.connect(sys.argv[1]); c.autocommit = True\n\
                  cur = c.cursor()\n\
                  try:\n    cur.execute(sys.argv[2])\n\
                  except psycopg2.errors.UndefinedTable:\n    sys.exit(3)\n\
                  row = cur.fetchone() if cur.description else None\n\
                  print(' '.join(str(v) for v in row) if row else '')\n";
    let output = Command::new(python())
        .args(["-c", script, &database_url(), sql])
        .output()
        .expect("python runs");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// `(rows, distinct event ids)` in `<schema>.events`, or None before the sink created the table.
fn sink_counts(schema: &str) -> Option<(i64, i64)> {
    let text = query(&format!(
        "SELECT count(*), count(DISTINCT event_id) FROM {schema}.events"
    ))?;
    let mut numbers = text.split(' ').map(|n| n.parse::<i64>().ok());
    Some((numbers.next()??, numbers.next()??))
}

fn drop_schema(schema: &str) {
    query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).expect("the schema can be dropped");
}

/// What the sink's YAML reads with `env_var`: the test PostgreSQL's port and the schema to write to.
fn sink_env(schema: &str) -> Vec<(String, String)> {
    let url = database_url();
    let port = url
        .rsplit(':')
        .next()
        .and_then(|tail| tail.split('/').next())
        .and_then(|port| port.parse::<u16>().ok())
        .unwrap_or(5432);
    vec![
        ("STREAM_PG_PORT".into(), port.to_string()),
        ("STREAM_PG_SCHEMA".into(), schema.into()),
    ]
}

/// A broker the fixture (`fixtures/mage_streaming`) has a pipeline for.
trait Broker {
    /// The fixture's `@always_on` pipeline consuming this broker.
    fn pipeline(&self) -> &'static str;
    /// What that pipeline's YAML reads with `env_var` to consume the queue, topic or stream `name`.
    fn env(&self, name: &str) -> Vec<(String, String)>;
    /// Creates `name` and puts `count` JSON messages `{"id": n, "amount": n % 97}` in it.
    fn publish(&self, name: &str, count: usize);
}

impl Broker for Rabbit {
    fn pipeline(&self) -> &'static str {
        "rabbit_to_pg"
    }

    fn env(&self, name: &str) -> Vec<(String, String)> {
        vec![
            ("STREAM_RABBITMQ_PORT".into(), self.port.to_string()),
            ("STREAM_QUEUE".into(), name.into()),
        ]
    }

    fn publish(&self, name: &str, count: usize) {
        Rabbit::publish(self, name, count);
    }
}

/// A broker started by `scripts/<script> start` (its `key=value` lines kept), stopped when dropped.
struct ScriptBroker {
    script: &'static str,
    info: std::collections::HashMap<String, String>,
}

impl ScriptBroker {
    fn start(script: &'static str) -> ScriptBroker {
        let output = Command::new("bash")
            .arg(repo_root().join("scripts").join(script))
            .arg("start")
            .output()
            .expect("the broker script runs");
        assert!(
            output.status.success(),
            "scripts/{script} start failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let info = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        ScriptBroker { script, info }
    }

    fn get(&self, key: &str) -> &str {
        self.info
            .get(key)
            .unwrap_or_else(|| panic!("scripts/{} printed no {key}=", self.script))
    }
}

impl Drop for ScriptBroker {
    fn drop(&mut self) {
        if let Some(dir) = self.info.get("dir") {
            let _ = Command::new("bash")
                .arg(repo_root().join("scripts").join(self.script))
                .args(["stop", dir])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Kafka: Apache Kafka in KRaft mode, or Tansu (a Kafka-protocol broker) where Maven Central is out of reach
/// (scripts/kafka-broker.sh says which in `broker=`).
struct Kafka(ScriptBroker);

impl Broker for Kafka {
    fn pipeline(&self) -> &'static str {
        "kafka_to_pg"
    }

    fn env(&self, name: &str) -> Vec<(String, String)> {
        vec![
            (
                "STREAM_KAFKA_BOOTSTRAP".into(),
                self.0.get("bootstrap").into(),
            ),
            ("STREAM_TOPIC".into(), name.into()),
        ]
    }

    /// A 3-partition topic, so the consumer commits offsets of several partitions per batch.
    fn publish(&self, name: &str, count: usize) {
        run_python(
            "import json, sys\n\
             from kafka import KafkaProducer\n\
             from kafka.admin import KafkaAdminClient, NewTopic\n\
             bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])\n\
             admin = KafkaAdminClient(bootstrap_servers=bootstrap)\n\
             admin.create_topics([NewTopic(topic, 3, 1)])\n\
             admin.close()\n\
             producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)\n\
             for n in range(count):\n\
             \x20   producer.send(topic, json.dumps({'id': n, 'amount': n % 97}).encode(), key=str(n).encode())\n\
             producer.flush()\n\
             producer.close()\n",
            &[self.0.get("bootstrap"), name, &count.to_string()],
        );
    }
}

/// NATS with JetStream (Debian's nats-server).
struct Nats(ScriptBroker);

impl Broker for Nats {
    fn pipeline(&self) -> &'static str {
        "nats_to_pg"
    }

    fn env(&self, name: &str) -> Vec<(String, String)> {
        vec![
            ("STREAM_NATS_URL".into(), self.0.get("url").into()),
            ("STREAM_NATS_STREAM".into(), name.into()),
            ("STREAM_NATS_SUBJECT".into(), format!("{name}.events")),
        ]
    }

    /// The stream, and the durable consumer the source binds to (named after the stream, Mage's default) with a
    /// 5 s ack wait, so what the killed server had not acknowledged comes back within the test's time (JetStream's
    /// default is 30 s). Each publish is acknowledged by JetStream before the script ends.
    fn publish(&self, name: &str, count: usize) {
        run_python(
            "import asyncio, json, sys\n\
             import nats\n\
             from nats.js.api import ConsumerConfig\n\
             url, stream, count = sys.argv[1], sys.argv[2], int(sys.argv[3])\n\
             subject = stream + '.events'\n\
             async def main():\n\
             \x20   nc = await nats.connect(url)\n\
             \x20   js = nc.jetstream()\n\
             \x20   await js.add_stream(name=stream, subjects=[subject])\n\
             \x20   await js.add_consumer(stream, ConsumerConfig(durable_name=stream, ack_wait=5, filter_subject=subject))\n\
             \x20   for start in range(0, count, 1000):\n\
             \x20       await asyncio.gather(*(js.publish(subject, json.dumps({'id': n, 'amount': n % 97}).encode())\n\
             \x20                              for n in range(start, min(start + 1000, count))))\n\
             \x20   await nc.close()\n\
             asyncio.run(main())\n",
            &[self.0.get("url"), name, &count.to_string()],
        );
    }
}

/// A copy of the fixture with only `pipeline` in it, its `@always_on` trigger active (the fixture leaves the Kafka
/// and NATS ones off, since their brokers exist only in these tests).
fn fixture_with_only(pipeline: &str) -> Sandbox {
    let sandbox = Sandbox::fixture("mage_streaming");
    let pipelines = sandbox.project.join("pipelines");
    for entry in std::fs::read_dir(&pipelines).expect("the fixture's pipelines") {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() && entry.file_name() != pipeline {
            std::fs::remove_dir_all(entry.path()).unwrap();
        }
    }
    let triggers = pipelines.join(pipeline).join("triggers.yaml");
    if let Ok(text) = std::fs::read_to_string(&triggers) {
        std::fs::write(
            &triggers,
            text.replace("status: inactive", "status: active"),
        )
        .unwrap();
    }
    sandbox
}

#[test]
fn an_always_on_rabbitmq_to_postgres_stream_loses_and_duplicates_nothing_across_a_kill_9() {
    survives_kill_9(&Rabbit::start(), "rmq");
}

#[test]
fn an_always_on_kafka_to_postgres_stream_loses_and_duplicates_nothing_across_a_kill_9() {
    survives_kill_9(&Kafka(ScriptBroker::start("kafka-broker.sh")), "kafka");
}

#[test]
fn an_always_on_nats_to_postgres_stream_loses_and_duplicates_nothing_across_a_kill_9() {
    survives_kill_9(&Nats(ScriptBroker::start("nats-server.sh")), "nats");
}

/// 100,000 messages through `broker`'s pipeline under `wand start`, which is killed (`kill -9`) once a few thousand
/// are stored and started again: the same run goes on, the sink ends with exactly the 100,000 keys, the counters
/// show the stream drained, and cancelling the run stops it for good.
fn survives_kill_9(broker: &dyn Broker, tag: &str) {
    let schema = format!("stream_{tag}_{}", std::process::id());
    let name = format!("events_{tag}_{}", std::process::id());
    drop_schema(&schema);
    broker.publish(&name, MESSAGES);
    let pipeline = broker.pipeline();
    let sandbox = fixture_with_only(pipeline);
    let mut env = broker.env(&name);
    env.extend(sink_env(&schema));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let lease = ["--lease-seconds", "2"];

    let mut first = RunningServer::start_with_env(&sandbox, &lease, &env);
    let stored = first.until(
        Duration::from_secs(180),
        "the always-on trigger's run never stored a few thousand messages",
        || match sink_counts(&schema) {
            Some((rows, _)) if rows >= 3_000 => Ok(rows),
            other => Err(format!("{other:?}")),
        },
    );
    assert!(
        stored < MESSAGES as i64,
        "killed mid-stream ({stored} stored)"
    );
    let (_, runs) = first.get(&format!("/api/v1/runs?pipeline={pipeline}"));
    let run_id = runs["runs"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a run: {runs}"));
    first.kill();

    let second = RunningServer::start_with_env(&sandbox, &lease, &env);
    let (rows, distinct) = second.until(
        Duration::from_secs(600),
        "the restarted server never stored every message",
        || match sink_counts(&schema) {
            Some((rows, distinct)) if distinct >= MESSAGES as i64 => Ok((rows, distinct)),
            other => Err(format!("{other:?}")),
        },
    );
    assert_eq!(
        (rows, distinct),
        (MESSAGES as i64, MESSAGES as i64),
        "every key once"
    );
    // The same run went on after the restart (a retry of its source), and its counters say so. They are saved after
    // every acknowledged batch, so they count each message once: exactly MESSAGES, unless the kill fell between an
    // acknowledgement and the save after it (then one batch, at most 1,000 messages, is counted by neither attempt).
    let counted = |counters: &serde_json::Value, key: &str| {
        let value = &counters[key];
        value
            .get("store_events")
            .unwrap_or(value)
            .as_i64()
            .unwrap_or(0)
    };
    let counters = second.until(
        Duration::from_secs(60),
        "the counters never showed the stream drained",
        || {
            let (_, counters) = second.get(&format!("/api/v1/runs/{run_id}/stream"));
            let drained = counters["lag"] == json!(0)
                && counted(&counters, "messages_out") >= (MESSAGES as i64) - 1_000;
            if drained {
                Ok(counters)
            } else {
                Err(counters.to_string())
            }
        },
    );
    for key in ["messages_in", "messages_out"] {
        let count = counted(&counters, key);
        assert!(
            (MESSAGES as i64 - 1_000..=MESSAGES as i64).contains(&count),
            "{key}: {counters}"
        );
    }
    // The sink has a unique key: what was delivered again landed once, and nothing is reported held twice.
    assert_eq!(counters["duplicates"], json!({}), "{counters}");
    assert_eq!(counters["streaming"], json!(true), "{counters}");
    assert!(
        counters["attempts"].as_i64().unwrap_or(0) >= 2,
        "{counters}"
    );
    let (_, run) = second.get(&format!("/api/v1/runs/{run_id}"));
    assert_eq!(run["status"], json!("running"), "{run}");

    // Stopping is cancelling the run: the process finishes its batch and closes; the trigger does not restart it.
    let (status, _) = second.post(&format!("/api/v1/runs/{run_id}/cancel"), json!({}));
    assert!(status < 300, "cancel answered {status}");
    second.wait_for_run(run_id, Duration::from_secs(60), |run| {
        run["status"] == json!("cancelled")
    });
    drop_schema(&schema);
}

/// `wand run` runs a stream in the foreground until SIGTERM, which cancels its run: the source's process is asked to
/// stop, stores and acknowledges the batch in hand, and `wand run` exits with the run cancelled and the queue empty.
#[test]
fn wand_run_streams_in_the_foreground_until_sigterm() {
    const SENT: usize = 2_000;
    let rabbit = Rabbit::start();
    let schema = format!("stream_fg_{}", std::process::id());
    drop_schema(&schema);
    rabbit.publish("foreground", SENT);
    let sandbox = fixture_with_only("rabbit_to_pg");
    let mut env = Broker::env(&rabbit, "foreground");
    env.extend(sink_env(&schema));
    let changes = Changes::watch(sandbox.root(), None);
    let stderr = std::fs::File::create(sandbox.path("run.err")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wand"))
        .args(["run", path_str(&sandbox.project), "rabbit_to_pg"])
        .args(["--data-dir", path_str(&sandbox.data_dir)])
        .env("WAND_PYTHON", python())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("the wand binary starts");
    let pid = child.id() as i32;
    // The engine rewrites its counters file every second: each write wakes the wait.
    changes.until(
        Duration::from_secs(180),
        "the stream never stored every message",
        || match sink_counts(&schema) {
            Some((_, distinct)) if distinct == SENT as i64 => Ok(()),
            other => Err(format!("{other:?}")),
        },
    );
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    wait_for_exit(&[pid], Duration::from_secs(60), "wand run after SIGTERM");
    let status = child.wait().unwrap();
    let log = std::fs::read_to_string(sandbox.path("run.err")).unwrap();
    assert!(
        status.code().is_some(),
        "wand run ended by itself: {status}\n{log}"
    );
    assert!(
        log.contains("stopping: the batch in hand is stored"),
        "{log}"
    );
    assert!(log.contains("cancelled"), "{log}");
    assert_eq!(
        rabbit.waiting("foreground"),
        0,
        "every message acknowledged"
    );
    assert_eq!(sink_counts(&schema), Some((SENT as i64, SENT as i64)));
    drop_schema(&schema);
}

/// A source and a sink written as Python classes, as Mage's `generic_python` templates write them
/// (`@streaming_source` with `batch_read(handler)`, `@streaming_sink` with `batch_write(messages)`): `wand run` runs
/// the tree, each batch goes through the transformer into the sink, and the run completes when the finite source's
/// `batch_read` returns. Mage's side read from Mage 0.9.80's source (streaming_pipeline_executor.py, SourceFactory
/// and SinkFactory's `get_python_*`): the class is made with `global_vars`, `batch_read` gets a handler taking a
/// list of messages, the transformers get that list.
#[test]
fn python_source_and_sink_classes_run_until_the_source_ends() {
    let sandbox = fixture_with_only("python_classes");
    let lines = sandbox.path("lines.jsonl");
    let outcome = sandbox.run_with_env(
        "python_classes",
        &[],
        &[("NUMBERS_COUNT", "250"), ("LINES_PATH", path_str(&lines))],
    );
    outcome.assert_code(0);
    let run_dir = sandbox.run_dir("python_classes", outcome.run_id());
    let log = crate::support::read_text(&run_dir.join("logs").join("numbers_source.log"));
    assert!(
        log.contains("reading with NumbersSource.batch_read(handler)")
            && log.contains("the source's read loop returned: the stream is over"),
        "{log}"
    );
    let written: Vec<serde_json::Value> = std::fs::read_to_string(&lines)
        .expect("the sink wrote its file")
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let expected: Vec<serde_json::Value> = (0..250)
        .map(|n| json!({"n": n, "doubled": n * 2}))
        .collect();
    assert_eq!(written, expected);
    let counters = crate::support::read_json(&runtime_counters(
        &sandbox,
        "python_classes",
        outcome.run_id(),
    ));
    assert_eq!(counters["messages_in"], json!(250), "{counters}");
    assert_eq!(
        counters["messages_out"],
        json!({"lines_sink": 250}),
        "{counters}"
    );
    assert_eq!(counters["state"], json!("stopped"), "{counters}");
}

fn runtime_counters(sandbox: &Sandbox, pipeline: &str, run_id: i64) -> std::path::PathBuf {
    runtime::stream_counters_path(&sandbox.data_dir, pipeline, run_id)
}
