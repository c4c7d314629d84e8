"""Mage's `GlobalDataProduct` for block code: the products of `global_data_products.yaml` and their outputs.

`get_outputs()` asks Wand (the worker answers from the run history, as for a `global_data_product` block), so it
works in a block run by Wand; the freshness helpers are Mage 0.9.80's rule on the attributes.
"""

import os
from datetime import datetime, timezone

import yaml

from mage_ai.settings.repo import get_repo_path
from wand_runtime import context
from wand_runtime.global_data_product import load_outputs

FILE_NAME = "global_data_products.yaml"

# `datetime.UTC` needs Python 3.11, and a project may run 3.10.
_UTC = timezone.utc  # noqa: UP017

# Mage 0.9.80 counts only these keys of `outdated_after` (`get_outdated_at_delta`).
_OUTDATED_AFTER_KEYS = ("months", "seconds", "weeks", "years")


def _week_of_month(moment):
    """Weeks that end on Saturdays, the first one possibly short (Mage's `week_of_month`)."""
    first_week_last_day = 7 - ((moment.replace(day=1).weekday() + 1) % 7)
    if moment.day <= first_week_last_day:
        return 1
    return 2 + (moment.day - first_week_last_day - 1) // 7


_TIME_PARTS = {
    "day_of_month": lambda moment: moment.day,
    "day_of_week": lambda moment: (moment.weekday() + 1) % 7,
    "day_of_year": lambda moment: moment.timetuple().tm_yday,
    "hour_of_day": lambda moment: moment.hour,
    "minute_of_hour": lambda moment: moment.minute,
    "month_of_year": lambda moment: moment.month,
    "second_of_minute": lambda moment: moment.second,
    "week_of_month": _week_of_month,
    "week_of_year": lambda moment: moment.isocalendar()[1],
}


def _time_part(key, moment):
    return _TIME_PARTS[key](moment)


class GlobalDataProductObjectType:
    BLOCK = "block"
    PIPELINE = "pipeline"


class GlobalDataProduct:
    def __init__(self, uuid, **kwargs):
        self.uuid = uuid
        self.object_type = kwargs.get("object_type")
        self.object_uuid = kwargs.get("object_uuid")
        self.outdated_after = kwargs.get("outdated_after")
        self.outdated_starting_at = kwargs.get("outdated_starting_at")
        self.repo_path = kwargs.get("repo_path")
        self.settings = kwargs.get("settings")

    def __repr__(self):
        return f"GlobalDataProduct({self.uuid!r}, object_uuid={self.object_uuid!r})"

    @classmethod
    def file_path(cls, repo_path):
        return os.path.join(repo_path, FILE_NAME)

    @classmethod
    def load_all(cls, repo_path=None):
        path = cls.file_path(repo_path or get_repo_path())
        if not os.path.exists(path):
            return []
        with open(path) as file:
            config = yaml.safe_load(file.read() or "") or {}
        return [cls(uuid, **(attributes or {})) for uuid, attributes in config.items()]

    @classmethod
    def get(cls, uuid, repo_path=None, project=None):
        return next((product for product in cls.load_all(repo_path) if product.uuid == uuid), None)

    def get_outputs(self, from_notebook=False, global_vars=None, **kwargs):
        """{block uuid: [output values of its newest completed runs]} for the blocks of `settings`, newest first."""
        if not self.settings:
            return {}
        overrides = {
            "uuid": self.uuid,
            "outdated_after": self.outdated_after or {},
            "outdated_starting_at": self.outdated_starting_at or {},
            "settings": self.settings,
        }
        reply = context.call({"op": "global_data_product_outputs", "configuration": {"global_data_product": overrides}})
        return load_outputs(reply["outputs"])

    def get_outdated_at_delta(self, in_seconds=False):
        from dateutil.relativedelta import relativedelta

        delta = {key: value for key, value in (self.outdated_after or {}).items() if key in _OUTDATED_AFTER_KEYS}
        delta = {key: value for key, value in delta.items() if value is not None}
        if not delta:
            return None
        value = relativedelta(**delta)
        if in_seconds:
            now = datetime.now(_UTC)
            return ((now + value) - now).total_seconds()
        return value

    def next_run_at(self, pipeline_run):
        delta = self.get_outdated_at_delta()
        if not delta:
            return None
        execution_date = pipeline_run.execution_date + delta
        if not execution_date.tzinfo:
            execution_date = execution_date.replace(tzinfo=_UTC)
        return execution_date

    def is_outdated_after(self, now=None, return_values=False):
        """Whether every `outdated_starting_at` part of `now` (UTC) has reached its value (True when none is set)."""
        starting_at = self.outdated_starting_at or {}
        now = now or datetime.now(_UTC)
        values = {
            key: {"current": _time_part(key, now), "value": value}
            for key, value in starting_at.items()
            if key in _TIME_PARTS and value is not None
        }
        if return_values:
            return values
        return all(part["current"] >= part["value"] for part in values.values())

    def is_outdated(self, pipeline_run=None):
        """[outdated_after has passed since the run, outdated_starting_at is reached], as Mage answers it."""
        if not pipeline_run:
            return [True, True]
        now = datetime.now(_UTC)
        next_run_at = self.next_run_at(pipeline_run)
        if not next_run_at:
            return [False, False]
        return [now >= next_run_at, self.is_outdated_after(now)]

    def to_dict(self, include_uuid=False):
        data = {
            "object_type": self.object_type,
            "object_uuid": self.object_uuid,
            "outdated_after": self.outdated_after,
            "outdated_starting_at": self.outdated_starting_at,
            "project": None,
            "repo_path": self.repo_path,
            "settings": self.settings,
        }
        if include_uuid:
            data["uuid"] = self.uuid
        return data
