"""Mage's RabbitMQ source (`connector_type: rabbitmq`), on pika.

Like Mage, each message reaches the transformer alone as `Payload(method, properties, body)` (body in bytes) with the
channel as `kwargs['channel']`, and the user's code acknowledges. Unlike Mage, the channel it gets is a proxy: its
`basic_ack`, `basic_nack` and `basic_reject` are recorded and performed in `commit()`, after every sink stored the
batch, so a crash before that leaves the messages in the queue (Mage acknowledges at once and loses one per kill).
"""

import time
from collections import namedtuple
from urllib.parse import quote, unquote

from wand_runtime.streaming.connectors import Batch, ConfigError, check_keys, require

Payload = namedtuple("Payload", ["method", "properties", "body"])

KEYS = (
    "connection_host",
    "connection_port",
    "queue_name",
    "configure_consume",
    "username",
    "password",
    "amqp_url_virtual_host",
    "url_protocol",
    "consume_config",
)
CONSUME_KEYS = ("auto_ack", "exclusive", "inactivity_timeout")

# How many messages one batch holds at most, and how many the broker hands over unacknowledged (backpressure: it
# sends no more until the engine has stored and acknowledged some).
BATCH_SIZE = 100
PREFETCH = 1000


class ChannelProxy:
    """The channel a transformer sees: acknowledgements wait for `commit()`, everything else is the real channel."""

    def __init__(self, channel):
        self._channel = channel
        self.pending = []

    def basic_ack(self, delivery_tag=0, multiple=False):
        self.pending.append(("ack", delivery_tag, multiple, None))

    def basic_nack(self, delivery_tag=0, multiple=False, requeue=True):
        self.pending.append(("nack", delivery_tag, multiple, requeue))

    def basic_reject(self, delivery_tag=0, requeue=True):
        self.pending.append(("reject", delivery_tag, False, requeue))

    def __getattr__(self, name):
        return getattr(self._channel, name)


class RabbitMQSource:
    def __init__(self, config, log):
        check_keys(config, "rabbitmq", KEYS, required=("connection_host", "connection_port", "queue_name"))
        pika = require("pika", "pika", "rabbitmq")

        self.log = log
        self.queue = str(config["queue_name"])
        consume = config.get("consume_config") or {}
        if not isinstance(consume, dict):
            raise ConfigError("consume_config must be a mapping (auto_ack, exclusive, inactivity_timeout)")
        bad = sorted(set(consume) - set(CONSUME_KEYS))
        if bad:
            raise ConfigError(f"unknown key {bad[0]!r} in consume_config; known: {', '.join(CONSUME_KEYS)}")
        configured = bool(config.get("configure_consume"))
        self.auto_ack = bool(consume.get("auto_ack")) if configured else False
        # Whether what was read and not committed comes again after a crash (not when RabbitMQ forgot it on delivery).
        self.redelivers = not self.auto_ack
        exclusive = bool(consume.get("exclusive")) if configured else False
        if configured and consume.get("inactivity_timeout") is not None:
            log(
                "consume_config.inactivity_timeout: Wand waits for messages itself and calls no transformer when "
                "none came (Mage hands it an empty Payload(None, None, None) after the timeout)"
            )
        if self.auto_ack:
            log(
                "consume_config.auto_ack is true: RabbitMQ forgets each message as it is delivered, so a crash "
                "loses the messages not yet stored (set it false to keep them until the sinks stored them)"
            )
        protocol = config.get("url_protocol") or "amqp"
        user = quote(str(config.get("username") or "guest"), safe="")
        password = quote(str(config.get("password") or "guest"), safe="")
        vhost = config.get("amqp_url_virtual_host") or "%2f"
        host, port = config["connection_host"], int(config["connection_port"])
        log(f"connecting to {protocol}://{host}:{port}/{unquote(str(vhost))}, queue {self.queue}")
        url = f"{protocol}://{user}:{password}@{host}:{port}/{vhost}"
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.channel.basic_qos(prefetch_count=PREFETCH)
        self.inbox = []
        self.channel.basic_consume(self.queue, self._on_message, auto_ack=self.auto_ack, exclusive=exclusive)
        self.proxy = ChannelProxy(self.channel)

    def _on_message(self, _channel, method, properties, body):
        self.inbox.append(Payload(method, properties, body))

    def read(self, max_wait):
        deadline = time.monotonic() + max_wait
        while not self.inbox:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.connection.process_data_events(time_limit=min(left, 0.2))
        if len(self.inbox) < BATCH_SIZE:
            self.connection.process_data_events(time_limit=0)
        calls, self.inbox = self.inbox[:BATCH_SIZE], self.inbox[BATCH_SIZE:]
        self.proxy.pending = []
        return Batch(calls=calls, kwargs={"channel": self.proxy}, count=len(calls))

    def commit(self, batch):
        for kind, tag, multiple, requeue in self.proxy.pending:
            if kind == "ack":
                self.channel.basic_ack(delivery_tag=tag, multiple=multiple)
            elif kind == "nack":
                self.channel.basic_nack(delivery_tag=tag, multiple=multiple, requeue=requeue)
            else:
                self.channel.basic_reject(delivery_tag=tag, requeue=requeue)
        acted = len(self.proxy.pending)
        self.proxy.pending = []
        return acted

    def lag(self):
        try:
            declared = self.channel.queue_declare(self.queue, passive=True)
        except Exception:  # noqa: BLE001  (a count is a nicety; the loop goes on without it)
            return None
        return declared.method.message_count + len(self.inbox)

    def close(self):
        self.connection.close()
