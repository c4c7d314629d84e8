"""The NATS JetStream source (wand_runtime/streaming/nats.py) against a real nats-server (scripts/nats-server.sh):
Mage's shapes for PULL and PUSH consumers, acknowledgement only by commit(), redelivery after a `kill -9`, and 100,000
messages exactly once."""

import asyncio
import json
import os
import signal
import uuid

import pytest
import streaming_brokers as brokers
from wand_runtime.streaming.connectors import ConfigError
from wand_runtime.streaming.nats import NatsSource


@pytest.fixture(scope="module")
def nats_url():
    info = brokers.start("nats-server.sh")
    yield info["url"]
    brokers.stop("nats-server.sh", info)


def names():
    suffix = uuid.uuid4().hex[:10]
    return f"S{suffix}", f"s.{suffix}"


def jetstream(url, action):
    """Runs `action(js)` on a fresh connection and returns its result."""
    import nats

    async def main():
        nc = await nats.connect(url)
        try:
            return await action(nc, nc.jetstream())
        finally:
            await nc.close()

    return asyncio.run(main())


def publish(url, subject, count):
    async def action(nc, js):
        for i in range(count):
            await nc.publish(subject, json.dumps({"id": i, "name": f"n{i}"}).encode())
        await nc.flush()

    jetstream(url, action)


def add_stream(url, stream, subject, ack_wait=None):
    """The stream and, with ack_wait, the durable consumer the source binds to (named after the stream, Mage's
    default), with a short ack wait so a redelivery comes within the test's time."""
    from nats.js.api import ConsumerConfig

    async def action(nc, js):
        await js.add_stream(name=stream, subjects=[subject])
        if ack_wait:
            await js.add_consumer(
                stream, ConsumerConfig(durable_name=stream, ack_wait=ack_wait, filter_subject=subject)
            )

    jetstream(url, action)


def stored(url, stream):
    async def action(nc, js):
        return (await js.stream_info(stream)).state.messages

    return jetstream(url, action)


def source(url, stream, subject, **extra):
    return NatsSource({"server_url": url, "stream_name": stream, "subject": subject, **extra}, lambda line: None)


def read_all(src, expected, seconds=120):
    messages = []

    def more():
        while len(messages) < expected and (batch := src.read(0.5)) is not None:
            assert len(batch.calls) == 1 and batch.count == len(batch.calls[0])
            messages.extend(batch.calls[0])
            src.commit(batch)
        return len(messages) >= expected

    brokers.eventually(more, f"{expected} messages (have {len(messages)})", seconds)
    return messages


def test_a_pull_consumer_hands_lists_of_decoded_messages_and_creates_the_stream(nats_url):
    stream, subject = names()
    lines = []
    src = NatsSource({"server_url": nats_url, "stream_name": stream, "subject": subject}, lines.append)
    assert any("creating it" in line for line in lines)
    publish(nats_url, subject, 250)
    sizes, messages = [], []

    def more():
        while (batch := src.read(0.5)) is not None:
            sizes.append(batch.count)
            messages.extend(batch.calls[0])
            src.commit(batch)
        return len(messages) >= 250

    brokers.eventually(more, "250 messages")
    assert messages == [{"id": i, "name": f"n{i}"} for i in range(250)]
    assert max(sizes) <= 100 and sum(sizes) == 250  # Mage's default batch_size
    assert brokers.eventually(lambda: src.lag() == 0 and "0", "no lag")
    src.close()


