"""Mage's Kafka source and sink (`connector_type: kafka`), on kafka-python (Mage's own client), with Mage's keys.

The source hands each transformer call one list of messages, as Mage's does: up to `batch_size` (default 100) from one
poll, each the JSON-decoded value, or with `include_metadata` a dict `{'data': value, 'metadata': {'key', 'partition',
'offset', 'time', 'topic'}}`. Offsets are never committed automatically: `commit(batch)` commits the offsets after the
batch's last messages, and the engine calls it only after every sink stored the batch, so a crash redelivers the
uncommitted batch. The sink sends each message's `data` (or the whole message) as JSON, keyed and routed by its
`metadata` (`key`, `dest_topic`, `time`) as Mage's does, and returns only once the broker acknowledged every send.

Two defaults differ from Mage's, each said where it is set: without `api_version` the client asks the broker (Mage's
0.10.2 makes Kafka 4 brokers refuse every request), and the sink's producer batches 16 KB unless `batch_size` is given.

Not available here (named in the error): Avro (Mage's confluent_avro) and SASL's OAUTHBEARER. Secrets (SASL and SSL
passwords) are never logged.
"""

import importlib
import json

from wand_runtime.streaming.connectors import Batch, ConfigError, check_keys, require

SOURCE_KEYS = (
    "bootstrap_server",
    "consumer_group",
    "api_version",
    "batch_size",
    "timeout_ms",
    "auto_offset_reset",
    "include_metadata",
    "security_protocol",
    "ssl_config",
    "sasl_config",
    "serde_config",
    "topic",
    "topics",
    "offset",
    "max_partition_fetch_bytes",
)
SINK_KEYS = (
    "bootstrap_server",
    "topic",
    "api_version",
    "security_protocol",
    "ssl_config",
    "sasl_config",
    "batch_size",
    "timeout_ms",
)
SSL_KEYS = ("cafile", "certfile", "keyfile", "password", "check_hostname")
SASL_KEYS = (
    "mechanism",
    "username",
    "password",
    "oauth_token_url",
    "oauth_client_id",
    "oauth_client_secret",
    "oauth_scope",
)
SERDE_KEYS = (
    "serialization_method",
    "schema_classpath",
    "schema_registry_url",
    "schema_registry_username",
    "schema_registry_password",
)
SERIALIZATION_METHODS = ("JSON", "RAW_VALUE", "PROTOBUF", "AVRO")
OFFSET_TYPES = ("int", "timestamp", "beginning", "end")

# Mage's defaults (mage_ai/streaming/constants.py and its Kafka config).
DEFAULT_BATCH_SIZE = 100
DEFAULT_TIMEOUT_MS = 500
# A broker that stops acknowledging fails the write instead of hanging the pipeline.
FLUSH_TIMEOUT_SECONDS = 120


