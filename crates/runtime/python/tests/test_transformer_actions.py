"""Wand's `mage_ai.data_cleaner.transformer_actions` gives the results Mage 0.9.80's gives, for the actions its
transformer templates ("Transformer > Column actions / Row actions") use, and runs those templates as written.

How the expected values were obtained: `EXPECTED` and `TEMPLATE_EXPECTED` below are the results of running these same
cases (the `CASES` list, the `TEMPLATES` sources, `_run_case` and `_snapshot`) with Mage 0.9.80's own package instead
of Wand's: a scratch venv with `pip install mage-ai==0.9.80 --no-deps` plus pandas 2.3.3 (Mage requires pandas<3),
numpy 2.3.5, scipy, scikit-learn 1.7 and simplejson; `mage_ai.shared.parsers` (which imports polars and Mage's
database models, and is only used for sparse matrices) was replaced by an empty module; the printed dictionaries were
pasted here unchanged. The tests here run under whatever pandas requirements-test.txt installs (pandas 3 included), so
`_snapshot` writes pandas 3's string dtype as pandas 2's `object` and floats are compared to 1e-12.

`TEMPLATES` holds the Python text of each template under Mage's
`data_preparation/templates/transformers/transformer_actions/` rendered with Jinja2, without docstrings, the
decorator import guards and the four imports every one of them shares (`TEMPLATE_IMPORTS`).
"""

import math
import re

import numpy as np
import pandas as pd
import pytest

from mage_ai.data_cleaner.transformer_actions.base import BaseAction
from mage_ai.data_cleaner.transformer_actions.constants import ActionType, Axis, ImputationStrategy, Operator
from mage_ai.data_cleaner.transformer_actions.utils import build_transformer_action


def _people():
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "group": ["a", "b", "a", "b", "a", "c"],
            "age": [30.0, np.nan, 25.0, 41.0, 25.0, 52.0],
            "score": [1.5, 2.5, 3.0, 4.0, 3.0, 10.0],
            "city": ["Paris", " ", "Lyon", None, "Lyon", "Nice"],
            "joined": ["2023-01-05", "2023-01-06", "2023-02-10", "2023-03-01", "2023-03-02", "2023-04-11"],
        }
    )


def _dirty():
    return pd.DataFrame(
        {
            "Customer ID": [101, 102, 103, 104, 105, 106],
            "emailAddress": ["a@b.com", "bad email", "c@d.org", None, "e@f.net", "g@h.io"],
            "Price": ["$1,000", "€ 20", "30", "", "$5", "7.5"],
            "signup date": ["2023-01-05", "Jan 7, 2023", "2023/02/10", "not a date", None, "03-01-2023"],
            "Name": [" alice ", "BOB", "Carol", "dave", "Eve ", "frank"],
            "phone": ["555-123-4567", "12345", "(555) 987-6543", "555.111.2222", None, "n/a"],
        }
    )


def _names():
    columns = ["Customer ID", "emailAddress", "PascalCase", "class", "2nd value", "UPPER", "__x-y.z__", "Total $"]
    return pd.DataFrame([list(range(len(columns)))], columns=columns)


FRAMES = {"people": _people, "dirty": _dirty, "names": _names}
AGG_OUT = [{"uuid": "out", "column_type": "number_with_decimals"}]
GROUPED = {"groupby_columns": ["group"]}

