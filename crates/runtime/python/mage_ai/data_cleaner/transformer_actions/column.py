"""Column actions: each takes the DataFrame and the action dictionary and returns the transformed DataFrame.

As in Mage, most change the DataFrame they are given (new columns are set on it) and return it.
"""

import builtins
import logging

import numpy as np
import pandas as pd

from mage_ai.data_cleaner.column_types.column_type_detector import find_syntax_errors
from mage_ai.data_cleaner.column_types.constants import NUMBER_TYPES, ColumnType
from mage_ai.data_cleaner.transformer_actions.action_code import query_with_action_code
from mage_ai.data_cleaner.transformer_actions.constants import (
    CONSTANT_IMPUTATION_DEFAULTS,
    CURRENCY_SYMBOLS,
    INVALID_VALUE_PLACEHOLDERS,
    ImputationStrategy,
)
from mage_ai.data_cleaner.transformer_actions.custom_action import execute_custom_action
from mage_ai.data_cleaner.transformer_actions.helpers import convert_col_type, get_column_type, get_time_window_str
from mage_ai.data_cleaner.transformer_actions.udf.base import execute_udf
from mage_ai.data_cleaner.transformer_actions.utils import clean_column_name, generate_string_cols

logger = logging.getLogger(__name__)

BLANK = r"^\s*$"


def add_column(df, action, **kwargs):
    """A new column (`outputs[0]`) computed by the function `action_options['udf']` names, in its declared type."""
    output = action["outputs"][0]
    udf = action["action_options"].get("udf")
    if udf is None or len(action["action_arguments"]) == 0:
        return df
    result = df.copy()
    result[output["uuid"]] = execute_udf(
        udf, df, action.get("action_arguments"), action.get("action_code"), action.get("action_options"), kwargs
    )
    result[output["uuid"]] = convert_col_type(result[output["uuid"]], output["column_type"])
    return result


def average(df, action, **kwargs):
    return _aggregate(df, action, "mean")


def count(df, action, **kwargs):
    return _groupby_aggregate(df, action, "count")


def count_distinct(df, action, **kwargs):
    return _groupby_aggregate(df, action, "nunique")


def clean_column_names(df, action, **kwargs):
    """The DataFrame with the argument columns renamed by `clean_column_name`."""
    return df.rename(columns={name: clean_column_name(name) for name in action["action_arguments"]})


def custom(df, action, **kwargs):
    return execute_custom_action(df, action, **kwargs)


def diff(df, action, **kwargs):
    """The difference of each row's value from the previous row's, into `outputs[0]`."""
    if len(action["action_arguments"]) == 0:
        return df
    df[action["outputs"][0]["uuid"]] = df[action["action_arguments"][0]].diff()
    return df


def first(df, action, **kwargs):
    return _aggregate(df, action, "first")


def fix_syntax_errors(df, action, **kwargs):
    """Values of the string argument columns that do not parse as their column's type become its placeholder."""
    variables = action["action_variables"]
    for column in generate_string_cols(df, action["action_arguments"]):
        ctype = variables[column]["feature"]["column_type"]
        df.loc[find_syntax_errors(df[column], ctype), column] = INVALID_VALUE_PLACEHOLDERS[ctype]
    return df


