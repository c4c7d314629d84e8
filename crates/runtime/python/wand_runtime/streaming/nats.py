"""Mage's NATS JetStream source (`connector_type: nats`), on nats-py, with Mage's keys, behind the synchronous contract.

Mage's keys: `server_url`, `stream_name` and `subject` (the stream is created on that subject when missing, as Mage
does), `consumer_name` (the durable consumer; default the stream's name), `batch_size` (default 100), `timeout`
(seconds, default 0.5), `consumer_type` (`PULL`, the default, or `PUSH`), `use_queue_group`, `use_tls` with
`ssl_config`, `nkeys_seed_str` and `user_credentials` (secrets: never logged).

What transformers receive is Mage's: a PULL consumer hands one call per fetch, a list of the JSON-decoded messages; a
PUSH consumer one call per message, its body decoded as text. Unlike Mage, which acknowledges each message as it
fetches it (a crash loses the batch in hand), nothing is acknowledged before `commit`, which the engine calls after
every sink stored the batch: JetStream redelivers what was not acknowledged once the consumer's ack wait (30 s by
default, set on the durable consumer) has passed. nats-py is asyncio: its loop runs on a thread of its own.
"""

import asyncio
import contextlib
import json
import ssl
import threading

from wand_runtime.streaming.connectors import Batch, ConfigError, check_keys, require

KEYS = (
    "server_url",
    "stream_name",
    "subject",
    "nkeys_seed_str",
    "user_credentials",
    "use_tls",
    "ssl_config",
    "consumer_name",
    "batch_size",
    "timeout",
    "consumer_type",
    "use_queue_group",
)
SSL_KEYS = ("cafile", "certfile", "keyfile", "check_hostname")
CONSUMER_TYPES = ("PULL", "PUSH")

# Mage's defaults (mage_ai/streaming/constants.py: 100 messages, 500 ms).
DEFAULT_BATCH_SIZE = 100
DEFAULT_TIMEOUT = 0.5
# How long a call into the client's loop may take before the source gives up on the server.
CALL_TIMEOUT = 60.0
# How long the first connection may take.
CONNECT_DEADLINE = 10.0


