"""Streaming throughput, a building block of bench/suite.py: a Mage streaming pipeline Kafka → Python transformer →
PostgreSQL (`kafka_pg`), run in the foreground by `mage run` and by `wand run` on the same broker, each from its own
consumer group into its own table; messages per second from the sink table's row count, polled with psql.

The broker comes from scripts/kafka-broker.sh; the messages are produced beforehand with the bench's Python (which has
kafka-python, like Mage's venv). Standard library only here."""

import os
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENGINE = os.path.join(ROOT, "crates", "runtime", "python", "wand_runtime", "streaming", "engine.py")
# Seconds between two looks at the sink's row count.
LOOK_SECONDS = 0.25
SCHEMA = "bench_stream"
# kafka-python asks the broker for nothing when api_version is given; Mage's default (0.10.2) is refused by Kafka 4
# brokers, so the project names a version both tools' client and the broker speak.
API_VERSION = "2.5.0"

TRANSFORMER = """if 'transformer' not in globals():
    from mage_ai.data_preparation.decorators import transformer


@transformer
def transform(messages, *args, **kwargs):
    # Mage's Kafka source hands a list of decoded messages per batch.
    return [{'id': m['id'], 'amount': m['amount'] * 2, 'label': m['label'].upper()} for m in messages]
"""

PIPELINE = """blocks:
- {{uuid: consume, name: consume, type: data_loader, language: yaml, upstream_blocks: [], downstream_blocks: [enrich],
   configuration: {{}}, executor_type: local_python}}
- {{uuid: enrich, name: enrich, type: transformer, language: python, upstream_blocks: [consume],
   downstream_blocks: [store], configuration: {{}}, executor_type: local_python}}
- {{uuid: store, name: store, type: data_exporter, language: yaml, upstream_blocks: [enrich], downstream_blocks: [],
   configuration: {{}}, executor_type: local_python}}
name: kafka_pg
uuid: kafka_pg
type: streaming
executor_count: 1
variables: {{}}
"""

SOURCE = """connector_type: kafka
bootstrap_server: {bootstrap}
topic: {topic}
consumer_group: {group}
api_version: {api_version}
auto_offset_reset: earliest
batch_size: 100
"""

SINK = """connector_type: postgres
database: {database}
host: {host}
port: {port}
schema: {schema}
table: {table}
username: {user}
password: ''
unique_constraints:
- id
unique_conflict_method: IGNORE
"""

FEED = """import json, sys
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(topic, 3, 1)])
admin.close()
producer = KafkaProducer(bootstrap_servers=bootstrap, value_serializer=lambda v: json.dumps(v).encode(), linger_ms=5)
for i in range(count):
    producer.send(topic, {'id': i, 'amount': i % 100, 'label': f'item-{i}'}, key=str(i).encode())
producer.flush()
producer.close()
"""


def engine_present():
    return os.path.exists(ENGINE)


def start_broker():
    done = subprocess.run(["bash", os.path.join(ROOT, "scripts", "kafka-broker.sh"), "start"], capture_output=True,
                          text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/kafka-broker.sh start failed: {done.stdout}{done.stderr}")
    info = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return info


def stop_broker(info):
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "kafka-broker.sh"), "stop", info["dir"]], check=False,
                   timeout=60)


def feed(python, bootstrap, topic, count):
    subprocess.run([python, "-c", FEED, bootstrap, topic, str(count)], check=True, timeout=600)


def make_project(root, bootstrap, topic, group, postgres, table):
    """A Mage project holding the one streaming pipeline, writing to `table` from consumer group `group`."""
    from urllib.parse import urlparse

    url = urlparse(postgres)
    files = {
        "__init__.py": "",
        "metadata.yaml": "project_type: standalone\nvariables_dir: ~/.mage_data\n",
        "io_config.yaml": "version: 0.1.1\ndefault: {}\n",
        "requirements.txt": "",
        "data_loaders/__init__.py": "",
        "transformers/__init__.py": "",
        "data_exporters/__init__.py": "",
        "pipelines/__init__.py": "",
        "pipelines/kafka_pg/__init__.py": "",
        "pipelines/kafka_pg/metadata.yaml": PIPELINE.format(),
        "data_loaders/consume.yaml": SOURCE.format(bootstrap=bootstrap, topic=topic, group=group,
                                                   api_version=API_VERSION),
        "transformers/enrich.py": TRANSFORMER,
        "data_exporters/store.yaml": SINK.format(database=url.path.lstrip("/") or "postgres", host=url.hostname,
                                                 port=url.port or 5432, schema=SCHEMA, table=table,
                                                 user=url.username or "postgres"),
    }
    for name, text in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as file:
            file.write(text)