# (case id, frame, keyword arguments of build_transformer_action).
CASES = [
    (
        "average",
        "people",
        dict(action_type=ActionType.AVERAGE, arguments=["score"], options={"groupby_columns": []}, outputs=AGG_OUT),
    ),
    (
        "average_grouped",
        "people",
        dict(action_type=ActionType.AVERAGE, arguments=["score"], options=GROUPED, outputs=AGG_OUT),
    ),
    (
        "average_grouped_code",
        "people",
        dict(
            action_type=ActionType.AVERAGE,
            action_code="score > 2",
            arguments=["score"],
            options=GROUPED,
            outputs=AGG_OUT,
        ),
    ),
    (
        "count_grouped",
        "people",
        dict(
            action_type=ActionType.COUNT,
            arguments=["age"],
            options=GROUPED,
            outputs=[{"uuid": "n", "column_type": "number"}],
        ),
    ),
    (
        "count_distinct_grouped",
        "people",
        dict(
            action_type=ActionType.COUNT_DISTINCT,
            arguments=["age", "city"],
            options=GROUPED,
            outputs=[{"uuid": "n_age", "column_type": "number"}, {"uuid": "n_city", "column_type": "number"}],
        ),
    ),
    ("sum", "people", dict(action_type=ActionType.SUM, arguments=["score"], options={}, outputs=AGG_OUT)),
    (
        "sum_grouped_code",
        "people",
        dict(
            action_type=ActionType.SUM, action_code="age >= 30", arguments=["score"], options=GROUPED, outputs=AGG_OUT
        ),
    ),
    ("min_grouped", "people", dict(action_type=ActionType.MIN, arguments=["age"], options=GROUPED, outputs=AGG_OUT)),
    ("max", "people", dict(action_type=ActionType.MAX, arguments=["age"], options={}, outputs=AGG_OUT)),
    ("median", "people", dict(action_type=ActionType.MEDIAN, arguments=["age"], options={}, outputs=AGG_OUT)),
    (
        "median_grouped",
        "people",
        dict(action_type=ActionType.MEDIAN, arguments=["score"], options=GROUPED, outputs=AGG_OUT),
    ),
    (
        "first_grouped",
        "people",
        dict(
            action_type=ActionType.FIRST,
            arguments=["city"],
            options=GROUPED,
            outputs=[{"uuid": "first_city", "column_type": "category"}],
        ),
    ),
    (
        "last_grouped",
        "people",
        dict(
            action_type=ActionType.LAST,
            arguments=["city"],
            options=GROUPED,
            outputs=[{"uuid": "last_city", "column_type": "category"}],
        ),
    ),
    (
        "first",
        "people",
        dict(
            action_type=ActionType.FIRST,
            arguments=["city"],
            options={},
            outputs=[{"uuid": "first_city", "column_type": "category"}],
        ),
    ),
    (
        "diff",
        "people",
        dict(
            action_type=ActionType.DIFF,
            arguments=["score"],
            outputs=[{"uuid": "d", "column_type": "number_with_decimals"}],
        ),
    ),
    (
        "shift_down",
        "people",
        dict(
            action_type=ActionType.SHIFT_DOWN,
            arguments=["score"],
            options={"periods": 2},
            outputs=[{"uuid": "prev", "type": "category"}],
        ),
    ),
    (
        "shift_down_grouped",
        "people",
        dict(
            action_type=ActionType.SHIFT_DOWN,
            arguments=["score"],
            options={"groupby_columns": ["group"]},
            outputs=[{"uuid": "prev", "type": "category"}],
        ),
    ),
    (
        "shift_up",
        "people",
        dict(action_type=ActionType.SHIFT_UP, arguments=["city"], outputs=[{"uuid": "next", "type": "category"}]),
    ),
    ("clean_column_name", "names", dict(action_type=ActionType.CLEAN_COLUMN_NAME, arguments=_names().columns)),
    ("fix_syntax_errors", "dirty", dict(action_type=ActionType.FIX_SYNTAX_ERRORS, arguments=_dirty().columns)),
    (
        "impute_constant_default",
        "people",
        dict(
            action_type=ActionType.IMPUTE, arguments=["age", "city"], options={"strategy": ImputationStrategy.CONSTANT}
        ),
    ),
    (
        "impute_constant_value",
        "people",
        dict(action_type=ActionType.IMPUTE, arguments=["city"], options={"strategy": "constant", "value": "unknown"}),
    ),
    (
        "impute_average",
        "people",
        dict(action_type=ActionType.IMPUTE, arguments=["age"], options={"strategy": "average"}),
    ),
    ("impute_median", "people", dict(action_type=ActionType.IMPUTE, arguments=["age"], options={"strategy": "median"})),
    (
        "impute_mode",
        "people",
        dict(action_type=ActionType.IMPUTE, arguments=["age", "city"], options={"strategy": "mode"}),
    ),
    (
        "impute_column",
        "people",
        dict(action_type=ActionType.IMPUTE, arguments=["age"], options={"strategy": "column", "value": "score"}),
    ),
    (
        "impute_sequential",
        "people",
        dict(
            action_type=ActionType.IMPUTE,
            arguments=["age", "city"],
            options={"strategy": "sequential", "timeseries_index": ["score"]},
        ),
    ),
    ("impute_value", "people", dict(action_type=ActionType.IMPUTE, arguments=["age"], options={"value": 7})),
    (
        "reformat_uppercase",
        "dirty",
        dict(
            action_type=ActionType.REFORMAT,
            arguments=["Name", "Customer ID"],
            options={"reformat": "caps_standardization", "capitalization": "uppercase"},
        ),
    ),
    (
        "reformat_lowercase",
        "people",
        dict(
            action_type=ActionType.REFORMAT,
            arguments=["city"],
            options={"reformat": "caps_standardization", "capitalization": "lowercase"},
        ),
    ),
    (
        "reformat_currency",
        "dirty",
        dict(action_type=ActionType.REFORMAT, arguments=["Price"], options={"reformat": "currency_to_num"}),
    ),
    (
        "reformat_dates",
        "dirty",
        dict(
            action_type=ActionType.REFORMAT, arguments=["signup date"], options={"reformat": "date_format_conversion"}
        ),
    ),
    ("reformat_trim", "dirty", dict(action_type=ActionType.REFORMAT, arguments=["Name"], options={"reformat": "trim"})),
    ("reformat_other", "people", dict(action_type=ActionType.REFORMAT, arguments=["city"], options={"reformat": None})),
    ("remove_columns", "people", dict(action_type=ActionType.REMOVE, arguments=["city", "not_a_column"])),
    ("select", "people", dict(action_type=ActionType.SELECT, arguments=["score", "id"])),
    ("normalize", "people", dict(action_type=ActionType.NORMALIZE, arguments=["score", "age"])),
    ("standardize", "people", dict(action_type=ActionType.STANDARDIZE, arguments=["score", "age"])),
    (
        "add_addition",
        "people",
        dict(
            action_type=ActionType.ADD,
            arguments=["score", "age"],
            options={"udf": "addition", "value": 1},
            outputs=[{"uuid": "total", "column_type": "number_with_decimals"}],
        ),
    ),
    (
        "add_addition_days",
        "people",
        dict(
            action_type=ActionType.ADD,
            arguments=["joined"],
            options={"udf": "addition", "value": 3},
            outputs=[{"uuid": "later", "column_type": "datetime"}],
        ),
    ),
    (
        "add_difference",
        "people",
        dict(
            action_type=ActionType.ADD,
            arguments=["score", "id"],
            options={"udf": "difference"},
            outputs=[{"uuid": "gap", "column_type": "number"}],
        ),
    ),
    (
        "add_divide",
        "people",
        dict(
            action_type=ActionType.ADD,
            arguments=["score"],
            options={"udf": "divide", "value": 4},
            outputs=[{"uuid": "quarter", "column_type": "number_with_decimals"}],
        ),
    ),
    (
        "add_formatted_date",
        "people",
        dict(
            action_type=ActionType.ADD,
            arguments=["joined"],
            options={"udf": "formatted_date", "format": "%d/%m"},
            outputs=[{"uuid": "day", "column_type": "text"}],
        ),
    ),
    (
        "add_string_replace",
        "people",
        dict(
            action_type=ActionType.ADD,
            arguments=["joined"],
            options={"udf": "string_replace", "pattern": "-", "replacement": ""},
            outputs=[{"uuid": "compact", "column_type": "text"}],
        ),
    ),
    (
        "add_if_else",
        "people",
        dict(
            action_type=ActionType.ADD,
            arguments=["high", "low"],
            action_code="score >= 3",
            options={"udf": "if_else"},
            outputs=[{"uuid": "level", "column_type": "category"}],
        ),
    ),
    (
        "drop_duplicate_first",
        "people",
        dict(
            action_type=ActionType.DROP_DUPLICATE, arguments=["group", "age"], axis=Axis.ROW, options={"keep": "first"}
        ),
    ),
    (
        "drop_duplicate_default",
        "people",
        dict(action_type=ActionType.DROP_DUPLICATE, arguments=["group"], axis=Axis.ROW),
    ),
    ("filter_number", "people", dict(action_type=ActionType.FILTER, axis=Axis.ROW, action_code="score > 2")),
    (
        "filter_and",
        "people",
        dict(action_type=ActionType.FILTER, axis=Axis.ROW, action_code="group == 'a' and age >= 26 or id == 6"),
    ),
    ("filter_contains", "people", dict(action_type=ActionType.FILTER, axis=Axis.ROW, action_code="city contains 'y'")),
    (
        "filter_not_contains",
        "people",
        dict(action_type=ActionType.FILTER, axis=Axis.ROW, action_code="city not contains 'y'"),
    ),
    (
        "filter_is_null",
        "people",
        dict(action_type=ActionType.FILTER, axis=Axis.ROW, action_code="city == null or age == null"),
    ),
    ("filter_not_null", "people", dict(action_type=ActionType.FILTER, axis=Axis.ROW, action_code="city != null")),
    ("filter_columns", "people", dict(action_type=ActionType.FILTER, axis=Axis.ROW, action_code="score < age / 10")),
    ("filter_true", "people", dict(action_type=ActionType.FILTER, axis=Axis.ROW, action_code="(score > 2) == true")),
    (
        "sort",
        "people",
        dict(action_type=ActionType.SORT, arguments=["age"], axis=Axis.ROW, options={"ascending": True}),
    ),
    (
        "sort_descending",
        "people",
        dict(action_type=ActionType.SORT, arguments=["age", "id"], axis=Axis.ROW, options={"ascending": False}),
    ),
    (
        "sort_ascendings",
        "people",
        dict(
            action_type=ActionType.SORT,
            arguments=["group", "score"],
            axis=Axis.ROW,
            options={"ascendings": [True, False]},
        ),
    ),
    ("sort_text", "people", dict(action_type=ActionType.SORT, arguments=["city"], axis=Axis.ROW)),
    ("remove_rows", "people", dict(action_type=ActionType.REMOVE, axis=Axis.ROW, options={"rows": [0, 2, 99]})),
]

