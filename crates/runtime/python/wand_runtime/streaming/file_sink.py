"""Wand's file sink (`connector_type: file`; Mage has none): each message appended as one JSON line to `path`, flushed
and fsynced before `write` returns. A relative `path` is inside Wand's data directory, under `stream_files/` (a run's
code is a pinned copy of the project, no place for data); an absolute one is used as written.

Keys: `path` (required). A file is not idempotent: a batch redelivered after a crash is appended again.
"""

import json
import os

from wand_runtime.streaming.connectors import ConfigError, check_keys

KEYS = ("path",)


class FileSink:
    idempotent = False  # a redelivered batch is written again (the engine counts it under duplicates)

    def __init__(self, config, log):
        check_keys(config, "file", KEYS, required=("path",))
        base = os.path.realpath(os.path.join(os.environ.get("WAND_DATA_DIR", "."), "stream_files"))
        path = os.path.realpath(os.path.join(base, str(config["path"])))
        if not os.path.isabs(str(config["path"])) and os.path.commonpath([base, path]) != base:
            raise ConfigError(f"path {config['path']!r} leaves {base}; write an absolute path or one inside it")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.file = open(path, "a", encoding="utf-8")  # noqa: SIM115  (kept open for the whole run)
        log(f"appending JSON lines to {config['path']}")

    def write(self, messages):
        if not messages:
            return
        self.file.write("".join(json.dumps(message, default=str) + "\n" for message in messages))
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self):
        self.file.close()
