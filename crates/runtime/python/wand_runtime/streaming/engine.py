"""Runs a streaming pipeline's whole tree (one source, transformers, sinks) in this one long-lived process.

The loop: `source.read()` a batch → each call through the transformers in tree order (Mage's depth-first order) →
every sink writes what reached it in one write (one transaction) → `source.commit(batch)`. Nothing is acknowledged
before every sink stored it, so a crash anywhere means redelivery after the restart (at-least-once; exactly-once in a
sink with unique constraints). SIGTERM stops the loop cleanly: the batch in hand is finished and committed first.

Counters (messages in, out per sink, duplicates, errors, lag, last message) go to `counters_path` as JSON, replaced
atomically after every acknowledged batch and about every second; Wand's server serves that file
(`GET /runs/{id}/stream`). A restarted attempt continues the totals it finds there.

Duplicates: a sink that is not idempotent (a file, DuckDB, Kafka, PostgreSQL without `unique_constraints`) that stored
a batch before the process died (or a later sink failed) holds that batch twice once the broker delivers it again.
Each such write is noted in the counters file (`in_flight`) before the next step; the next attempt finds the note
and counts those records under `duplicates` for that sink, and says so in its log. The one blind spot is a kill in
the instant between the broker's acknowledgement and the note's removal: that batch is then counted in neither.
This module does not decide retries: a failure ends the attempt and Wand retries the run.
"""

import copy
import json
import os
import signal
import sys
import time
from datetime import datetime, timezone

from wand_runtime.streaming import connectors, python_classes

READ_WAIT = 0.5
REPORT_EVERY = 1.0
LOG_EVERY = 10.0


class Counters:
    """The run's live counters, kept in a JSON file that outlives the process."""

    def __init__(self, path, sinks):
        self.path = path
        self.data = {
            "messages_in": 0,
            "messages_out": {},
            "duplicates": {},
            "errors": 0,
            "lag": None,
            "last_message_at": None,
            "last_error": None,
            "attempts": 0,
        }
        if path and os.path.exists(path):
            try:
                with open(path, encoding="utf-8") as file:
                    self.data.update(json.load(file))
            except (OSError, ValueError):
                pass
        for sink in sinks:
            self.data["messages_out"].setdefault(sink, 0)
        self.data["attempts"] += 1
        self.data["state"] = "running"
        self.data["started_at"] = _now()

    def settle_in_flight(self, redelivers, log):
        """Counts what the previous attempt wrote to non-idempotent sinks without the source acknowledging it: the
        broker delivers it again (when `redelivers`), so those sinks hold it twice."""
        in_flight = self.data.pop("in_flight", None) or {}
        if not redelivers:
            return
        for sink, count in (in_flight.get("written") or {}).items():
            if count:
                duplicates = self.data.setdefault("duplicates", {})
                duplicates[sink] = duplicates.get(sink, 0) + count
                log(
                    f"{count} records written to {sink} by the previous attempt were not acknowledged to the broker, "
                    f"which delivers them again: {sink} is not idempotent (no unique key) and holds them twice "
                    "(counted under duplicates)"
                )

    def save(self):
        if not self.path:
            return
        self.data["updated_at"] = _now()
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        temporary = f"{self.path}.tmp"
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(self.data, file)
        os.replace(temporary, self.path)


class Node:
    """One block of the tree: the source, a transformer (with its function) or a sink (with its connector)."""

    def __init__(self, spec):
        self.uuid = spec["uuid"]
        self.block_type = spec["block_type"]
        self.language = spec.get("language", "yaml")
        self.file = spec["file"]
        self.upstream = list(spec.get("upstream") or [])
        self.configuration = spec.get("configuration") or {}
        self.children = []
        self.function = None
        self.sink = None


def run(request):
    """Runs the tree of `request["streaming"]` until SIGTERM; the result is the source block's (block.py's shape)."""
    from wand_runtime import block

    ctx = block._enter(request)
    os.environ["WAND_DATA_DIR"] = request["data_dir"]
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    spec = request["streaming"]
    nodes = {item["uuid"]: Node(item) for item in spec["blocks"]}
    for node in nodes.values():
        for parent in node.upstream:
            nodes[parent].children.append(node)
    source_node = nodes[request["block_uuid"]]
    sinks = [node for node in nodes.values() if node.block_type == "data_exporter"]
    counters = Counters(spec.get("counters_path"), [node.uuid for node in sinks])
    source = None
    try:
        variables = block._kwargs(request)
        for node in nodes.values():
            if node.block_type == "transformer":
                node.function = _transformer(request, node)
        for node in sinks:
            if node.language == "python":
                node.sink = python_classes.PythonSink(request, node.file, variables, _log(node.uuid))
                continue
            config = _yaml_config(request, node, variables)
            kind = config.pop("connector_type", None)
            node.sink = connectors.sink_class(kind, node.file)(config, _log(node.uuid))
        if source_node.language == "python":
            source = python_classes.PythonSource(request, source_node.file, variables, _log(source_node.uuid))
        else:
            source_config = _yaml_config(request, source_node, variables)
            connector = source_config.pop("connector_type", None)
            source = connectors.source_class(connector, source_node.file)(source_config, _log(source_node.uuid))
        counters.settle_in_flight(getattr(source, "redelivers", True), _log(source_node.uuid))
        _loop(request, source, source_node, sinks, counters, stopping)
    except BaseException as error:
        counters.data["errors"] += 1
        counters.data["last_error"] = f"{type(error).__name__}: {error}"[:2000]
        counters.data["state"] = "failed"
        counters.save()
        if isinstance(error, connectors.ConfigError):
            raise block.BlockFailure(str(error)) from None
        raise
    finally:
        for node in sinks:
            if node.sink is not None:
                _quietly(node.sink.close)
        if source is not None:
            _quietly(source.close)
    counters.data["state"] = "stopped"
    counters.save()
    _log(source_node.uuid)("stopped: every batch read was stored and acknowledged")
    return block._completed(request, ctx, block._store(None, request), None, {})


