"""`distance_between`: the great-circle distance in km between (lat1, lng1) and (lat2, lng2), four columns."""

import numpy as np

from mage_ai.data_cleaner.transformer_actions.udf.base import BaseUDF

EARTH_RADIUS = 6371


class DistanceBetween(BaseUDF):
    def execute(self):
        lat1, lng1, lat2, lng2 = np.radians([self.df[name] for name in self.arguments[:4]])
        a = np.sin((lat2 - lat1) / 2.0) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2.0) ** 2
        return EARTH_RADIUS * 2 * np.arcsin(np.sqrt(a))