def test_a_push_consumer_hands_one_decoded_text_per_call(nats_url):
    stream, subject = names()
    add_stream(nats_url, stream, subject)
    publish(nats_url, subject, 3)
    src = source(nats_url, stream, subject, consumer_type="PUSH")
    calls = []

    def more():
        while (batch := src.read(0.5)) is not None:
            calls.extend(batch.calls)
            src.commit(batch)
        return len(calls) >= 3

    brokers.eventually(more, "3 messages")
    src.close()
    assert calls == [json.dumps({"id": i, "name": f"n{i}"}) for i in range(3)]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"queue_name": "x"}, "unknown key 'queue_name' for connector_type 'nats'"),
        ({"subject": None}, "connector_type 'nats' needs subject"),
        ({"consumer_type": "PULLING"}, "consumer_type must be PULL or PUSH"),
        ({"use_tls": True, "ssl_config": {"ca": "x"}}, "unknown key 'ca' in ssl_config"),
    ],
)
def test_bad_configuration_is_a_config_error(extra, message):
    with pytest.raises(ConfigError, match=message):
        NatsSource({"server_url": "nats://127.0.0.1:1", "stream_name": "S", "subject": "s", **extra}, print)


def test_an_unreachable_server_fails_at_start_with_the_address():
    with pytest.raises(ConnectionError, match="cannot reach NATS at nats://127.0.0.1:1"):
        source("nats://127.0.0.1:1", "S", "s")


def test_an_unacknowledged_batch_is_delivered_again_after_kill_9_and_acknowledged_ones_are_not(nats_url, tmp_path):
    stream, subject = names()
    add_stream(nats_url, stream, subject, ack_wait=2)
    publish(nats_url, subject, 1000)
    config = {"server_url": nats_url, "stream_name": stream, "subject": subject, "batch_size": 50}
    sink = str(tmp_path / "sink.jsonl")
    consumer = brokers.spawn_consumer("nats", config, sink, commits=4)
    try:
        line = consumer.stdout.readline()
        assert line.strip() == "READY", f"the consumer stopped: {consumer.stderr.read()}"
    finally:
        consumer.send_signal(signal.SIGKILL)
        consumer.wait(timeout=30)
    committed, uncommitted = brokers.read_sink(sink)
    committed_ids = [m["id"] for m in committed]
    uncommitted_ids = [m["id"] for m in uncommitted]
    assert len(committed_ids) == 200 and len(uncommitted_ids) == 50

    src = source(nats_url, stream, subject, batch_size=50)
    rest = [m["id"] for m in read_all(src, 800)]
    src.close()
    assert not set(rest) & set(committed_ids), "an acknowledged message was delivered again"
    assert set(uncommitted_ids) <= set(rest), "the unacknowledged batch was not delivered again"
    assert sorted(committed_ids + rest) == list(range(1000)), "lost or duplicated messages"


def test_100000_messages_arrive_exactly_once(nats_url):
    stream, subject = names()
    add_stream(nats_url, stream, subject)
    publish(nats_url, subject, 100_000)
    brokers.eventually(lambda: stored(nats_url, stream) == 100_000, "the stream to hold 100,000 messages")
    src = source(nats_url, stream, subject)
    ids = [m["id"] for m in read_all(src, 100_000, seconds=300)]
    assert brokers.eventually(lambda: src.lag() == 0 and "0", "no lag")
    src.close()
    assert len(ids) == 100_000 and sorted(ids) == list(range(100_000))


def test_what_transformers_receive_is_what_mages_source_hands_them(nats_url):
    """Recorded from Mage's own NATSSource (data/nats_mage_batches.json says how)."""
    with open(os.path.join(os.path.dirname(__file__), "data", "nats_mage_batches.json"), encoding="utf-8") as file:
        expected = json.load(file)

    async def action(nc, js):
        for body in ({"id": 1, "nested": {"a": [1, 2.5, None]}, "s": "é"}, [1, 2], "text"):
            await nc.publish(subject, json.dumps(body).encode())
        await nc.flush()

    for kind in ("PULL", "PUSH"):
        stream, subject = names()
        add_stream(nats_url, stream, subject)
        jetstream(nats_url, action)
        src = source(nats_url, stream, subject, consumer_type=kind, batch_size=3)
        batch = brokers.eventually(lambda src=src: src.read(0.5), "a batch")
        src.close()
        assert batch.calls[0] == expected[kind]
