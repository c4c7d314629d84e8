"""`addition`: the sum of the argument columns, plus `value` (for a datetime column, `value` `time_unit`s later)."""

import pandas as pd

from mage_ai.data_cleaner.column_types.constants import ColumnType
from mage_ai.data_cleaner.transformer_actions.udf.base import BaseUDF


class Addition(BaseUDF):
    def execute(self):
        first = self.arguments[0]
        column_type = self.options.get("column_type", self.kwargs.get("column_types", {}).get(first))
        if len(self.arguments) == 1 and "value" not in self.options:
            raise Exception("Require second column or a value to add.")
        result = self.df[first]
        for other in self.arguments[1:]:
            result = result + self.df[other]
        value = self.options.get("value")
        if value is None:
            return result
        if column_type == ColumnType.DATETIME:
            moved = pd.to_datetime(result, format="mixed", utc=True) + pd.to_timedelta(
                value, unit=_unit(self.options.get("time_unit", "d"))
            )
            return moved.dt.strftime("%Y-%m-%d %H:%M:%S")
        return result + value


def _unit(unit):
    # Mage's default 'd' is pandas' 'D' (days), which pandas 3 asks for.
    return "D" if unit == "d" else unit