def _loop(request, source, source_node, sinks, counters, stopping):
    log = _log(source_node.uuid)
    reported = logged = 0.0
    unacknowledged_warned = False
    while True:
        now = time.monotonic()
        if now - reported >= REPORT_EVERY:
            counters.data["lag"] = source.lag()
            counters.save()
            reported = now
        if now - logged >= LOG_EVERY:
            data = counters.data
            log(f"messages in {data['messages_in']}, out {data['messages_out']}, lag {data['lag']}")
            logged = now
        if stopping:
            return
        try:
            batch = source.read(READ_WAIT)
        except python_classes.EndOfStream:
            log("the source's read loop returned: the stream is over")
            return
        if batch is None:
            continue
        pending = {node.uuid: [] for node in sinks}
        for message in batch.calls:
            _through(request, source_node, message, batch.kwargs, pending)
        written = {}
        for node in sinks:
            node.sink.write(pending[node.uuid])
            if pending[node.uuid] and not getattr(node.sink, "idempotent", False):
                written[node.uuid] = len(pending[node.uuid])
                counters.data["in_flight"] = {"written": written}
                counters.save()
        acted = source.commit(batch)
        data = counters.data
        data.pop("in_flight", None)
        data["messages_in"] += batch.count
        for node in sinks:
            data["messages_out"][node.uuid] += len(pending[node.uuid])
        data["last_message_at"] = _now()
        counters.save()
        if acted == 0 and not unacknowledged_warned and "channel" in batch.kwargs and not source.auto_ack:
            log(
                "the transformers acknowledged none of the batch's messages (kwargs['channel'].basic_ack): "
                "RabbitMQ keeps them and delivers them again after a restart"
            )
            unacknowledged_warned = True


def _through(request, node, output, extra_kwargs, pending):
    """Hands `output` (what `node` produced for one call) to each child, depth first, as Mage does."""
    from wand_runtime import block

    shared = len(node.children) > 1
    for child in node.children:
        value = _copy(output) if shared else output
        if child.block_type == "transformer":
            kwargs = block._kwargs(dict(request, block_uuid=child.uuid, configuration=child.configuration))
            kwargs.update(extra_kwargs)
            result = block._call(child.function, [value], kwargs)
            _through(request, child, result, extra_kwargs, pending)
        elif child.block_type == "data_exporter":
            pending[child.uuid].extend(_records(value))


def _records(value):
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if type(value).__name__ == "DataFrame" and hasattr(value, "to_dict"):
        return value.to_dict(orient="records")
    return list(value)


def _copy(value):
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001  (Mage falls back to a shallow copy the same way)
        return copy.copy(value)


def _yaml_config(request, node, variables):
    """The block's YAML, rendered with Jinja as Mage does (`variables('x')`, `env_var`, secrets), as a mapping."""
    import jinja2
    import yaml

    from wand_runtime.sql.render import python_helpers

    path = os.path.join(request["repo_path"], node.file)
    with open(path, encoding="utf-8") as file:
        text = file.read()
    names = dict(python_helpers())
    names["variables"] = lambda name: variables.get(name)
    rendered = jinja2.Template(text).render(**names)
    config = yaml.safe_load(rendered) or {}
    if not isinstance(config, dict):
        raise connectors.ConfigError(f"{node.file}: a streaming block's YAML must be a mapping of keys")
    return config


def _transformer(request, node):
    from wand_runtime import block, decorators

    decorators.reset()
    block._load_module(request, node.file)
    return block._block_function(dict(request, file=node.file, block_type="transformer"))


def _log(uuid):
    def log(message):
        print(f"[{uuid}] {message}", file=sys.stdout, flush=True)

    return log


def _quietly(close):
    try:
        close()
    except Exception as error:  # noqa: BLE001  (closing after a failure must not hide it)
        print(f"closing: {error}", file=sys.stderr)


def _now():
    return datetime.now(timezone.utc).isoformat()