def impute(df, action, **kwargs):
    """Missing (null or blank) values of the argument columns filled in by `action_options['strategy']`."""
    variables = action["action_variables"]
    columns = action["action_arguments"]
    options = action["action_options"]
    strategy = options.get("strategy")
    value = options.get("value")

    df[columns] = df[columns].replace(BLANK, np.nan, regex=True).infer_objects()
    ctypes = [variables[column]["feature"]["column_type"] for column in columns]

    if strategy == ImputationStrategy.AVERAGE:
        df[columns] = df[columns].fillna(df[columns].astype(float).mean(axis=0))
    elif strategy == ImputationStrategy.CONSTANT:
        if value is None:
            value = pd.Series([CONSTANT_IMPUTATION_DEFAULTS[ctype] for ctype in ctypes], index=pd.Index(columns))
        df[columns] = df[columns].fillna(value)
    elif strategy == ImputationStrategy.MEDIAN:
        df[columns] = df[columns].fillna(df[columns].astype(float).median(axis=0))
    elif strategy == ImputationStrategy.MODE:
        if ColumnType.LIST in ctypes:
            for column, ctype in zip(columns, ctypes):
                mode = df[column].mode().iloc[0]
                if ctype == ColumnType.LIST:
                    df[column] = df[column].apply(lambda x, mode=mode: x if x not in [None, np.nan] else mode)
                else:
                    # As in Mage, this fills every argument column with this column's mode.
                    df[columns] = df[columns].fillna(mode)
        else:
            df[columns] = df[columns].fillna(df[columns].mode(axis=0).iloc[0])
    elif strategy == ImputationStrategy.COLUMN:
        df[columns] = df[columns].fillna(pd.DataFrame({column: df[value] for column in columns}))
    elif strategy == ImputationStrategy.SEQ:
        df = df.sort_values(by=options.get("timeseries_index"), axis=0)
        df[columns] = df[columns].ffill().infer_objects()
    elif strategy == ImputationStrategy.RANDOM:
        for column, ctype in zip(columns, ctypes):
            missing = df[df[column].isna()].index
            present = df[df[column].notna()].index
            if len(missing) == len(df[column]):
                raise Exception(f"Random impute has no values to sample from in column '{column}'")
            sample = df.loc[present, column].sample(len(missing), replace=True)
            sample.index = missing
            if ctype == ColumnType.LIST:
                for index, sampled in zip(missing, sample):
                    df.at[index, column] = sampled
            else:
                df.loc[missing, column] = sample
    elif value is not None:
        df[columns] = df[columns].fillna(value)
    else:
        raise Exception("Require a valid strategy or value")

    for column in columns:
        df[column] = convert_col_type(df[column], get_column_type(column, action))
    return df


def max(df, action, **kwargs):
    return _aggregate(df, action, "max")


def median(df, action, **kwargs):
    return _aggregate(df, action, "median")


def min(df, action, **kwargs):
    return _aggregate(df, action, "min")


def normalize(df, action, **kwargs):
    """Each argument column rescaled to [0, 1] (min-max), ignoring nulls."""
    for column in action["action_arguments"]:
        low = np.nanmin(df[column], axis=0)
        high = np.nanmax(df[column], axis=0)
        df[column] = (df[column] - low) / (high - low)
    return df


def reformat(df, action, **kwargs):
    """Values rewritten by `action_options['reformat']`: `caps_standardization`, `currency_to_num`,
    `date_format_conversion` or `trim`; any other value only turns blank strings into nulls."""
    columns = action["action_arguments"]
    options = action["action_options"]
    kind = options["reformat"]

    if kind == "caps_standardization":
        upper = options["capitalization"] == "uppercase"
        for column in generate_string_cols(df, columns):
            df[column] = df[column].str.upper() if upper else df[column].str.lower()
        df[columns] = df[columns].replace(BLANK, np.nan, regex=True).infer_objects()
    elif kind == "currency_to_num":
        for column in generate_string_cols(df, columns):
            cleaned = df[column].replace(CURRENCY_SYMBOLS, "", regex=True).replace(r"\s", "", regex=True)
            cleaned = cleaned.replace(BLANK, np.nan, regex=True).infer_objects()
            df[column] = pd.to_numeric(cleaned, errors="coerce").astype(float)
    elif kind == "date_format_conversion":
        for column in columns:
            values = df[column]
            present = values.dropna(axis=0)
            if len(present) > 0 and type(present.iloc[0]) is str:
                # Mage's first replacement is literal (pandas' default regex=False), so it rarely matches.
                values = values.str.replace(r"[\,\s\t]+", " ", regex=False)
                values = values.str.replace(r"\s*([\/\\\-\.]+)\s*", lambda found: found.group(1)[0], regex=True)
                values = values.str.lower()
            df[column] = pd.to_datetime(values, format="mixed", errors="coerce")
    elif kind == "trim":
        for column in columns:
            df[column] = df[column].str.strip()
    else:
        df[columns] = df[columns].replace(BLANK, np.nan, regex=True).infer_objects()
    return df


def remove_column(df, action, **kwargs):
    """The DataFrame without the argument columns (names it does not have are ignored)."""
    present = df.columns
    return df.drop(columns=[column for column in action["action_arguments"] if column in present])