class KafkaSource:
    def __init__(self, config, log):
        check_keys(config, "kafka", SOURCE_KEYS, required=("bootstrap_server", "consumer_group"))
        self.log = log
        self.include_metadata = bool(config.get("include_metadata", False))
        self.batch_size = _positive(config.get("batch_size"), DEFAULT_BATCH_SIZE, "batch_size")
        self.timeout_ms = _positive(config.get("timeout_ms"), DEFAULT_TIMEOUT_MS, "timeout_ms")
        self.serde = _serde(config.get("serde_config"))
        if config.get("topic"):
            topics = [str(config["topic"])]
        else:
            topics = [str(topic) for topic in (config.get("topics") or [])]
        if not topics:
            raise ConfigError("connector_type 'kafka' needs topic or topics (the topics to consume)")
        offset = config.get("offset")
        if offset is not None:
            _check_offset(offset)

        KafkaConsumer = require("kafka", "kafka-python", "kafka").KafkaConsumer  # noqa: N806  (the client's class)

        kwargs = {
            "group_id": str(config["consumer_group"]),
            "bootstrap_servers": str(config["bootstrap_server"]),
            "api_version": _api_version(config.get("api_version")),
            "auto_offset_reset": config.get("auto_offset_reset") or "latest",
            "max_partition_fetch_bytes": int(config.get("max_partition_fetch_bytes") or 1048576),
            "enable_auto_commit": False,
        }
        kwargs.update(_security(config, "source", log))
        self.schema_class = self._schema_class()
        try:
            # Without api_version the client asks the broker for its version here; Mage tests the connection the
            # same way. Either fails fast on a wrong address instead of polling nothing forever.
            self.consumer = KafkaConsumer(*topics, **kwargs)
            self.consumer._client.check_version(timeout=10)
        except Exception as error:  # noqa: BLE001  (any failure to reach the broker is reported the same way)
            if getattr(self, "consumer", None) is not None:
                self.consumer.close(autocommit=False)
            raise ConnectionError(f"cannot reach Kafka at {config['bootstrap_server']}: {error}") from None
        if offset is not None:
            self._seek(offset)
        log(
            f"consuming {', '.join(topics)} from {config['bootstrap_server']} as consumer group "
            f"{config['consumer_group']} (batches of up to {self.batch_size}; offsets committed after the sinks)"
        )

    def read(self, max_wait):
        timeout_ms = max(1, min(self.timeout_ms, int(max_wait * 1000)))
        polled = self.consumer.poll(timeout_ms=timeout_ms, max_records=self.batch_size)
        messages, offsets = [], {}
        from kafka.structs import OffsetAndMetadata

        for partition, records in polled.items():
            for record in records:
                messages.append(self._convert(record))
            last = records[-1]
            offsets[partition] = OffsetAndMetadata(last.offset + 1, "", -1)
        if not messages:
            return None
        return Batch(calls=[messages], kwargs={}, count=len(messages), token=offsets)

    def commit(self, batch):
        if batch.token:
            self.consumer.commit(offsets=dict(batch.token))
        return batch.count

    def lag(self):
        """Messages in the assigned partitions past our position, from the high-water marks the last fetches carried
        (no request of its own); None before the first fetch."""
        try:
            total = 0
            assignment = self.consumer.assignment()
            if not assignment:
                return None
            for partition in assignment:
                highwater = self.consumer.highwater(partition)
                if highwater is None:
                    return None
                total += max(0, highwater - self.consumer.position(partition, timeout_ms=0))
            return total
        except Exception:  # noqa: BLE001  (lag is a hint; a failed look-up is "unknown")
            return None

    def close(self):
        self.consumer.close(autocommit=False)

    def _convert(self, record):
        try:
            value = self._deserialize(record.value)
        except Exception as error:  # noqa: BLE001  (JSON, UTF-8 or protobuf: named with the message's place)
            raise ValueError(
                f"message {record.topic}:{record.partition}:{record.offset} could not be decoded as "
                f"{self.serde['method']}: {error}"
            ) from None
        if not self.include_metadata:
            return value
        return {
            "data": value,
            "metadata": {
                "key": self._key(record.key),
                "partition": record.partition,
                "offset": record.offset,
                "time": int(record.timestamp),
                "topic": record.topic,
            },
        }

    def _deserialize(self, value):
        method = self.serde["method"]
        if method == "RAW_VALUE":
            return value
        if method == "PROTOBUF" and self.schema_class is not None:
            from google.protobuf.json_format import MessageToDict

            message = self.schema_class()
            message.ParseFromString(value)
            return MessageToDict(message)
        return json.loads(value.decode("utf-8"))

    def _key(self, key):
        if not key:
            return None
        if self.serde["method"] == "RAW_VALUE":
            return key
        try:
            return key.decode("utf-8")
        except UnicodeDecodeError:
            return key

    def _schema_class(self):
        classpath = self.serde.get("schema_classpath")
        if self.serde["method"] != "PROTOBUF" or not classpath:
            return None
        module, _, name = str(classpath).rpartition(".")
        if not module:
            raise ConfigError(f"serde_config.schema_classpath {classpath!r} must be module.Class")
        return getattr(importlib.import_module(module), name)

    def _seek(self, offset):
        """Mage's `offset` key: consume the listed partitions (no group rebalancing) from an offset, a timestamp,
        the beginning or the end."""
        from kafka import TopicPartition

        partitions = [TopicPartition(p["topic"], int(p["partition"])) for p in offset["partitions"]]
        self.consumer.unsubscribe()
        self.consumer.assign(partitions)
        kind, value = offset.get("type"), offset.get("value")
        if kind == "int":
            for partition in partitions:
                self.consumer.seek(partition, int(value))
        elif kind == "timestamp":
            found = self.consumer.offsets_for_times({partition: int(value) for partition in partitions})
            for partition in partitions:
                if found.get(partition) is not None:
                    self.consumer.seek(partition, found[partition].offset)
                else:
                    self.consumer.seek_to_end(partition)
        elif kind == "beginning":
            self.consumer.seek_to_beginning()
        elif kind == "end":
            self.consumer.seek_to_end()


