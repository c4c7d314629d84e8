"""`difference`: the first argument column minus the second (days between two datetime columns) or minus `value`."""

import pandas as pd

from mage_ai.data_cleaner.column_types.constants import ColumnType
from mage_ai.data_cleaner.transformer_actions.udf.base import BaseUDF


class Difference(BaseUDF):
    def execute(self):
        first = self.df[self.arguments[0]]
        column_type = self.options.get("column_type", self.kwargs.get("column_types", {}).get(self.arguments[0]))
        is_datetime = column_type == ColumnType.DATETIME
        if len(self.arguments) > 1:
            second = self.df[self.arguments[1]]
            if is_datetime:
                return (_utc(first) - _utc(second)).dt.days
            return first - second
        value = self.options.get("value")
        if value is not None:
            if is_datetime:
                moved = _utc(first) - pd.to_timedelta(value, unit=_unit(self.options.get("time_unit", "d")))
                return moved.dt.strftime("%Y-%m-%d %H:%M:%S")
            return first - value
        raise Exception("Require second column or a value to minus.")


def _utc(values):
    return pd.to_datetime(values, format="mixed", utc=True)


def _unit(unit):
    # Mage's default 'd' is pandas' 'D' (days), which pandas 3 asks for.
    return "D" if unit == "d" else unit
