"""Runs Mage 0.9.80's own backfill planner (mage_ai.orchestration.backfills.service.preview_run_dates) on a table of
cases and prints them as JSON: the expected per-run variables of Wand's model::backfill tests. Times are UTC-aware,
as Mage reads them back from PostgreSQL."""
import json
from datetime import datetime
from types import SimpleNamespace

from mage_ai.orchestration.backfills import service
from mage_ai.orchestration.db.models.schedules import Backfill

cases = [
    ("2024-01-30T00:00:00+00:00", "2024-02-01T00:00:00+00:00", "day", 1),
    ("2024-01-01T00:00:00+00:00", "2024-01-30T00:00:00+00:00", "day", 1),
    ("2024-01-01T00:00:00+00:00", "2024-01-03T12:00:00+00:00", "day", 2),
    ("2024-01-31T06:00:00+00:00", "2024-05-01T00:00:00+00:00", "month", 1),
    ("2024-02-29T00:00:00+00:00", "2026-03-01T00:00:00+00:00", "year", 1),
    ("2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00", "hour", 1),
    ("2024-01-01T22:00:00+00:00", "2024-01-02T01:00:00+00:00", "hour", 1),
    ("2024-01-01T00:00:00+00:00", "2024-01-01T00:10:00+00:00", "minute", 5),
    ("2024-01-01T00:00:00.5+00:00", "2024-01-01T00:00:05+00:00", "custom", 2),
    ("2024-01-01T00:00:00+00:00", "2024-01-01T00:00:02+00:00", "second", 1),
    ("2024-01-01T00:00:00+00:00", "2024-01-20T00:00:00+00:00", "week", 2),
    ("2024-01-02T00:00:00+00:00", "2024-01-01T00:00:00+00:00", "day", 1),
]

out = []
for start, end, interval_type, units in cases:
    backfill = SimpleNamespace(
        block_uuid=None,
        start_datetime=datetime.fromisoformat(start),
        end_datetime=datetime.fromisoformat(end),
        interval_type=Backfill.IntervalType(interval_type),
        interval_units=units,
    )
    out.append(dict(
        start_datetime=start,
        end_datetime=end,
        interval_type=interval_type,
        interval_units=units,
        runs=service.preview_run_dates(backfill),
    ))
print(json.dumps({"cases": out}, indent=1))