TEMPLATE_IMPORTS = """\
from mage_ai.data_cleaner.transformer_actions.base import BaseAction
from mage_ai.data_cleaner.transformer_actions.constants import ActionType, Axis
from mage_ai.data_cleaner.transformer_actions.utils import build_transformer_action
from pandas import DataFrame
"""

TEMPLATES = {
    "column/average.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.AVERAGE,
        action_code='',  # Enter filtering condition on rows before aggregation
        arguments=[],  # Enter the columns to compute aggregate over
        axis=Axis.COLUMN,
        options={'groupby_columns': []},  # Enter columns to group by
        outputs=[
            # The number of outputs below must match the number of arguments
            {'uuid': 'new_aggregate_column', 'column_type': 'number_with_decimals'},
        ],
    )
    return BaseAction(action).execute(df)
""",
    "column/clean_column_name.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.CLEAN_COLUMN_NAME,
        arguments=df.columns,
        axis=Axis.COLUMN,
    )
    return BaseAction(action).execute(df)
""",
    "column/count.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.COUNT,
        action_code='',  # Enter filtering condition on rows before aggregation
        arguments=[],  # Enter the columns to compute aggregate over
        axis=Axis.COLUMN,
        options={'groupby_columns': []},  # Enter columns to group by
        outputs=[
            # The number of outputs below must match the number of arguments
            {'uuid': 'new_aggregate_column', 'column_type': 'number'},
        ],
    )
    return BaseAction(action).execute(df)
""",
    "column/count_distinct.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.COUNT_DISTINCT,
        action_code='',  # Enter filtering condition on rows before aggregation
        arguments=[],  # Enter the columns to compute aggregate over
        axis=Axis.COLUMN,
        options={'groupby_columns': []},  # Enter columns to group by
        outputs=[
            # The number of outputs below must match the number of arguments
            {'uuid': 'new_aggregate_column', 'column_type': 'number'},
        ],
    )
    return BaseAction(action).execute(df)
""",
    "column/diff.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.DIFF,
        arguments=[],  # Specify at most one column to compute difference with
        axis=Axis.COLUMN,
        outputs=[{'uuid': 'new_diff_column', 'column_type': 'number_with_decimals'}],
    )
    return BaseAction(action).execute(df)
""",
    "column/first.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.FIRST,
        action_code='',  # Enter filtering condition on rows before aggregation
        arguments=[],  # Enter the columns to compute aggregate over
        axis=Axis.COLUMN,
        options={'groupby_columns': []},  # Enter columns to group by
        outputs=[
            # The number of outputs below must match the number of arguments
            {'uuid': 'new_aggregate_column', 'column_type': 'category'},
        ],
    )
    return BaseAction(action).execute(df)
""",
    "column/fix_syntax_errors.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.FIX_SYNTAX_ERRORS,
        arguments=df.columns,  # Specify columns to fix syntax errors for.
        axis=Axis.COLUMN,
    )
    return BaseAction(action).execute(df)
""",
    "column/impute.py": """\
from mage_ai.data_cleaner.transformer_actions.constants import ImputationStrategy
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.IMPUTE,
        arguments=df.columns,  # Specify columns to impute
        axis=Axis.COLUMN,
        options={'strategy': ImputationStrategy.CONSTANT},  # Specify imputation strategy
    )
    return BaseAction(action).execute(df)
""",
    "column/last.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.LAST,
        action_code='',  # Enter filtering condition on rows before aggregation
        arguments=[],  # Enter the columns to compute aggregate over
        axis=Axis.COLUMN,
        options={'groupby_columns': []},  # Enter columns to group by
        outputs=[
            # The number of outputs below must match the number of arguments
            {'uuid': 'new_aggregate_column', 'column_type': 'category'},
        ],
    )
    return BaseAction(action).execute(df)
""",
    "column/max.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.MAX,
        action_code='',  # Enter filtering condition on rows before aggregation
        arguments=[],  # Enter the columns to compute aggregate over
        axis=Axis.COLUMN,
        options={'groupby_columns': []},  # Enter columns to group by
        outputs=[
            # The number of outputs below must match the number of arguments
            {'uuid': 'new_aggregate_column', 'column_type': 'number_with_decimals'},
        ],
    )
    return BaseAction(action).execute(df)