def remove_outliers(df, action, **kwargs):
    """The rows whose numeric argument columns make an outlier, by `action_options['method']`, removed."""
    from mage_ai.data_cleaner.estimators.outlier_removal import OutlierRemover

    numeric = df[list(set(action["action_arguments"]))].copy()
    for column in numeric.columns:
        if action["action_variables"][column]["feature"]["column_type"] in NUMBER_TYPES:
            numeric[column] = numeric[column].astype(float)
        else:
            numeric = numeric.drop(columns=[column])
    complete = numeric.notna().all(axis=1)
    numeric = numeric.dropna(axis=0)
    if numeric.size == 0:
        return df
    labels = OutlierRemover(method=action["action_options"]["method"]).fit_transform(numeric.to_numpy())
    outliers = pd.Series(False, index=df.index)
    outliers[complete[complete].index] = np.asarray(labels, dtype=bool)
    return df[~outliers]


def last(df, action, **kwargs):
    return _aggregate(df, action, "last")


def select(df, action, **kwargs):
    """Only the argument columns, in their order."""
    return df[action["action_arguments"]]


def shift_down(df, action, **kwargs):
    """The first argument column shifted down `periods` rows (within `groupby_columns` groups) into `outputs[0]`."""
    if len(action["action_arguments"]) == 0:
        return df
    options = action.get("action_options", {})
    source = action["action_arguments"][0]
    periods = options.get("periods", 1)
    groupby_columns = options.get("groupby_columns")
    if groupby_columns is not None:
        shifted = df.groupby(groupby_columns)[source].shift(periods)
    else:
        shifted = df[source].shift(periods)
    df[action["outputs"][0]["uuid"]] = shifted
    return df


def shift_up(df, action, **kwargs):
    """The first argument column shifted up one row into `outputs[0]`."""
    if len(action["action_arguments"]) == 0:
        return df
    df[action["outputs"][0]["uuid"]] = df[action["action_arguments"][0]].shift(-1)
    return df


def standardize(df, action, **kwargs):
    """Each argument column as z-scores (population standard deviation)."""
    for column in action["action_arguments"]:
        mean = np.mean(df[column], axis=0)
        std = np.std(df[column], axis=0)
        df[column] = (df[column] - mean) / std
    return df


def sum(df, action, **kwargs):
    return _aggregate(df, action, "sum")


def _aggregate(df, action, method):
    """One aggregate of the first argument column on every row, or per `groupby_columns` group when given."""
    if len(action["action_arguments"]) == 0:
        return df
    if action["action_options"].get("groupby_columns"):
        return _groupby_aggregate(df, action, method)
    if method in ("first", "last"):
        # Under Mage, pandas' Series.first and Series.last fail here with a TypeError (they want a date offset).
        raise TypeError(f"The {method} action needs groupby_columns in its options.")
    df[action["outputs"][0]["uuid"]] = df[action["action_arguments"][0]].agg(method)
    return df


def _groupby_aggregate(df, action, method):
    """Each argument column's aggregate per group (of the rows `action_code` keeps), joined back to every row."""
    if len(action["action_arguments"]) == 0:
        return df
    rows, _ = _rows_in_time_window(df, action)
    code = action.get("action_code")
    if code is not None and code != "":
        rows = query_with_action_code(rows, code, {"original_df": rows})
    groupby_columns = action["action_options"]["groupby_columns"]
    aggregates = rows.groupby(groupby_columns)[action["action_arguments"]].agg(method)
    names = dict(zip(action["action_arguments"], [output["uuid"] for output in action["outputs"]]))
    return df.merge(aggregates.rename(columns=names), on=groupby_columns, how="left")


def _rows_in_time_window(df, action):
    """The rows where timestamp_feature_a - window <= timestamp_feature_b <= timestamp_feature_a, when all three
    options are given (all rows otherwise), and the window as text."""
    options = action["action_options"]
    if not builtins.all(key in options for key in ("timestamp_feature_a", "timestamp_feature_b", "window")):
        return df, None
    window = options["window"]
    seconds = (
        pd.to_datetime(df[options["timestamp_feature_a"]], format="mixed", utc=True)
        - pd.to_datetime(df[options["timestamp_feature_b"]], format="mixed", utc=True)
    ).dt.total_seconds()
    if window > 0:
        inside = seconds[(seconds <= window) & (seconds >= 0)]
    else:
        inside = seconds[(seconds >= window) & (seconds <= 0)]
    return df.loc[inside.index], get_time_window_str(window)
