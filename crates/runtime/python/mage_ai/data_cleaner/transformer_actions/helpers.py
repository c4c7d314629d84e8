"""Conversions that several transformer actions share: a column to its declared type, a column's declared type."""

import numpy as np

from mage_ai.data_cleaner.column_types.constants import ColumnType
from mage_ai.data_cleaner.shared.utils import parse_list
from mage_ai.data_cleaner.transformer_actions.constants import ActionType, VariableType

DAY_SECONDS = 86400
HOUR_SECONDS = 3600


def convert_col_type(df_col, col_type):
    """`df_col` converted to `col_type`: blanks and nulls become 0 for `number`; decimals and text drop nulls."""
    if col_type == ColumnType.NUMBER:
        return df_col.replace(r"^\s*$", 0, regex=True).fillna(0).infer_objects().astype(np.int64)
    if col_type == ColumnType.NUMBER_WITH_DECIMALS:
        return df_col.dropna().astype(float)
    if col_type == ColumnType.TEXT:
        return df_col.dropna().astype(str)
    if col_type == ColumnType.LIST:
        return df_col.apply(parse_list)
    return df_col


def convert_value_type(feature_uuid, action, value):
    """`value` as an int or a float when the action's variables declare the column a number."""
    column_type = get_column_type(feature_uuid, action)
    if column_type == ColumnType.NUMBER:
        return int(value)
    if column_type == ColumnType.NUMBER_WITH_DECIMALS:
        return float(value)
    return value


def drop_na(df):
    """`df` without nulls and blank strings."""
    return df.replace(r"^\s*$", np.nan, regex=True).infer_objects().dropna()


def extract_join_feature_set_version_id(payload):
    """The id of the feature set version a `join` action joins with, or None for another action."""
    if payload["action_type"] != ActionType.JOIN:
        return None
    version_id = payload["action_arguments"][0]
    if isinstance(version_id, str) and version_id.startswith("%{"):
        version_id = next(
            variable["id"]
            for variable in payload["action_variables"].values()
            if variable["type"] == VariableType.FEATURE_SET_VERSION
        )
    return version_id


def get_column_type(feature_uuid, action):
    """The column type the action's variables declare for the column `feature_uuid`, or None."""
    for variable in action.get("action_variables", {}).values():
        if variable["type"] == "feature" and variable["feature"]["uuid"] == feature_uuid:
            return variable["feature"]["column_type"]
    return None


def get_time_window_str(window_in_seconds):
    """A window length as Mage writes it in names: '2d', '3h' or '90s'."""
    if window_in_seconds is None:
        return None
    if window_in_seconds >= DAY_SECONDS:
        return f"{int(window_in_seconds / DAY_SECONDS)}d"
    if window_in_seconds >= HOUR_SECONDS:
        return f"{int(window_in_seconds / HOUR_SECONDS)}h"
    return f"{window_in_seconds}s"
