"""Checks an action's preconditions on the DataFrame; each returns (met, message when not met)."""

import re
from typing import Dict, Tuple

from pandas import DataFrame


def default_resolution(df: DataFrame, action: Dict) -> Tuple[bool, str]:
    """No precondition."""
    return True, None


def resolve_filter_action(df: DataFrame, action: Dict) -> Tuple[bool, str]:
    """A filter's code cannot name a column whose name holds whitespace."""
    if any(re.search(r"\s", name) for name in df.columns):
        return False, "Column name contains whitespace or newline characters which cannot be used in filter actions"
    return True, None
