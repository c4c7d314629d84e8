"""`divide`: the first argument column divided by the second, or by `value`."""

from mage_ai.data_cleaner.transformer_actions.udf.base import BaseUDF


class Divide(BaseUDF):
    def execute(self):
        first = self.arguments[0]
        if len(self.arguments) > 1:
            return self.df[first].astype(float) / self.df[self.arguments[1]].astype(float)
        if self.options.get("value") is not None:
            return self.df[first] / float(self.options["value"])
        raise Exception("Require second column or a value to divide.")
