"""Placeholders in an action's code and arguments (`%{1_1}`) replaced by the column names its variables hold."""

import re

from mage_ai.data_cleaner.transformer_actions.constants import VariableType


def interpolate(text, key, variable_data):
    """`text` with every `%{key}` replaced by the feature's (or feature set's) uuid that `variable_data` holds."""
    replacement = key
    if variable_data["type"] == VariableType.FEATURE:
        replacement = variable_data[VariableType.FEATURE]["uuid"]
    elif variable_data["type"] == VariableType.FEATURE_SET_VERSION:
        replacement = variable_data[VariableType.FEATURE_SET_VERSION][VariableType.FEATURE_SET]["uuid"]
    # The key is used as a regular expression, and the uuid as a replacement template, as in Mage.
    return re.sub(r"\%\{" + key + r"\}", replacement, str(text))


def replace_true_false(action_code):
    """Action code with the JSON-style ` true` and ` false` written as Python's ` True` and ` False`."""
    return action_code.replace(" false", " False").replace(" true", " True")
