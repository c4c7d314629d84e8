"""Helpers of Mage's data cleaner that its actions share: what kind of DataFrame a value is, and list parsing."""

import re
from typing import Any, List, Union

import numpy as np
from pandas.core.indexes.frozen import FrozenList

COLUMN_NAME_QUOTE_CHARS = "+=-*&^%$! ?~|<>(){}[],."
LIST_SPLIT = re.compile(r"\s*,\s*")
LIST_TYPES = frozenset([list, set, tuple])
NONE_TYPES = frozenset([None, np.nan])
PAREN_LIKE_OPEN = frozenset(["[", "("])
PAREN_LIKE_CLOSE = frozenset(["]", ")"])


class FrozenDict(dict):
    """A dictionary that refuses changes, so that a parsed list element can sit in a hashable list."""

    def _refuse(self, *args, **kwargs):
        raise AttributeError("Cannot modify a frozen dictionary")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse


def is_dataframe(df):
    """Whether `df` is a pandas, Spark or GeoPandas DataFrame."""
    import pandas as pd

    return type(df) is pd.DataFrame or is_spark_dataframe(df) or is_geo_dataframe(df)


def is_geo_dataframe(df):
    return type(df).__module__ == "geopandas.geodataframe" and type(df).__name__ == "GeoDataFrame"


def is_spark_dataframe(df):
    return type(df).__module__ == "pyspark.sql.dataframe"


def parse_list(list_literal: Union[str, List[Any]]) -> FrozenList:
    """A list value as a `FrozenList`; a string such as "[1, 'a']" is parsed element by element."""
    kind = type(list_literal)
    if kind is FrozenList:
        return list_literal
    if kind in LIST_TYPES:
        return FrozenList([_freeze(element) for element in list_literal])
    if list_literal in NONE_TYPES:
        return list_literal
    if kind is not str:
        return FrozenList([list_literal])
    if list_literal[0] not in PAREN_LIKE_OPEN or list_literal[-1] not in PAREN_LIKE_CLOSE:
        return list_literal
    inner = list_literal.strip("[]() ")
    if inner == "":
        return FrozenList([])
    return FrozenList([_parse_element(element) for element in LIST_SPLIT.split(inner)])


def wrap_column_name(name: str) -> str:
    """The column name in double quotes when it holds a character that an action's code cannot take bare."""
    if any(symbol in name for symbol in COLUMN_NAME_QUOTE_CHARS):
        return f'"{name}"'
    return name


def _parse_element(element: str) -> Any:
    if element in ("nan", "np.nan"):
        return np.nan
    try:
        # Mage evaluates each element as a Python expression; this reads literals only.
        import ast

        return _freeze(ast.literal_eval(element))
    except Exception:
        return None


def _freeze(element: Any) -> Any:
    return FrozenDict(element) if isinstance(element, dict) else element
