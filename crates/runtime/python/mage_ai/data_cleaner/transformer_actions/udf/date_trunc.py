"""`date_trunc`: a date column truncated to `date_part` (only 'week': the Monday, as YYYY-MM-DD)."""

import numpy as np
import pandas as pd

from mage_ai.data_cleaner.transformer_actions.udf.base import BaseUDF


class DateTrunc(BaseUDF):
    def execute(self):
        date_part = self.options["date_part"]
        dates = pd.to_datetime(self.df[self.arguments[0]], format="mixed")
        if date_part == "week":
            return (dates - dates.dt.weekday * np.timedelta64(1, "D")).dt.strftime("%Y-%m-%d")
        raise Exception(f"Date part {date_part} is not supported.")