class NatsSource:
    def __init__(self, config, log):
        check_keys(config, "nats", KEYS, required=("server_url", "stream_name", "subject"))
        self.log = log
        self.server_url = str(config["server_url"])
        self.stream = str(config["stream_name"])
        self.subject = str(config["subject"])
        self.durable = str(config.get("consumer_name") or self.stream)
        self.batch_size = _positive(config.get("batch_size"), DEFAULT_BATCH_SIZE, "batch_size")
        self.timeout = float(config.get("timeout") or DEFAULT_TIMEOUT)
        if self.timeout <= 0:
            self.timeout = DEFAULT_TIMEOUT
        self.consumer_type = str(config.get("consumer_type") or "PULL").upper()
        if self.consumer_type not in CONSUMER_TYPES:
            raise ConfigError(f"consumer_type must be PULL or PUSH, not {config.get('consumer_type')!r}")
        self.use_queue_group = bool(config.get("use_queue_group", True))
        self.connect_options = _connect_options(config)

        require("nats", "nats-py", "nats")

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run_loop, name="nats-source", daemon=True)
        self.thread.start()
        self.nc = self.sub = None
        try:
            self._call(self._connect())
        except BaseException:
            self.close()
            raise
        log(
            f"consuming {self.subject} from stream {self.stream} at {self.server_url} as durable {self.consumer_type} "
            f"consumer {self.durable} (batches of up to {self.batch_size}; acknowledged after the sinks)"
        )

    def read(self, max_wait):
        wait = max(0.01, min(self.timeout, max_wait))
        messages = self._call(self._fetch(wait))
        if not messages:
            return None
        if self.consumer_type == "PULL":
            calls = [[self._decode_json(message) for message in messages]]
        else:
            calls = [message.data.decode() for message in messages]
        return Batch(calls=calls, kwargs={}, count=len(messages), token=messages)

    def commit(self, batch):
        if batch.token:
            self._call(self._ack(batch.token))
        return batch.count

    def lag(self):
        """Messages in the stream not yet delivered to this consumer (JetStream's num_pending)."""
        try:
            info = self._call(self.nc.jetstream().consumer_info(self.stream, self.durable), timeout=5)
            return int(info.num_pending or 0)
        except Exception:  # noqa: BLE001  (lag is a hint; a failed look-up is "unknown")
            return None

    def close(self):
        if self.nc is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self._call(self.nc.close(), timeout=10)
            self.nc = None
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)

    def _run_loop(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def _call(self, coroutine, timeout=CALL_TIMEOUT):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _connect(self):
        import nats
        from nats.js.errors import NotFoundError

        async def on_error(error):
            self.log(f"NATS: {error}")

        async def on_disconnected():
            self.log(f"NATS: disconnected from {self.server_url}; reconnecting")

        async def on_reconnected():
            self.log(f"NATS: reconnected to {self.server_url}")

        try:
            # Once connected the client reconnects forever (a broker restart pauses the stream, it does not end
            # it); the first connection has a deadline, so a wrong address fails the start.
            self.nc = await asyncio.wait_for(
                nats.connect(
                    servers=[self.server_url],
                    error_cb=on_error,
                    disconnected_cb=on_disconnected,
                    reconnected_cb=on_reconnected,
                    connect_timeout=5,
                    max_reconnect_attempts=-1,
                    **self.connect_options,
                ),
                timeout=CONNECT_DEADLINE,
            )
        except Exception as error:  # noqa: BLE001  (any failure to connect is reported the same way)
            raise ConnectionError(f"cannot reach NATS at {self.server_url}: {error or type(error).__name__}") from None
        js = self.nc.jetstream()
        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            self.log(f"stream {self.stream} does not exist: creating it on subject {self.subject} (as Mage does)")
            await js.add_stream(name=self.stream, subjects=[self.subject])
        if self.consumer_type == "PULL":
            self.sub = await js.pull_subscribe(self.subject, self.durable, stream=self.stream)
        else:
            queue = self.durable if self.use_queue_group else None
            self.sub = await js.subscribe(
                self.subject, durable=self.durable, stream=self.stream, queue=queue, manual_ack=True
            )

    async def _fetch(self, wait):
        from nats.errors import TimeoutError as NatsTimeout

        if self.consumer_type == "PULL":
            try:
                return await self.sub.fetch(self.batch_size, timeout=wait)
            except NatsTimeout:
                return []
        messages = []
        try:
            messages.append(await self.sub.next_msg(timeout=wait))
            while len(messages) < self.batch_size and self.sub.pending_msgs:
                messages.append(await self.sub.next_msg(timeout=wait))
        except NatsTimeout:
            pass
        return messages

    async def _ack(self, messages):
        """Acknowledges every message; the last one waits for the server's confirmation, so when this returns the
        server has taken the whole batch's acknowledgements (they are handled in order)."""
        for message in messages[:-1]:
            await message.ack()
        await messages[-1].ack_sync(timeout=10)

    def _decode_json(self, message):
        try:
            return json.loads(message.data.decode())
        except ValueError as error:
            meta = message.metadata
            raise ValueError(
                f"message {meta.sequence.stream} of stream {self.stream} is not JSON (Mage's PULL consumer decodes "
                f"JSON): {error}"
            ) from None


def _positive(value, default, key):
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number, not {value!r}") from None
    return number if number > 0 else default


def _connect_options(config):
    options = {}
    if config.get("nkeys_seed_str"):
        options["nkeys_seed_str"] = config["nkeys_seed_str"]
    credentials = config.get("user_credentials")
    if credentials:
        options["user_credentials"] = tuple(credentials) if isinstance(credentials, list) else credentials
    ssl_config = config.get("ssl_config")
    if ssl_config is not None:
        if not isinstance(ssl_config, dict):
            raise ConfigError(f"ssl_config must be a mapping of {', '.join(SSL_KEYS)}")
        unknown = sorted(set(ssl_config) - set(SSL_KEYS))
        if unknown:
            raise ConfigError(
                f"unknown key {unknown[0]!r} in ssl_config for connector_type 'nats'; known: {', '.join(SSL_KEYS)}"
            )
    if config.get("use_tls"):
        context = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH)
        ssl_config = ssl_config or {}
        if ssl_config.get("cafile"):
            context.load_verify_locations(ssl_config["cafile"])
        if ssl_config.get("certfile") and ssl_config.get("keyfile"):
            context.load_cert_chain(certfile=ssl_config["certfile"], keyfile=ssl_config["keyfile"])
        if "check_hostname" in ssl_config:
            context.check_hostname = bool(ssl_config["check_hostname"])
        options["tls"] = context
    return options