class KafkaSink:
    idempotent = False  # a redelivered batch is written again (the engine counts it under duplicates)

    def __init__(self, config, log):
        check_keys(config, "kafka", SINK_KEYS, required=("bootstrap_server", "topic"))
        self.topic = str(config["topic"])
        KafkaProducer = require("kafka", "kafka-python", "kafka").KafkaProducer  # noqa: N806  (the client's class)

        kwargs = {
            "bootstrap_servers": str(config["bootstrap_server"]),
            "api_version": _api_version(config.get("api_version")),
            "value_serializer": lambda value: json.dumps(value).encode("utf-8"),
            "key_serializer": _key_bytes,
            "linger_ms": _positive(config.get("timeout_ms"), DEFAULT_TIMEOUT_MS, "timeout_ms"),
            "acks": "all",
        }
        # Mage hands batch_size to the producer's batch_size, which counts bytes: its default of 100 puts about one
        # message in each produce batch, ten times slower here. A batch_size given is passed on as Mage does; without
        # one, kafka-python's default (16 KB) applies. Every write ends with a flush either way.
        if config.get("batch_size") is not None:
            kwargs["batch_size"] = _positive(config["batch_size"], DEFAULT_BATCH_SIZE, "batch_size")
        kwargs.update(_security(config, "sink", log))
        self.producer = KafkaProducer(**kwargs)
        log(f"producing to {self.topic} at {config['bootstrap_server']}")

    def write(self, messages):
        """Sends every message, then waits until the broker acknowledged each; raises the first send's error."""
        futures = []
        for message in messages:
            if isinstance(message, dict):
                data = message.get("data", message)
                metadata = message.get("metadata") or {}
            else:
                data, metadata = message, {}
            futures.append(
                self.producer.send(
                    metadata.get("dest_topic", self.topic),
                    value=data,
                    key=metadata.get("key"),
                    timestamp_ms=metadata.get("time"),
                )
            )
        if not futures:
            return
        self.producer.flush(timeout=FLUSH_TIMEOUT_SECONDS)
        for future in futures:
            future.get(timeout=0)

    def close(self):
        self.producer.close()


def _key_bytes(key):
    if key is None or key == "":
        return None
    if isinstance(key, bytes):
        return key
    return str(key).encode("utf-8")


def _api_version(value):
    """Mage defaults to 0.10.2, whose request versions brokers from Kafka 4.0 on refuse (the client then waits
    forever); without the key, Wand lets kafka-python ask the broker instead. A version given is used as given."""
    if value is None or value == "":
        return None
    text = str(value)
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        raise ConfigError(f"api_version {value!r} is not a version such as 2.8.0") from None


def _positive(value, default, key):
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number, not {value!r}") from None
    return number if number > 0 else default


def _nested(config, key, allowed):
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a mapping of {', '.join(allowed)}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r} in {key} for connector_type 'kafka'; known: {', '.join(allowed)}"
        )
    return value


def _serde(value):
    serde = _nested({"serde_config": value}, "serde_config", SERDE_KEYS) or {}
    method = str(serde.get("serialization_method") or "JSON").upper()
    if method not in SERIALIZATION_METHODS:
        raise ConfigError(
            f"serde_config.serialization_method {method!r} is unknown; Mage's: {', '.join(SERIALIZATION_METHODS)}"
        )
    if method == "AVRO":
        raise ConfigError("serde_config.serialization_method AVRO (Mage's confluent_avro) is not available in Wand")
    return {"method": method, "schema_classpath": serde.get("schema_classpath")}


def _check_offset(offset):
    if not isinstance(offset, dict) or offset.get("partitions") is None:
        raise ConfigError(
            "offset needs partitions: a list of {topic, partition} (Mage: 'Please specify topic partitions')"
        )
    if offset.get("type") not in OFFSET_TYPES:
        raise ConfigError(f"offset.type must be one of {', '.join(OFFSET_TYPES)}, not {offset.get('type')!r}")
    for partition in offset["partitions"]:
        if not isinstance(partition, dict) or "topic" not in partition or "partition" not in partition:
            raise ConfigError(f"offset.partitions entries need topic and partition, not {partition!r}")


def _security(config, role, log):
    """kafka-python's security settings from Mage's security_protocol, ssl_config and sasl_config."""
    protocol = config.get("security_protocol")
    ssl = _nested(config, "ssl_config", SSL_KEYS)
    sasl = _nested(config, "sasl_config", SASL_KEYS)
    if protocol in (None, "", "PLAINTEXT"):
        return {}
    if protocol not in ("SSL", "SASL_SSL", "SASL_PLAINTEXT"):
        raise ConfigError(f"security_protocol {protocol!r} is unknown; Mage's: SSL, SASL_SSL, SASL_PLAINTEXT")
    kwargs = {"security_protocol": protocol}
    if protocol == "SSL" and not ssl:
        raise ConfigError("ssl_config is required when security_protocol is SSL")
    if protocol.startswith("SASL"):
        if not sasl:
            raise ConfigError(f"sasl_config is required when security_protocol is {protocol}")
        mechanism = sasl.get("mechanism") or "PLAIN"
        if mechanism == "OAUTHBEARER":
            raise ConfigError("sasl_config.mechanism OAUTHBEARER is not available in Wand (PLAIN and SCRAM are)")
        kwargs.update(
            sasl_mechanism=mechanism, sasl_plain_username=sasl.get("username"), sasl_plain_password=sasl.get("password")
        )
    if ssl and protocol != "SASL_PLAINTEXT":
        kwargs["ssl_check_hostname"] = bool(ssl.get("check_hostname", False))
        for key in ("cafile", "certfile", "keyfile", "password"):
            if ssl.get(key):
                kwargs[f"ssl_{key}"] = ssl[key]
    log(f"{role}: security_protocol {protocol}")
    return kwargs
