"""Row actions: each takes the DataFrame and the action dictionary and returns the rows it keeps, in its order."""

import pandas as pd

from mage_ai.data_cleaner.column_types.constants import NUMBER_TYPES
from mage_ai.data_cleaner.transformer_actions.action_code import query_with_action_code
from mage_ai.data_cleaner.transformer_actions.custom_action import execute_custom_action


def custom(df, action, **kwargs):
    return execute_custom_action(df, action, **kwargs)


def drop_duplicates(df, action, **kwargs):
    """Duplicate rows (by the argument columns, or all columns) removed, keeping `keep` ('last' unless given)."""
    arguments = dict(keep=action.get("action_options", {}).get("keep", "last"))
    subset = action.get("action_arguments")
    if subset is not None and len(subset) > 0:
        arguments["subset"] = subset
    return df.drop_duplicates(**arguments)


def filter_rows(df, action, **kwargs):
    """The rows for which `action_code` holds (see `action_code.query_with_action_code`)."""
    return query_with_action_code(df, action["action_code"], kwargs)


def sort_rows(df, action, **kwargs):
    """The rows sorted by the argument columns (`ascending`, or `ascendings` one per column).

    Numeric columns sort as floats; rows whose first sort column is a number column and is null or '' go first when
    ascending and last when descending, as in Mage.
    """
    options = action.get("action_options", {})
    ascending = options.get("ascending", True)
    ascendings = options.get("ascendings", [])
    if len(ascendings) > 0:
        ascending = ascendings[0]

    features = {}
    for variable in (action.get("action_variables") or {}).values():
        feature = variable.get("feature")
        if feature:
            features[feature["uuid"]] = feature

    as_types = {}
    blank_rows = None
    for position, column in enumerate(action["action_arguments"]):
        feature = features.get(column)
        if feature and feature["column_type"] in NUMBER_TYPES:
            as_types[column] = float
            if position == 0:
                blank_rows = df[(df[column].isnull()) | (df[column].astype(str).str.len() == 0)].index

    blank = df.index.isin(blank_rows) if blank_rows is not None else None
    rows = df[~blank] if blank is not None else df
    order = rows.astype(as_types).sort_values(
        by=action["action_arguments"], ascending=ascendings if len(ascendings) > 0 else ascending
    )
    sorted_df = df.loc[order.index]
    if blank is None:
        return sorted_df
    if ascending:
        return pd.concat([df.iloc[blank], sorted_df])
    return pd.concat([sorted_df, df.iloc[blank]])


def remove_row(df, action, **kwargs):
    """The DataFrame without the rows whose index labels `action_options['rows']` lists (unknown labels ignored)."""
    present = df.index
    return df.drop([label for label in action["action_options"]["rows"] if label in present], axis=0)
