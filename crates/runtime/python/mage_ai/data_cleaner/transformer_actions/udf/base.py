"""The base of the `add` action's functions, and `execute_udf`, which finds one by name (`string_split` →
`udf.string_split.StringSplit`)."""

import importlib


class BaseUDF:
    """A function of the DataFrame's columns (`arguments`), with the action's code and options."""

    def __init__(self, df, arguments=[], code=None, options={}, kwargs={}):
        self.df = df
        self.arguments = arguments
        self.code = code
        self.options = options
        self.kwargs = kwargs

    def execute(self):
        pass


def execute_udf(udf_name, df, arguments, code, options, kwargs):
    """The new column the function `udf_name` computes."""
    module = importlib.import_module(f"mage_ai.data_cleaner.transformer_actions.udf.{udf_name}")
    udf_class = getattr(module, udf_name.title().replace("_", ""))
    return udf_class(df, arguments, code, options, kwargs).execute()