""",
    "column/median.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.MEDIAN,
        action_code='',  # Enter filtering condition on rows before aggregation
        arguments=[],  # Enter the columns to compute aggregate over
        axis=Axis.COLUMN,
        options={'groupby_columns': []},  # Enter columns to group by
        outputs=[
            # The number of outputs below must match the number of arguments
            {'uuid': 'new_aggregate_column', 'column_type': 'number_with_decimals'},
        ],
    )
    return BaseAction(action).execute(df)
""",
    "column/min.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.MIN,
        action_code='',  # Enter filtering condition on rows before aggregation
        arguments=[],  # Enter the columns to compute aggregate over
        axis=Axis.COLUMN,
        options={'groupby_columns': []},  # Enter columns to group by
        outputs=[
            # The number of outputs below must match the number of arguments
            {'uuid': 'new_aggregate_column', 'column_type': 'number_with_decimals'},
        ],
    )
    return BaseAction(action).execute(df)
""",
    "column/normalize.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.NORMALIZE,
        arguments=[],  # Specify columns to normalize
        axis=Axis.COLUMN,
    )
    return BaseAction(action).execute(df)
""",
    "column/reformat.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.REFORMAT,
        arguments=[],  # Specify columns to reformat
        axis=Axis.COLUMN,
        options={'reformat': None},  # Specify reformat action,
    )
    return BaseAction(action).execute(df)
""",
    "column/remove.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.REMOVE,
        arguments=[],  # Specify columns to remove
        axis=Axis.COLUMN,
    )
    return BaseAction(action).execute(df)
""",
    "column/remove_outliers.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.REMOVE_OUTLIERS,
        arguments=df.columns,  # Specify columns to remove outliers from
        axis=Axis.COLUMN,
        options={'method': 'auto'},  # Specify algorithm to use for outlier removal
    )
    return BaseAction(action).execute(df)
""",
    "column/select.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.SELECT,
        arguments=df.columns,  # Specify columns to select
        axis=Axis.COLUMN,
    )
    return BaseAction(action).execute(df)
""",
    "column/shift_down.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.SHIFT_DOWN,
        arguments=[],  # Specify one column to perform shift on
        axis=Axis.COLUMN,
        options={'periods': 1},
        outputs=[{'uuid': 'down_shifted_column_1', 'type': 'category'}],
    )
    return BaseAction(action).execute(df)
""",
    "column/shift_up.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.SHIFT_UP,
        arguments=[],  # Specify one column to perform shift on
        axis=Axis.COLUMN,
        outputs=[{'uuid': 'up_shifted_column_1', 'type': 'category'}],
    )
    return BaseAction(action).execute(df)
""",
    "column/standardize.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.STANDARDIZE,
        arguments=[],  # Specify columns to normalize
        axis=Axis.COLUMN, # Specify normalization strategy
    )
    return BaseAction(action).execute(df)
""",
    "column/sum.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.SUM,
        action_code='',  # Enter filtering condition on rows before aggregation
        arguments=[],  # Enter the columns to compute aggregate over
        axis=Axis.COLUMN,
        options={'groupby_columns': []},  # Enter columns to group by
        outputs=[
            # The number of outputs below must match the number of arguments
            {'uuid': 'new_aggregate_column', 'column_type': 'number_with_decimals'},
        ],
    )
    return BaseAction(action).execute(df)
""",
    "row/drop_duplicate.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.DROP_DUPLICATE,
        arguments=df.columns,  # Specify column names to use when comparing duplicates
        axis=Axis.ROW,
        options={'keep': 'first'},  # Specify whether to keep 'first' or 'last' duplicate
    )
    return BaseAction(action).execute(df)
""",
    "row/filter.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.FILTER,
        axis=Axis.ROW,
        action_code='',  # Specify your filtering code here
    )
    return BaseAction(action).execute(df)
""",
    "row/remove.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.REMOVE,
        axis=Axis.ROW,
        options={'rows': []},  # Specify indices of rows to remove
    )
    return BaseAction(action).execute(df)
""",
    "row/sort.py": """\
@transformer
def execute_transformer_action(df: DataFrame, *args, **kwargs) -> DataFrame:
    action = build_transformer_action(
        df,
        action_type=ActionType.SORT,
        arguments=[],  # Specify columns to sort rows by
        axis=Axis.ROW,
        options={'ascending': True},
    )
    return BaseAction(action).execute(df)
