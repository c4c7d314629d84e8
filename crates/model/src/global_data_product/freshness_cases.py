"""Runs Mage 0.9.80's own GlobalDataProduct freshness methods (next_run_at, is_outdated_after, week_of_month) on a
table of cases and prints them as JSON: the expected values of Wand's model::GlobalDataProduct tests."""
import json
from datetime import datetime, timezone
from types import SimpleNamespace

from mage_ai.data_preparation.models.global_data_product import GlobalDataProduct
from mage_ai.shared.dates import week_of_month

def t(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)

cases = [
    ({"seconds": 3600}, {}, "2024-01-31T10:00:00", "2024-01-31T10:59:59"),
    ({"seconds": 3600}, {}, "2024-01-31T10:00:00", "2024-01-31T11:00:00"),
    ({"months": 1}, {}, "2024-01-31T10:00:00", "2024-02-29T10:00:00"),
    ({"months": 1}, {}, "2024-01-31T10:00:00", "2024-02-29T09:59:59"),
    ({"years": 1, "months": 1, "weeks": 1, "seconds": 30}, {}, "2023-12-31T23:59:50", "2025-02-07T00:00:20"),
    ({"years": 1}, {}, "2024-02-29T12:00:00", "2025-02-28T12:00:00"),
    ({"weeks": 2}, {}, "2024-03-01T00:00:00", "2024-03-14T23:59:59"),
    ({"weeks": 0.5}, {}, "2024-03-01T00:00:00", "2024-03-04T12:00:00"),
    ({"hours": 1}, {}, "2024-03-01T00:00:00", "2030-01-01T00:00:00"),
    ({"days": 1, "minutes": 5}, {}, "2024-03-01T00:00:00", "2030-01-01T00:00:00"),
    ({}, {}, "2024-03-01T00:00:00", "2030-01-01T00:00:00"),
    ({"seconds": 0}, {}, "2024-03-01T00:00:00", "2030-01-01T00:00:00"),
    ({"seconds": 60}, {"hour_of_day": 6}, "2024-03-01T00:00:00", "2024-03-01T05:59:00"),
    ({"seconds": 60}, {"hour_of_day": 6}, "2024-03-01T00:00:00", "2024-03-01T06:00:00"),
    ({"seconds": 60}, {"hour_of_day": 6, "minute_of_hour": 30}, "2024-03-01T00:00:00", "2024-03-01T07:15:00"),
    ({"seconds": 60}, {"hour_of_day": 6, "minute_of_hour": 30}, "2024-03-01T00:00:00", "2024-03-01T07:45:00"),
    ({"seconds": 60}, {"day_of_week": 3}, "2024-03-01T00:00:00", "2024-03-05T00:00:00"),
    ({"seconds": 60}, {"day_of_week": 3}, "2024-03-01T00:00:00", "2024-03-06T00:00:00"),
    ({"seconds": 60}, {"day_of_month": 15, "month_of_year": 3}, "2024-01-01T00:00:00", "2024-03-14T00:00:00"),
    ({"seconds": 60}, {"day_of_year": 60, "second_of_minute": 30}, "2024-01-01T00:00:00", "2024-02-29T00:00:31"),
    ({"seconds": 60}, {"week_of_month": 2}, "2024-03-01T00:00:00", "2024-03-02T00:00:00"),
    ({"seconds": 60}, {"week_of_month": 2}, "2024-03-01T00:00:00", "2024-03-03T00:00:00"),
    ({"seconds": 60}, {"week_of_year": 10}, "2024-01-01T00:00:00", "2024-03-03T00:00:00"),
    ({"seconds": 60}, {"week_of_year": 10}, "2024-01-01T00:00:00", "2024-03-04T00:00:00"),
]
out = []
for after, starting, executed, now in cases:
    gdp = GlobalDataProduct("p", object_type="pipeline", object_uuid="x", outdated_after=after,
                            outdated_starting_at=starting, settings={})
    next_run_at = gdp.next_run_at(SimpleNamespace(execution_date=t(executed)))
    reached = gdp.is_outdated_after(t(now))
    passed = bool(next_run_at and t(now) >= next_run_at)
    out.append({"outdated_after": after, "outdated_starting_at": starting, "executed": executed + "Z",
                "now": now + "Z", "outdated_at": next_run_at and next_run_at.isoformat().replace("+00:00", "Z"),
                "outdated": passed and reached})
weeks = [{"date": f"2024-{m:02d}-{d:02d}", "week_of_month": week_of_month(t(f"2024-{m:02d}-{d:02d}T00:00:00"))}
         for m in (2, 3, 6, 9) for d in (1, 2, 3, 7, 8, 9, 10, 16, 17, 23, 24, 28, 29, 30) if not (m == 2 and d > 29)
         if not (m in (6, 9) and d > 30)]
print(json.dumps({"cases": out, "weeks": weeks}, indent=1))
