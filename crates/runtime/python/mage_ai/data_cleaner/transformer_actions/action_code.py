"""Row conditions written in Mage's action-code language (`age > 3 and name contains 'a'`) run as a pandas query.

Each `<column> <operator> <value>` comparison is rewritten before `DataFrame.query` runs: columns get a prefix (so that
a column may be named like a Python keyword), `contains` and `not contains` become `str.contains`, and `== null` or
`!= null` test for missing values in the original DataFrame (empty strings count as missing in text columns).
"""

import re

from mage_ai.data_cleaner.transformer_actions.constants import Operator

ACTION_CODE_NAME = r"(?:([^\s()\"']+|['\"][^\"']+['\"]))"
ACTION_CODE_PATTERN = re.compile(rf"{ACTION_CODE_NAME} ([!=<>]+|(?:contains)|(?:not contains)) {ACTION_CODE_NAME}")
ORIGINAL_COLUMN_PREFIX = "orig_"
QUOTES = "\"'"
TRANSFORMED_COLUMN_PREFIX = "tf_"


def append_prefix(column_name, prefix):
    """The column's name with `prefix`; a quoted name becomes a backquoted one, as `DataFrame.query` wants."""
    if column_name[0] in QUOTES:
        return f"`{prefix}{column_name.strip(QUOTES)}`"
    return f"{prefix}{column_name}"


def query_with_action_code(df, action_code, kwargs):
    """The rows of `df` for which `action_code` holds, with `df`'s columns.

    `kwargs['original_df']` is the DataFrame `== null` and `!= null` look at; without it they raise.
    """
    if action_code == "":
        return df

    original_df = kwargs.get("original_df", None)
    original_joined = False
    value_types, original_types = {}, {}
    queried = df.copy().add_prefix(TRANSFORMED_COLUMN_PREFIX)
    columns = set(df.columns)

    pieces = []
    end = 0
    for match in ACTION_CODE_PATTERN.finditer(action_code):
        column_name, operator, value = match.groups()
        bare_name = column_name.strip(QUOTES)
        pieces.append(action_code[end : match.start()])
        end = match.end()
        if operator in (Operator.CONTAINS, Operator.NOT_CONTAINS):
            value_type = _value_type(df, value_types, bare_name)
            if value_type is not str:
                raise TypeError(f"'{operator}' can only be used on string columns, {value_type}")
            pieces.append(_contains_condition(column_name, operator, value))
        elif operator in (Operator.EQUALS, Operator.NOT_EQUALS) and value == "null":
            if original_df is None:
                raise Exception("Null value queries require original dataframe as keyword argument")
            if not original_joined:
                queried = queried.join(original_df.add_prefix(ORIGINAL_COLUMN_PREFIX))
                original_joined = True
            value_type = _value_type(original_df, original_types, bare_name)
            pieces.append(_null_condition(column_name, operator, value_type))
        else:
            if value.strip(QUOTES) in columns:
                # A comparison with another column names that column with the same prefix.
                value = append_prefix(value, TRANSFORMED_COLUMN_PREFIX)
            pieces.append(f"{append_prefix(column_name, TRANSFORMED_COLUMN_PREFIX)} {operator} {value}")
    pieces.append(action_code[end:])

    result = queried.query("".join(pieces), engine="python")
    result = result.rename(lambda name: name[len(TRANSFORMED_COLUMN_PREFIX) :], axis="columns")
    return result[df.columns]


def _contains_condition(column_name, operator, value):
    column = append_prefix(column_name, TRANSFORMED_COLUMN_PREFIX)
    test = f"({column}.notna() & {column}.str.contains('{value.strip(QUOTES)}'))"
    return test if operator == Operator.CONTAINS else f"~{test}"


def _null_condition(column_name, operator, value_type):
    column = append_prefix(column_name, ORIGINAL_COLUMN_PREFIX)
    if operator == Operator.EQUALS:
        extra = {bool: f" | {column} == ''", str: f" | {column}.str.len() == 0"}.get(value_type, "")
        return f"({column}.isna(){extra})"
    extra = {bool: f" & {column} != ''", str: f" & {column}.str.len() >= 1"}.get(value_type, "")
    return f"({column}.notna(){extra})"


def _value_type(df, cache, column_name):
    """The Python type of the column's first value that is neither null nor '' (`object` when there is none)."""
    if column_name not in cache:
        values = df[column_name].dropna()
        values = values[~values.isin([""])]
        cache[column_name] = type(values.iloc[0]) if len(values.index) >= 1 else object
    return cache[column_name]