def psql(postgres, sql):
    done = subprocess.run(["psql", postgres, "-qtAc", sql], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")
    return done.stdout.strip()


def rows(postgres, table):
    found = psql(postgres, f"SELECT to_regclass('{SCHEMA}.{table}') IS NOT NULL")
    if found != "t":
        return 0, 0
    total, distinct = psql(postgres, f"SELECT count(*), count(DISTINCT id) FROM {SCHEMA}.{table}").split("|")
    return int(total), int(distinct)


def measure(command, env, cwd, postgres, table, count, deadline):
    """Runs `command` (a foreground streaming run) until `table` holds `count` rows or `deadline` seconds passed.
    Returns {'startup': s to the first row, 'rate': rows/s from the first row on (absent when every row arrived
    between two looks), 'rows', 'distinct', 'log' (its last 3,000 characters), 'exit'}."""
    log_path = os.path.join(cwd, f"{table}.log")
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    begin = time.perf_counter()
    first = None
    total = distinct = 0
    try:
        while time.perf_counter() - begin < deadline and process.poll() is None:
            total, distinct = rows(postgres, table)
            now = time.perf_counter()
            if total and first is None:
                first = (now, total)
            if total >= count:
                break
            time.sleep(LOOK_SECONDS)
        end = time.perf_counter()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    total, distinct = rows(postgres, table)
    with open(log_path, errors="replace") as log:
        tail = log.read()[-3000:]
    result = {"rows": total, "distinct": distinct, "log": tail, "exit": process.returncode}
    if first is not None:
        result["startup"] = first[0] - begin
        # No rate when every row arrived between two looks: there is no time between the first row and the last.
        if end > first[0] and total > first[1]:
            result["rate"] = (min(total, count) - first[1]) / (end - first[0])
    return result


def run(work, python, postgres, count, deadline, mage_venv=None, wand=None):
    """Both tools' figures ({'mage': result or None, 'wand': result or a reason}) on one broker and topic."""
    info = start_broker()
    try:
        topic = "bench_events"
        feed(python, info["bootstrap"], topic, count)
        # The tables exist beforehand: Mage infers column types from its first batch (ids below 32,768 make a
        # smallint column, and the first larger id fails the run).
        psql(postgres, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}; " + " ".join(
            f"CREATE TABLE {SCHEMA}.{table} (id bigint PRIMARY KEY, amount bigint, label text);"
            for table in ("mage_events", "wand_events")))
        results = {"broker": info["broker"], "mage": None, "wand": None}
        if mage_venv:
            project = os.path.join(work, "stream_mage")
            make_project(project, info["bootstrap"], topic, "bench_mage", postgres, "mage_events")
            env = dict(os.environ, MAGE_DATA_DIR=os.path.join(work, "mage_stream_data"))
            results["mage"] = measure([f"{mage_venv}/bin/mage", "run", project, "kafka_pg"], env, work, postgres,
                                      "mage_events", count, deadline)
        if not engine_present():
            results["wand"] = "not measured: engine not on this branch"
        elif wand:
            project = os.path.join(work, "stream_wand")
            make_project(project, info["bootstrap"], topic, "bench_wand", postgres, "wand_events")
            command = [wand, "run", project, "kafka_pg", "--python", python, "--data-dir",
                       os.path.join(work, "wand_stream_data")]
            results["wand"] = measure(command, dict(os.environ), work, postgres, "wand_events", count, deadline)
        return results
    finally:
        stop_broker(info)
        try:
            psql(postgres, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        except RuntimeError:
            pass
