"""The streaming engine (wand_runtime/streaming) against a real RabbitMQ (scripts/temp-rabbitmq) and PostgreSQL.

Mage's behaviour compared here was read from Mage 0.9.80's source (mage_ai/streaming/sources/rabbitmq.py,
sinks/postgres.py, data_preparation/executors/streaming_pipeline_executor.py): mage-oracle does not run streaming
pipelines, so the shapes (Payload(method, properties, body), kwargs['channel'], Mage's sink keys) come from there.
"""

import json
import os
import signal
import subprocess
import sys
from urllib.parse import urlparse

import pytest
import streaming_brokers as brokers
from wand_runtime.streaming import connectors
from wand_runtime.streaming.duckdb_sink import DuckDBSink
from wand_runtime.streaming.file_sink import FileSink
from wand_runtime.streaming.postgres_sink import PostgresSink

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
DEADLINE_SECONDS = 60


@pytest.fixture(scope="module")
def rabbitmq(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rabbitmq")
    script = os.path.join(ROOT, "scripts", "temp-rabbitmq")
    port = subprocess.run([script, "start", str(folder)], check=True, capture_output=True, text=True).stdout.strip()
    yield int(port)
    subprocess.run([script, "stop", str(folder)], check=False)


def _pg_config(postgres_url, table, **extra):
    url = urlparse(postgres_url)
    config = {
        "database": url.path.lstrip("/"),
        "host": url.hostname,
        "port": url.port,
        "username": url.username,
        "password": url.password or "",
        "schema": "stream_test",
        "table": table,
    }
    config.update(extra)
    return config


def _rows(postgres_url, sql):
    import psycopg2

    with psycopg2.connect(postgres_url) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _execute(postgres_url, sql):
    import psycopg2

    with psycopg2.connect(postgres_url) as connection, connection.cursor() as cursor:
        cursor.execute(sql)


def _drop(postgres_url, table):
    _execute(postgres_url, f"DROP TABLE IF EXISTS stream_test.{table}")


def test_postgres_sink_upserts_with_unique_constraints(postgres_url):
    _drop(postgres_url, "upserts")
    sink = PostgresSink(_pg_config(postgres_url, "upserts", unique_constraints=["id"]), print)
    sink.write([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    sink.write([{"id": 1, "v": "again"}])
    assert _rows(postgres_url, "SELECT id, v FROM stream_test.upserts ORDER BY id") == [(1, "a"), (2, "b")]
    sink.close()
    sink = PostgresSink(
        _pg_config(postgres_url, "upserts", unique_constraints=["id"], unique_conflict_method="UPDATE"), print
    )
    sink.write([{"id": 1, "v": "updated"}])
    sink.close()
    assert _rows(postgres_url, "SELECT id, v FROM stream_test.upserts ORDER BY id") == [(1, "updated"), (2, "b")]


def test_postgres_sink_writes_nothing_of_a_failed_batch(postgres_url):
    _drop(postgres_url, "atomic")
    sink = PostgresSink(_pg_config(postgres_url, "atomic"), print)
    sink.write([{"id": 1}])
    import psycopg2

    with pytest.raises(psycopg2.DataError):
        sink.write([{"id": 2}, {"id": "not a number"}])
    sink.write([{"id": 3}])
    sink.close()
    assert _rows(postgres_url, "SELECT id FROM stream_test.atomic ORDER BY id") == [(1,), (3,)]


def test_sinks_refuse_unknown_keys_and_name_the_known_ones(postgres_url):
    with pytest.raises(connectors.ConfigError, match=r"unknown key 'tabel'.*known: .*table"):
        PostgresSink(_pg_config(postgres_url, "x", tabel="y"), print)
    with pytest.raises(connectors.ConfigError, match="Mage sink that Wand does not run yet"):
        connectors.sink_class("kinesis", "data_exporters/out.yaml")
    with pytest.raises(connectors.ConfigError, match=r"unknown connector_type 'nope'.*rabbitmq"):
        connectors.source_class("nope", "data_loaders/in.yaml")


@pytest.mark.parametrize(
    ("connector", "module", "package", "config"),
    [
        ("kafka", "kafka", "kafka-python", {"bootstrap_server": "127.0.0.1:1", "topic": "t", "consumer_group": "g"}),
        ("nats", "nats", "nats-py", {"server_url": "nats://127.0.0.1:1", "stream_name": "s", "subject": "s.x"}),
        ("rabbitmq", "pika", "pika", {"connection_host": "127.0.0.1", "connection_port": 1, "queue_name": "q"}),
    ],
)
def test_a_missing_broker_client_names_the_package_to_add(monkeypatch, connector, module, package, config):
    monkeypatch.setitem(sys.modules, module, None)  # as if the package were not installed
    with pytest.raises(connectors.ConfigError, match=f"add `{package}` to the project's requirements.txt"):
        connectors.source_class(connector, "source.yaml")(config, print)


def test_duckdb_and_file_sinks_append(tmp_path, monkeypatch):
    (tmp_path / "io_config.yaml").write_text(f"default:\n  DUCKDB_DATABASE: {tmp_path / 'out.duckdb'}\n")
    monkeypatch.setenv("WAND_REPO_PATH", str(tmp_path))
    monkeypatch.setenv("WAND_DATA_DIR", str(tmp_path / "data"))
    sink = DuckDBSink({"profile": "default", "config": {"table_name": "events"}}, print)
    sink.write([{"id": 1}, {"id": 2}])
    sink.write([{"id": 3}])
    rows = sink.client.load("SELECT id FROM main.events ORDER BY id")["id"].tolist()
    sink.close()
    assert rows == [1, 2, 3]
    sink = FileSink({"path": "out/events.jsonl"}, print)
    sink.write([{"id": 1}, {"id": 2}])
    sink.close()
    lines = (tmp_path / "data" / "stream_files" / "out" / "events.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"id": 1}, {"id": 2}]
    with pytest.raises(connectors.ConfigError, match="leaves"):
        FileSink({"path": "../outside.jsonl"}, print)


TRANSFORMER = """
import json

@transformer
def transform(message, *args, **kwargs):
    # As Mage's users write it: the block acknowledges through the channel.
    kwargs['channel'].basic_ack(delivery_tag=message.method.delivery_tag)
    data = json.loads(message.body)
    if data.get('fail'):
        raise ValueError('a poisoned message')
    return {'id': data['id'], 'doubled': data['id'] * 2}
"""


def _project(tmp_path, port, postgres_url, table):
    root = tmp_path / "proj"
    for folder in ("data_loaders", "transformers", "data_exporters"):
        (root / folder).mkdir(parents=True)
    (root / "data_loaders" / "rabbit.yaml").write_text(
        "connector_type: rabbitmq\nconnection_host: 127.0.0.1\nconnection_port: {{ env_var('RMQ_PORT') }}\n"
        "queue_name: {{ variables('queue') }}\nusername: guest\npassword: guest\n"
    )
    (root / "transformers" / "parse.py").write_text(TRANSFORMER)
    config = _pg_config(postgres_url, table, unique_constraints=["id"])
    (root / "data_exporters" / "pg.yaml").write_text(
        "connector_type: postgres\n" + "".join(f"{key}: {json.dumps(value)}\n" for key, value in config.items())
    )
    data = tmp_path / "data"
    request = {
        "repo_path": str(root),
        "project_name": "proj",
        "data_dir": str(data),
        "pipeline_uuid": "stream",
        "block_uuid": "rabbit",
        "block_type": "data_loader",
        "language": "yaml",
        "run_id": 1,
        "file": "data_loaders/rabbit.yaml",
        "execution_date": "2026-03-01T10:30:00+00:00",
        "execution_partition": "x",
        "env": "dev",
        "variables": {"queue": "events"},
        "configuration": {},
        "inputs": [],
        "upstream": [],
        "output_dir": str(data / "out" / "rabbit"),
        "streaming": {
            "counters_path": str(data / "stream.json"),
            "blocks": [
                {
                    "uuid": "rabbit",
                    "block_type": "data_loader",
                    "language": "yaml",
                    "file": "data_loaders/rabbit.yaml",
                    "upstream": [],
                },
                {
                    "uuid": "parse",
                    "block_type": "transformer",
                    "language": "python",
                    "file": "transformers/parse.py",
                    "upstream": ["rabbit"],
                },
                {
                    "uuid": "pg",
                    "block_type": "data_exporter",
                    "language": "yaml",
                    "file": "data_exporters/pg.yaml",
                    "upstream": ["parse"],
                },
            ],
        },
    }
    return request, data / "stream.json"


def _publish(port, bodies, queue="events"):
    import pika

    connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
    channel = connection.channel()
    channel.queue_declare(queue=queue, durable=True)
    for body in bodies:
        channel.basic_publish("", queue, body)
    connection.close()


def _queue_size(port, queue="events"):
    import pika

    connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
    count = connection.channel().queue_declare(queue=queue, durable=True).method.message_count
    connection.close()
    return count


def _start_engine(request, port):
    code = "import json, sys\nfrom wand_runtime import block\nprint(json.dumps(block.run(json.load(sys.stdin))))"
    env = dict(os.environ, RMQ_PORT=str(port), PYTHONPATH=os.path.join(ROOT, "crates", "runtime", "python"))
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    process.stdin.write(json.dumps(request))
    process.stdin.close()
    return process


def test_engine_stores_then_acknowledges_and_stops_cleanly(tmp_path, rabbitmq, postgres_url):
    _drop(postgres_url, "engine")
    request, counters_path = _project(tmp_path, rabbitmq, postgres_url, "engine")
    _publish(rabbitmq, [json.dumps({"id": n}).encode() for n in range(500)])
    process = _start_engine(request, rabbitmq)
    count = lambda: _rows(postgres_url, "SELECT count(*) FROM stream_test.engine")[0][0]
    brokers.eventually(lambda: _table_exists(postgres_url, "engine") and count() == 500, "500 rows", DEADLINE_SECONDS)
    brokers.eventually(
        lambda: _queue_size(rabbitmq) == 0 and _counters(counters_path)["messages_in"] == 500, "the acks", DEADLINE_SECONDS
    )
    process.send_signal(signal.SIGTERM)
    out = _finish(process)
    assert json.loads(out.strip().splitlines()[-1])["status"] == "completed"
    counters = _counters(counters_path)
    assert counters["messages_out"] == {"pg": 500}
    assert counters["state"] == "stopped"
    assert _rows(postgres_url, "SELECT min(doubled), max(doubled) FROM stream_test.engine") == [(0, 998)]


def test_a_failed_batch_is_not_acknowledged_and_comes_back(tmp_path, rabbitmq, postgres_url):
    _drop(postgres_url, "poison")
    request, counters_path = _project(tmp_path, rabbitmq, postgres_url, "poison")
    request["variables"]["queue"] = "poison"
    _publish(rabbitmq, [json.dumps({"id": 1}).encode(), json.dumps({"id": 2, "fail": True}).encode()], "poison")
    process = _start_engine(request, rabbitmq)
    out = _finish(process)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["status"] == "failed" and "a poisoned message" in result["error"]
    # The transformer had "acknowledged" both messages, but nothing was stored, so the broker still holds both.
    assert _queue_size(rabbitmq, "poison") == 2
    assert _counters(counters_path)["errors"] == 1


def test_a_non_idempotent_sink_counts_what_it_holds_twice_after_a_kill_9(tmp_path, rabbitmq, postgres_url):
    """A file sink (not idempotent) then the PostgreSQL sink (unique key): the engine is killed while PostgreSQL
    waits on a lock, after the file stored the batch. RabbitMQ delivers the batch again to the next attempt: the
    file holds it twice, PostgreSQL once, and the counters say how many records the file holds twice."""
    import psycopg2

    _drop(postgres_url, "dup")
    request, counters_path = _project(tmp_path, rabbitmq, postgres_url, "dup")
    request["variables"]["queue"] = "dup"
    root = request["repo_path"]
    with open(os.path.join(root, "data_exporters", "log.yaml"), "w", encoding="utf-8") as file:
        file.write("connector_type: file\npath: events.jsonl\n")
    blocks = request["streaming"]["blocks"]
    blocks.insert(2, dict(blocks[2], uuid="log", file="data_exporters/log.yaml"))
    _execute(
        postgres_url, "CREATE TABLE stream_test.dup (id bigint, doubled bigint, CONSTRAINT uniquedup_id UNIQUE (id))"
    )
    _publish(rabbitmq, [json.dumps({"id": n}).encode() for n in range(5)], "dup")
    locker = psycopg2.connect(postgres_url)
    locker.cursor().execute("LOCK TABLE stream_test.dup IN ACCESS EXCLUSIVE MODE")
    process = _start_engine(request, rabbitmq)
    in_flight = brokers.eventually(
        lambda: _counters(counters_path).get("in_flight"), "the file's write noted in flight", DEADLINE_SECONDS
    )
    held = in_flight["written"]["log"]
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=DEADLINE_SECONDS)
    locker.rollback()
    locker.close()

    process = _start_engine(request, rabbitmq)
    brokers.eventually(
        lambda: _queue_size(rabbitmq, "dup") == 0 and _counters(counters_path)["messages_in"] == 5,
        "every message stored and acknowledged",
        DEADLINE_SECONDS,
    )
    process.send_signal(signal.SIGTERM)
    _finish(process)
    counters = _counters(counters_path)
    lines = (tmp_path / "data" / "stream_files" / "events.jsonl").read_text().splitlines()
    assert 1 <= held <= 5 and len(lines) == 5 + held
    assert counters["duplicates"] == {"log": held}
    assert counters["messages_out"] == {"log": 5, "pg": 5}
    assert "in_flight" not in counters
    assert _rows(postgres_url, "SELECT count(*), count(DISTINCT id) FROM stream_test.dup") == [(5, 5)]


def _finish(process):
    out = process.stdout.read()
    process.wait(timeout=DEADLINE_SECONDS)
    return out


def _table_exists(postgres_url, table):
    return bool(_rows(postgres_url, f"SELECT 1 FROM information_schema.tables WHERE table_name = '{table}'"))


def _counters(path):
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (OSError, ValueError):
        return {"messages_in": -1}


PYTHON_SOURCE = """
from mage_ai.streaming.sources.base_python import BasePythonSource


@streaming_source
class Failing(BasePythonSource):
    def batch_read(self, handler):
        handler([{'n': 1}])
        raise ConnectionError('the upstream API went away')
"""


def test_a_python_source_hands_its_batches_after_each_commit_and_its_error_ends_the_stream(tmp_path):
    from wand_runtime.streaming.python_classes import PythonSource

    (tmp_path / "proj" / "data_loaders").mkdir(parents=True)
    (tmp_path / "proj" / "data_loaders" / "failing.py").write_text(PYTHON_SOURCE)
    request = {"repo_path": str(tmp_path / "proj"), "project_name": "proj", "file": "data_loaders/failing.py"}
    source = PythonSource(request, "data_loaders/failing.py", {}, lambda line: None)
    batch = source.read(5)
    assert batch.calls == [[{"n": 1}]] and batch.count == 1
    # The class's loop waits in `handler` until the batch is committed: only then does it go on (and fail here).
    assert source.read(0.2) is None
    source.commit(batch)
    with pytest.raises(ConnectionError, match="the upstream API went away"):
        brokers.eventually(lambda: source.read(0.5), "the source's error")
    source.close()