""",
}


def _run_case(frame, kwargs):
    """The snapshot of what the action makes of a fresh `frame`, or the name of the exception it raises."""
    df = FRAMES[frame]()
    try:
        return _snapshot(BaseAction(build_transformer_action(df, **kwargs)).execute(df))
    except Exception as error:  # noqa: BLE001 (the snapshot records which exception Mage raises)
        return {"error": type(error).__name__}


def _run_template(name, frame):
    """The snapshot of what the block a template renders returns for a fresh `frame`."""
    namespace = {"transformer": lambda function: function, "test": lambda function: function}
    exec(TEMPLATE_IMPORTS + TEMPLATES[name], namespace)
    try:
        return _snapshot(namespace["execute_transformer_action"](FRAMES[frame]()))
    except Exception as error:  # noqa: BLE001
        return {"error": type(error).__name__}


def _snapshot(df):
    return {
        "columns": [str(name) for name in df.columns],
        "dtypes": [_dtype(dtype) for dtype in df.dtypes],
        "index": [_value(label) for label in df.index],
        "rows": [[_value(value) for value in row] for row in df.itertuples(index=False)],
    }


def _dtype(dtype):
    # pandas 3 keeps text in its string dtype, where pandas 2 (Mage's) keeps it as `object`.
    # pandas 3 also reads dates at the resolution they need (`datetime64[us]`) where pandas 2 uses nanoseconds.
    if str(dtype) in ("str", "string"):
        return "object"
    return re.sub(r"datetime64\[(ns|us|ms|s)", "datetime64[*", str(dtype))


def _value(value):
    if isinstance(value, (list, tuple)):
        return [_value(element) for element in value]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return str(value)


TEMPLATE_FRAMES = {
    name: ("names" if "clean_column" in name else "dirty" if "syntax" in name else "people") for name in TEMPLATES
}


# Computed with Mage 0.9.80's own package; see the module's docstring.
EXPECTED = {
    "average": {
        "columns": ["id", "group", "age", "score", "city", "joined", "out"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 4.0],
            [2, "b", None, 2.5, " ", "2023-01-06", 4.0],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 4.0],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 4.0],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 4.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 4.0],
        ],
    },
    "average_grouped": {
        "columns": ["id", "group", "age", "score", "city", "joined", "out"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 2.5],
            [2, "b", None, 2.5, " ", "2023-01-06", 3.25],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 2.5],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 3.25],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 2.5],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 10.0],
        ],
    },
    "average_grouped_code": {
        "columns": ["id", "group", "age", "score", "city", "joined", "out"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 3.0],
            [2, "b", None, 2.5, " ", "2023-01-06", 3.25],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 3.0],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 3.25],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 3.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 10.0],
        ],
    },
    "count_grouped": {
        "columns": ["id", "group", "age", "score", "city", "joined", "n"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "int64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 3],
            [2, "b", None, 2.5, " ", "2023-01-06", 1],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 3],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 1],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 3],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 1],
        ],
    },
    "count_distinct_grouped": {
        "columns": ["id", "group", "age", "score", "city", "joined", "n_age", "n_city"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "int64", "int64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 2, 2],
            [2, "b", None, 2.5, " ", "2023-01-06", 1, 1],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 2, 2],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 1, 1],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 2, 2],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 1, 1],
        ],
    },
    "sum": {
        "columns": ["id", "group", "age", "score", "city", "joined", "out"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 24.0],
            [2, "b", None, 2.5, " ", "2023-01-06", 24.0],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 24.0],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 24.0],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 24.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 24.0],
        ],
    },
    "sum_grouped_code": {
        "columns": ["id", "group", "age", "score", "city", "joined", "out"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 1.5],
            [2, "b", None, 2.5, " ", "2023-01-06", 4.0],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 1.5],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 4.0],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 1.5],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 10.0],
        ],
    },
    "min_grouped": {
        "columns": ["id", "group", "age", "score", "city", "joined", "out"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 25.0],
            [2, "b", None, 2.5, " ", "2023-01-06", 41.0],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 25.0],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 41.0],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 25.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 52.0],
        ],
    },
    "max": {
        "columns": ["id", "group", "age", "score", "city", "joined", "out"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 52.0],
            [2, "b", None, 2.5, " ", "2023-01-06", 52.0],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 52.0],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 52.0],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 52.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 52.0],
        ],
    },
    "median": {
        "columns": ["id", "group", "age", "score", "city", "joined", "out"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 30.0],
            [2, "b", None, 2.5, " ", "2023-01-06", 30.0],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 30.0],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 30.0],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 30.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 30.0],
        ],
    },
    "median_grouped": {
        "columns": ["id", "group", "age", "score", "city", "joined", "out"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 3.0],
            [2, "b", None, 2.5, " ", "2023-01-06", 3.25],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 3.0],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 3.25],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 3.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 10.0],
        ],
    },
    "first_grouped": {
        "columns": ["id", "group", "age", "score", "city", "joined", "first_city"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", "Paris"],
            [2, "b", None, 2.5, " ", "2023-01-06", " "],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", "Paris"],
            [4, "b", 41.0, 4.0, None, "2023-03-01", " "],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", "Paris"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", "Nice"],
        ],
    },
    "last_grouped": {
        "columns": ["id", "group", "age", "score", "city", "joined", "last_city"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", "Lyon"],
            [2, "b", None, 2.5, " ", "2023-01-06", " "],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", "Lyon"],
            [4, "b", 41.0, 4.0, None, "2023-03-01", " "],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", "Lyon"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", "Nice"],
        ],
    },
    "first": {"error": "TypeError"},
    "diff": {
        "columns": ["id", "group", "age", "score", "city", "joined", "d"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", None],
            [2, "b", None, 2.5, " ", "2023-01-06", 1.0],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 0.5],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 1.0],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", -1.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 7.0],
        ],
    },
    "shift_down": {
        "columns": ["id", "group", "age", "score", "city", "joined", "prev"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", None],
            [2, "b", None, 2.5, " ", "2023-01-06", None],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 1.5],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 2.5],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 3.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 4.0],
        ],
    },
    "shift_down_grouped": {
        "columns": ["id", "group", "age", "score", "city", "joined", "prev"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", None],
            [2, "b", None, 2.5, " ", "2023-01-06", None],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 1.5],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 2.5],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 3.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", None],
        ],
    },
    "shift_up": {
        "columns": ["id", "group", "age", "score", "city", "joined", "next"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", " "],
            [2, "b", None, 2.5, " ", "2023-01-06", "Lyon"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", None],
            [4, "b", 41.0, 4.0, None, "2023-03-01", "Lyon"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", "Nice"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", None],
        ],
    },
    "clean_column_name": {
        "columns": ["customer_id", "email_address", "pascal_case", "class_", "2nd_value", "upper", "x_y_z", "total_"],
        "dtypes": ["int64", "int64", "int64", "int64", "int64", "int64", "int64", "int64"],
        "index": [0],
        "rows": [[0, 1, 2, 3, 4, 5, 6, 7]],
    },
    "fix_syntax_errors": {
        "columns": ["Customer ID", "emailAddress", "Price", "signup date", "Name", "phone"],
        "dtypes": ["int64", "object", "object", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [101, "a@b.com", "$1,000", "2023-01-05", " alice ", "555-123-4567"],
            [102, "invalid", "€ 20", "Jan 7, 2023", "BOB", "invalid"],
            [103, "c@d.org", "30", "2023/02/10", "Carol", "(555) 987-6543"],
            [104, None, "", None, "dave", "555.111.2222"],
            [105, "e@f.net", "$5", None, "Eve ", None],
            [106, "g@h.io", "7.5", "03-01-2023", "frank", "invalid"],
        ],
    },
    "impute_constant_default": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "int64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30, 1.5, "Paris", "2023-01-05"],
            [2, "b", 0, 2.5, "missing", "2023-01-06"],
            [3, "a", 25, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41, 4.0, "missing", "2023-03-01"],
            [5, "a", 25, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "impute_constant_value": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, "unknown", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, "unknown", "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "impute_average": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "int64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30, 1.5, "Paris", "2023-01-05"],
            [2, "b", 34, 2.5, " ", "2023-01-06"],
            [3, "a", 25, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41, 4.0, None, "2023-03-01"],
            [5, "a", 25, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "impute_median": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "int64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30, 1.5, "Paris", "2023-01-05"],
            [2, "b", 30, 2.5, " ", "2023-01-06"],
            [3, "a", 25, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41, 4.0, None, "2023-03-01"],
            [5, "a", 25, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "impute_mode": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "int64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30, 1.5, "Paris", "2023-01-05"],
            [2, "b", 25, 2.5, "Lyon", "2023-01-06"],
            [3, "a", 25, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41, 4.0, "Lyon", "2023-03-01"],
            [5, "a", 25, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "impute_column": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "int64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30, 1.5, "Paris", "2023-01-05"],
            [2, "b", 2, 2.5, " ", "2023-01-06"],
            [3, "a", 25, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41, 4.0, None, "2023-03-01"],
            [5, "a", 25, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "impute_sequential": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "int64", "float64", "object", "object"],
        "index": [0, 1, 2, 4, 3, 5],
        "rows": [
            [1, "a", 30, 1.5, "Paris", "2023-01-05"],
            [2, "b", 30, 2.5, "Paris", "2023-01-06"],
            [3, "a", 25, 3.0, "Lyon", "2023-02-10"],
            [5, "a", 25, 3.0, "Lyon", "2023-03-02"],
            [4, "b", 41, 4.0, "Lyon", "2023-03-01"],
            [6, "c", 52, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "impute_value": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "int64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30, 1.5, "Paris", "2023-01-05"],
            [2, "b", 7, 2.5, " ", "2023-01-06"],
            [3, "a", 25, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41, 4.0, None, "2023-03-01"],
            [5, "a", 25, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "reformat_uppercase": {
        "columns": ["Customer ID", "emailAddress", "Price", "signup date", "Name", "phone"],
        "dtypes": ["int64", "object", "object", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [101, "a@b.com", "$1,000", "2023-01-05", " ALICE ", "555-123-4567"],
            [102, "bad email", "€ 20", "Jan 7, 2023", "BOB", "12345"],
            [103, "c@d.org", "30", "2023/02/10", "CAROL", "(555) 987-6543"],
            [104, None, "", "not a date", "DAVE", "555.111.2222"],
            [105, "e@f.net", "$5", None, "EVE ", None],
            [106, "g@h.io", "7.5", "03-01-2023", "FRANK", "n/a"],
        ],
    },
    "reformat_lowercase": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "paris", "2023-01-05"],
            [2, "b", None, 2.5, None, "2023-01-06"],
            [3, "a", 25.0, 3.0, "lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "nice", "2023-04-11"],
        ],
    },
    "reformat_currency": {
        "columns": ["Customer ID", "emailAddress", "Price", "signup date", "Name", "phone"],
        "dtypes": ["int64", "object", "float64", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [101, "a@b.com", None, "2023-01-05", " alice ", "555-123-4567"],
            [102, "bad email", 20.0, "Jan 7, 2023", "BOB", "12345"],
            [103, "c@d.org", 30.0, "2023/02/10", "Carol", "(555) 987-6543"],
            [104, None, None, "not a date", "dave", "555.111.2222"],
            [105, "e@f.net", 5.0, None, "Eve ", None],
            [106, "g@h.io", 7.5, "03-01-2023", "frank", "n/a"],
        ],
    },
    "reformat_dates": {
        "columns": ["Customer ID", "emailAddress", "Price", "signup date", "Name", "phone"],
        "dtypes": ["int64", "object", "object", "datetime64[*]", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [101, "a@b.com", "$1,000", "2023-01-05T00:00:00", " alice ", "555-123-4567"],
            [102, "bad email", "€ 20", "2023-01-07T00:00:00", "BOB", "12345"],
            [103, "c@d.org", "30", "2023-02-10T00:00:00", "Carol", "(555) 987-6543"],
            [104, None, "", None, "dave", "555.111.2222"],
            [105, "e@f.net", "$5", None, "Eve ", None],
            [106, "g@h.io", "7.5", "2023-03-01T00:00:00", "frank", "n/a"],
        ],
    },
    "reformat_trim": {
        "columns": ["Customer ID", "emailAddress", "Price", "signup date", "Name", "phone"],
        "dtypes": ["int64", "object", "object", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [101, "a@b.com", "$1,000", "2023-01-05", "alice", "555-123-4567"],
            [102, "bad email", "€ 20", "Jan 7, 2023", "BOB", "12345"],
            [103, "c@d.org", "30", "2023/02/10", "Carol", "(555) 987-6543"],
            [104, None, "", "not a date", "dave", "555.111.2222"],
            [105, "e@f.net", "$5", None, "Eve", None],
            [106, "g@h.io", "7.5", "03-01-2023", "frank", "n/a"],
        ],
    },
    "reformat_other": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, None, "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "remove_columns": {
        "columns": ["id", "group", "age", "score", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "2023-01-05"],
            [2, "b", None, 2.5, "2023-01-06"],
            [3, "a", 25.0, 3.0, "2023-02-10"],
            [4, "b", 41.0, 4.0, "2023-03-01"],
            [5, "a", 25.0, 3.0, "2023-03-02"],
            [6, "c", 52.0, 10.0, "2023-04-11"],
        ],
    },
    "select": {
        "columns": ["score", "id"],
        "dtypes": ["float64", "int64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [[1.5, 1], [2.5, 2], [3.0, 3], [4.0, 4], [3.0, 5], [10.0, 6]],
    },
    "normalize": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 0.18518518518518517, 0.0, "Paris", "2023-01-05"],
            [2, "b", None, 0.11764705882352941, " ", "2023-01-06"],
            [3, "a", 0.0, 0.17647058823529413, "Lyon", "2023-02-10"],
            [4, "b", 0.5925925925925926, 0.29411764705882354, None, "2023-03-01"],
            [5, "a", 0.0, 0.17647058823529413, "Lyon", "2023-03-02"],
            [6, "c", 1.0, 1.0, "Nice", "2023-04-11"],
        ],
    },
    "standardize": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", -0.43891211602505437, -0.8980265101338746, "Paris", "2023-01-05"],
            [2, "b", None, -0.5388159060803247, " ", "2023-01-06"],
            [3, "a", -0.9159905030088089, -0.3592106040535498, "Lyon", "2023-02-10"],
            [4, "b", 0.6106603353392057, 0.0, None, "2023-03-01"],
            [5, "a", -0.9159905030088089, -0.3592106040535498, "Lyon", "2023-03-02"],
            [6, "c", 1.6602327867034659, 2.155263624321299, "Nice", "2023-04-11"],
        ],
    },
    "add_addition": {
        "columns": ["id", "group", "age", "score", "city", "joined", "total"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 32.5],
            [2, "b", None, 2.5, " ", "2023-01-06", None],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 29.0],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 46.0],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 29.0],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 63.0],
        ],
    },
    "add_addition_days": {
        "columns": ["id", "group", "age", "score", "city", "joined", "later"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", "2023-01-08 00:00:00"],
            [2, "b", None, 2.5, " ", "2023-01-06", "2023-01-09 00:00:00"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", "2023-02-13 00:00:00"],
            [4, "b", 41.0, 4.0, None, "2023-03-01", "2023-03-04 00:00:00"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", "2023-03-05 00:00:00"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", "2023-04-14 00:00:00"],
        ],
    },
    "add_difference": {
        "columns": ["id", "group", "age", "score", "city", "joined", "gap"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "int64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 0],
            [2, "b", None, 2.5, " ", "2023-01-06", 0],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 0],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 0],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", -2],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 4],
        ],
    },
    "add_divide": {
        "columns": ["id", "group", "age", "score", "city", "joined", "quarter"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "float64"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", 0.375],
            [2, "b", None, 2.5, " ", "2023-01-06", 0.625],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", 0.75],
            [4, "b", 41.0, 4.0, None, "2023-03-01", 1.0],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", 0.75],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", 2.5],
        ],
    },
    "add_formatted_date": {
        "columns": ["id", "group", "age", "score", "city", "joined", "day"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", "05/01"],
            [2, "b", None, 2.5, " ", "2023-01-06", "06/01"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", "10/02"],
            [4, "b", 41.0, 4.0, None, "2023-03-01", "01/03"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", "02/03"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", "11/04"],
        ],
    },
    "add_string_replace": {
        "columns": ["id", "group", "age", "score", "city", "joined", "compact"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", "20230105"],
            [2, "b", None, 2.5, " ", "2023-01-06", "20230106"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", "20230210"],
            [4, "b", 41.0, 4.0, None, "2023-03-01", "20230301"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", "20230302"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", "20230411"],
        ],
    },
    "add_if_else": {
        "columns": ["id", "group", "age", "score", "city", "joined", "level"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05", "low"],
            [2, "b", None, 2.5, " ", "2023-01-06", "low"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10", "high"],
            [4, "b", 41.0, 4.0, None, "2023-03-01", "high"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02", "high"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11", "high"],
        ],
    },
    "drop_duplicate_first": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "drop_duplicate_default": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [3, 4, 5],
        "rows": [
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "filter_number": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [1, 2, 3, 4, 5],
        "rows": [
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "filter_and": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 5],
        "rows": [[1, "a", 30.0, 1.5, "Paris", "2023-01-05"], [6, "c", 52.0, 10.0, "Nice", "2023-04-11"]],
    },
    "filter_contains": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [2, 4],
        "rows": [[3, "a", 25.0, 3.0, "Lyon", "2023-02-10"], [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"]],
    },
    "filter_not_contains": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 3, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "filter_is_null": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [1, 3],
        "rows": [[2, "b", None, 2.5, " ", "2023-01-06"], [4, "b", 41.0, 4.0, None, "2023-03-01"]],
    },
    "filter_not_null": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "filter_columns": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 3],
        "rows": [[1, "a", 30.0, 1.5, "Paris", "2023-01-05"], [4, "b", 41.0, 4.0, None, "2023-03-01"]],
    },
    "filter_true": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [1, 2, 3, 4, 5],
        "rows": [
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "sort": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [1, 2, 4, 0, 3, 5],
        "rows": [
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "sort_descending": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [5, 3, 0, 4, 2, 1],
        "rows": [
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
        ],
    },
    "sort_ascendings": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [2, 4, 0, 3, 1, 5],
        "rows": [
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "sort_text": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [1, 2, 4, 5, 0, 3],
        "rows": [
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
        ],
    },
    "remove_rows": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [1, 3, 4, 5],
        "rows": [
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
}

TEMPLATE_EXPECTED = {
    "column/average.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/clean_column_name.py": {
        "columns": ["customer_id", "email_address", "pascal_case", "class_", "2nd_value", "upper", "x_y_z", "total_"],
        "dtypes": ["int64", "int64", "int64", "int64", "int64", "int64", "int64", "int64"],
        "index": [0],
        "rows": [[0, 1, 2, 3, 4, 5, 6, 7]],
    },
    "column/count.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/count_distinct.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/diff.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/first.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/fix_syntax_errors.py": {
        "columns": ["Customer ID", "emailAddress", "Price", "signup date", "Name", "phone"],
        "dtypes": ["int64", "object", "object", "object", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [101, "a@b.com", "$1,000", "2023-01-05", " alice ", "555-123-4567"],
            [102, "invalid", "€ 20", "Jan 7, 2023", "BOB", "invalid"],
            [103, "c@d.org", "30", "2023/02/10", "Carol", "(555) 987-6543"],
            [104, None, "", None, "dave", "555.111.2222"],
            [105, "e@f.net", "$5", None, "Eve ", None],
            [106, "g@h.io", "7.5", "03-01-2023", "frank", "invalid"],
        ],
    },
    "column/impute.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "int64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30, 1.5, "Paris", "2023-01-05"],
            [2, "b", 0, 2.5, "missing", "2023-01-06"],
            [3, "a", 25, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41, 4.0, "missing", "2023-03-01"],
            [5, "a", 25, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/last.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/max.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/median.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/min.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/normalize.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/reformat.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/remove.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/remove_outliers.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
        ],
    },
    "column/select.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/shift_down.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/shift_up.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/standardize.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "column/sum.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "row/drop_duplicate.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "row/filter.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "row/remove.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
    "row/sort.py": {
        "columns": ["id", "group", "age", "score", "city", "joined"],
        "dtypes": ["int64", "object", "float64", "float64", "object", "object"],
        "index": [0, 1, 2, 3, 4, 5],
        "rows": [
            [1, "a", 30.0, 1.5, "Paris", "2023-01-05"],
            [2, "b", None, 2.5, " ", "2023-01-06"],
            [3, "a", 25.0, 3.0, "Lyon", "2023-02-10"],
            [4, "b", 41.0, 4.0, None, "2023-03-01"],
            [5, "a", 25.0, 3.0, "Lyon", "2023-03-02"],
            [6, "c", 52.0, 10.0, "Nice", "2023-04-11"],
        ],
    },
}


def _same(actual, expected):
    """Equal snapshots, floats to 1e-12 (pandas versions may sum in another order)."""
    if isinstance(expected, float) and isinstance(actual, float):
        return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(_same(a, e) for a, e in zip(actual, expected))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(_same(actual[key], expected[key]) for key in expected)
    return type(actual) is type(expected) and actual == expected


@pytest.mark.parametrize("case, frame, kwargs", CASES, ids=[case for case, _, _ in CASES])
def test_each_action_gives_mages_result(case, frame, kwargs):
    assert _same(_run_case(frame, kwargs), EXPECTED[case]), (_run_case(frame, kwargs), EXPECTED[case])


# remove_outliers needs scikit-learn, which requirements-test.txt does not install; see the test after this one.
RUNNABLE_TEMPLATES = [name for name in TEMPLATES if name != "column/remove_outliers.py"]


@pytest.mark.parametrize("name", RUNNABLE_TEMPLATES)
def test_each_template_runs_as_written_and_gives_mages_result(name):
    actual = _run_template(name, TEMPLATE_FRAMES[name])
    assert "error" not in actual
    assert _same(actual, TEMPLATE_EXPECTED[name]), (actual, TEMPLATE_EXPECTED[name])


def test_every_transformer_actions_template_of_mage_is_here():
    column = ["average", "clean_column_name", "count", "count_distinct", "diff", "first", "fix_syntax_errors",
              "impute", "last", "max", "median", "min", "normalize", "reformat", "remove", "remove_outliers", "select",
              "shift_down", "shift_up", "standardize", "sum"]  # fmt: skip
    row = ["drop_duplicate", "filter", "remove", "sort"]
    assert sorted(TEMPLATES) == sorted([f"column/{n}.py" for n in column] + [f"row/{n}.py" for n in row])


def test_remove_outliers_without_scikit_learn_names_the_package(monkeypatch):
    for module in ("sklearn", "sklearn.decomposition", "sklearn.ensemble", "sklearn.neighbors"):
        monkeypatch.setitem(__import__("sys").modules, module, None)
    namespace = {"transformer": lambda function: function}
    exec(TEMPLATE_IMPORTS + TEMPLATES["column/remove_outliers.py"], namespace)
    with pytest.raises(ImportError, match="scikit-learn"):
        namespace["execute_transformer_action"](_people())


def test_an_unknown_action_names_itself_and_the_supported_ones():
    from mage_ai.data_cleaner.transformer_actions.base import UnknownActionError

    df = _people()
    with pytest.raises(UnknownActionError) as raised:
        BaseAction(build_transformer_action(df, action_type="explode", arguments=["city"], axis=Axis.ROW)).execute(df)
    message = str(raised.value)
    assert "'explode'" in message and "'row'" in message
    assert "drop_duplicate, filter, group, join, remove, sort" in message
    assert "add, average, clean_column_name, count" in message
    assert isinstance(raised.value, KeyError)  # what Mage's failed lookup raises

    with pytest.raises(UnknownActionError, match="'diagonal'"):
        BaseAction(build_transformer_action(df, action_type="sum", axis="diagonal")).execute(df)


def test_an_unknown_action_is_refused_even_on_an_empty_frame():
    from mage_ai.data_cleaner.transformer_actions.base import UnknownActionError

    df = _people().iloc[0:0]
    with pytest.raises(UnknownActionError, match="'pivot'"):
        BaseAction(build_transformer_action(df, action_type="pivot")).execute(df)


def test_build_transformer_action_takes_mages_arguments_in_mages_order():
    df = _people()
    # Mage 0.9.80's order: df, action_type, arguments, action_code, options, axis, outputs.
    action = build_transformer_action(df, ActionType.FILTER, df.columns[:2], "score > 2", {"a": 1}, Axis.ROW, [])
    assert action["action_type"] == "filter" and action["axis"] == "row"
    assert action["action_arguments"] == ["id", "group"] and isinstance(action["action_arguments"], list)
    assert action["action_code"] == "score > 2" and action["action_options"] == {"a": 1} and action["outputs"] == []
    assert action["action_variables"]["age"] == {"feature": {"column_type": "number", "uuid": "age"}, "type": "feature"}
    types = {name: variable["feature"]["column_type"] for name, variable in action["action_variables"].items()}
    assert types == {"id": "number", "group": "category", "age": "number", "score": "number_with_decimals",
                     "city": "category", "joined": "datetime"}  # fmt: skip

    defaults = build_transformer_action(df, ActionType.SELECT)
    assert (defaults["action_arguments"], defaults["action_code"], defaults["action_options"]) == ([], "", {})
    assert defaults["axis"] == Axis.COLUMN and defaults["outputs"] == []


def test_the_enums_are_strings_with_mages_values():
    assert ActionType.CLEAN_COLUMN_NAME == "clean_column_name" and str(ActionType.SHIFT_DOWN) == "shift_down"
    assert [str(axis) for axis in Axis] == ["column", "row"]
    assert Operator.NOT_CONTAINS == "not contains" and Operator.GREATER_THAN_OR_EQUALS == ">="
    assert ImputationStrategy.SEQ == "sequential" and ImputationStrategy.NOOP == "no_action"
    from mage_ai.data_cleaner.transformer_actions.constants import VariableType

    assert [str(kind) for kind in VariableType] == ["feature", "feature_set", "feature_set_version"]


def test_placeholders_in_code_arguments_and_options_become_column_names():
    df = _people()
    action = {
        "action_type": "filter",
        "axis": "row",
        "action_code": "%{1_1} > 2 and %{1_2} == true",
        "action_arguments": [],
        "action_options": {},
        "action_variables": {
            "1_1": {"type": "feature", "feature": {"column_type": "number", "uuid": "score"}},
            "1_2": {"type": "feature", "feature": {"column_type": "true_or_false", "uuid": "flag"}},
        },
        "outputs": [],
    }
    df["flag"] = [True, True, False, True, True, False]
    result = BaseAction(action).execute(df)
    assert action["action_code"] == "score > 2 and flag == True"
    assert result["id"].tolist() == [2, 4, 5]


def test_a_custom_action_runs_its_code_and_decorated_functions():
    df = _people()
    code = "df['double'] = df['score'] * 2\n@transformer_action\ndef keep_big(df):\n\treturn df[df['double'] > 6]\n"
    action = build_transformer_action(df, action_type=ActionType.CUSTOM, action_code=code, axis=Axis.ROW)
    assert BaseAction(action).execute(df)["id"].tolist() == [4, 6]
