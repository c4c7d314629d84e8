"""How Mage's data cleaner infers a column's type (`infer_column_types`) and finds malformed values in it.

The patterns and thresholds are Mage 0.9.80's, so that an action sees the same column types as under Mage. A column
of strings counts as Mage's `object` column whether pandas stores it as `object` or as its string dtype (pandas 3).
"""

import re

import numpy as np
import pandas as pd

from mage_ai.data_cleaner.column_types.constants import NUMBER_TYPES, ColumnType
from mage_ai.data_cleaner.transformer_actions.constants import CONSTANT_IMPUTATION_DEFAULTS, INVALID_VALUE_PLACEHOLDERS

DATETIME_MATCHES_THRESHOLD = 0.5
MAXIMUM_WORD_LENGTH_FOR_CATEGORY_FEATURES = 40
MAX_ROWS_FOR_COLUMN_TYPE_INFERENCE = 100_000
NUMBER_TYPE_MATCHES_THRESHOLD = 0.8
STRING_TYPE_MATCHES_THRESHOLD = 0.3

_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|Sep(?:tember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
REGEX_DATETIME_PATTERN = "|".join(
    [
        r"^\d{2,4}-\d{1,2}-\d{1,2}$",
        r"^\d{2,4}-\d{1,2}-\d{1,2}[Tt ]{1}\d{1,2}:\d{1,2}[:]{0,1}\d{1,2}[\.]{0,1}\d*",
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$",
        r"^\d{1,4}[-\/]{1}\d{1,2}[-\/]{1}\d{1,2}$",
        r"^\d{1,2}[-\/]{1}\d{1,2}[-\/]{1}\d{1,4}$",
        r"^\d{1,2}[-\/]\d{1,2}[-\/]\d{2,4}[Tt ]{1}\d{1,2}:\d{1,2}[:]{0,1}\d{1,2}[\.]{0,1}\d*",
        _MONTH + r"\s+(\d{1,2})[\s,]+(\d{2,4})",
    ]
)
REGEX_DATETIME = re.compile(REGEX_DATETIME_PATTERN)
REGEX_EMAIL_PATTERN = r"^[a-zA-Z0-9_.+#-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$"
REGEX_EMAIL = re.compile(REGEX_EMAIL_PATTERN)
_DIGITS = r"(?:[0-9]+(?:,[0-9]+)*|[0-9]+){0,1}"
REGEX_INTEGER_PATTERN = (
    r"^\-{0,1}\s*(?:(?:[$€¥₹£]|Rs|CAD){0,1}\s*"
    + _DIGITS
    + r"(?:\.0*)?|"
    + _DIGITS
    + r"(?:\.0*)?\s*(?:[元€$]|CAD){0,1})$"
)
REGEX_INTEGER = re.compile(REGEX_INTEGER_PATTERN)
REGEX_LIST_PATTERN = r"^[\[(](?:[^\n\r],?)*[\])]$"
REGEX_LIST = re.compile(REGEX_LIST_PATTERN)
REGEX_NUMBER_PATTERN = (
    r"^\-{0,1}\s*(?:(?:[$€¥₹£]|Rs|CAD){0,1}\s*"
    + _DIGITS
    + r"(?:\.[0-9]*){0,1}|"
    + _DIGITS
    + r"(?:\.[0-9]*){0,1}\s*(?:[元€$]|CAD){0,1})\s*\%{0,1}$"
)
REGEX_NUMBER = re.compile(REGEX_NUMBER_PATTERN)
REGEX_PHONE_NUMBER_PATTERN = r"^\s*(?:\+?(\d{1,3}))?[-. (]*(\d{3})[-. )]*(\d{3})[-. ]*(\d{4})(?: *x(\d+))?\s*$"
REGEX_PHONE_NUMBER = re.compile(REGEX_PHONE_NUMBER_PATTERN)
REGEX_ZIP_CODE_PATTERN = r"^\d{3,5}(?:[-\s]\d{4})?$"
REGEX_ZIP_CODE = re.compile(REGEX_ZIP_CODE_PATTERN)

RESERVED_PHONE_NUMBER_WORDS = frozenset(["phone", "landline"])
RESERVED_ZIP_CODE_WORDS = frozenset(["zip", "postal", "zipcode", "postcode"])


def str_in_set(string, string_set):
    """Whether any of `string_set` occurs in `string`."""
    return any(word in string for word in string_set)


def find_syntax_errors(series, column_type):
    """A boolean mask of the non-null values of `series` that do not parse as `column_type`."""
    if len(series) == 0:
        return pd.Series([])

    pattern = None
    strings = series
    skip_placeholders = False
    dtype = series.dtype
    if column_type == ColumnType.EMAIL:
        pattern, skip_placeholders = REGEX_EMAIL, True
    elif column_type in (ColumnType.PHONE_NUMBER, ColumnType.ZIP_CODE):
        strings = series.astype(str)
        pattern = REGEX_PHONE_NUMBER if column_type == ColumnType.PHONE_NUMBER else REGEX_ZIP_CODE
        skip_placeholders = True
    elif column_type in NUMBER_TYPES:
        numeric = _is_numpy(dtype) and (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating))
        if not numeric:
            strings, pattern = series.astype(str), REGEX_NUMBER
    elif column_type == ColumnType.DATETIME:
        base = dtype.base if isinstance(dtype, pd.DatetimeTZDtype) else dtype
        if not ((_is_numpy(base) and np.issubdtype(base, np.datetime64)) or base is pd.Timestamp):
            strings, pattern = series.astype(str), REGEX_DATETIME

    mask = pd.Series([False] * len(series), index=series.index)
    if pattern is not None:
        mask |= ~strings.str.match(pattern, na=True).astype(bool)
        if skip_placeholders:
            mask &= ~strings.str.match(INVALID_VALUE_PLACEHOLDERS[column_type], na=True).astype(bool)
            mask &= ~strings.str.match(CONSTANT_IMPUTATION_DEFAULTS[column_type], na=True).astype(bool)
    return mask & series.notna()


def infer_column_types(df, **kwargs):
    """Each column's `ColumnType`, keeping the ones given in `column_types=`; inferred from at most 100,000 rows."""
    given = kwargs.get("column_types", {})
    columns = df.columns.tolist()
    ctypes = {name: ctype for name, ctype in given.items() if name in columns}
    sample = df.sample(MAX_ROWS_FOR_COLUMN_TYPE_INFERENCE) if len(df) > MAX_ROWS_FOR_COLUMN_TYPE_INFERENCE else df
    for name in columns:
        if name not in given:
            ctypes[name] = infer_column_type(sample[name], name, sample[name].dtype, kwargs)
    return ctypes


def infer_column_type(series, column_name, dtype, kwargs):
    """One column's `ColumnType`, or None for a dtype Mage does not classify (timedeltas, categoricals...)."""
    ctype = None
    if "datetime64" in str(dtype):
        ctype = ColumnType.DATETIME
    elif _is_object_like(dtype):
        ctype = infer_object_type(series, column_name, kwargs)
    elif dtype == "bool":
        ctype = ColumnType.TRUE_OR_FALSE
    elif _is_numpy(dtype) and (np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.integer)):
        ctype = infer_number_type(series, column_name, dtype)
    if ctype in NUMBER_TYPES and series.nunique(dropna=False) == 2:
        ctype = ColumnType.TRUE_OR_FALSE
    return ctype


def infer_number_type(series, column_name, dtype):
    """The type of a numeric column: a phone number, a zip code, an integer or a decimal number."""
    values = series.dropna()
    if len(values) == 0:
        return ColumnType.NUMBER_WITH_DECIMALS
    whole = np.floor(values) == values
    phone_like = ((values >= 1e9) & (values < 1e12) & whole).sum()
    if phone_like / len(values) >= NUMBER_TYPE_MATCHES_THRESHOLD and "phone" in column_name.lower():
        return ColumnType.PHONE_NUMBER
    if np.issubdtype(dtype, np.integer):
        zip_like = values.min() >= 100 and values.max() <= 99999
        if zip_like and str_in_set(column_name.lower(), RESERVED_ZIP_CODE_WORDS):
            return ColumnType.ZIP_CODE
        return ColumnType.NUMBER
    return ColumnType.NUMBER if all(whole) else ColumnType.NUMBER_WITH_DECIMALS


def infer_object_type(series, column_name, kwargs):
    """The type of a column of Python objects, judged from its values with quotes and blanks stripped."""
    values = series.map(lambda x: x.strip(" '\"") if type(x) is str else x)
    values = values.map(lambda x: np.nan if isinstance(x, str) and x == "" else x).dropna()
    first_type = type(values.iloc[0]) if values.count() else None
    if first_type in (list, tuple, set):
        return ColumnType.LIST

    distinct_with_null = series.nunique(dropna=False)
    distinct = values.nunique()
    if first_type is not None and np.issubdtype(first_type, np.bool_):
        return ColumnType.TRUE_OR_FALSE if distinct <= 2 else ColumnType.CATEGORY
    if distinct <= 2:
        return ColumnType.TRUE_OR_FALSE

    values = values.astype(object).astype(str)
    count = len(values)
    name = column_name.lower()
    if all(values.str.match(REGEX_NUMBER)):
        if not all(values.str.match(REGEX_INTEGER)):
            return ColumnType.NUMBER_WITH_DECIMALS
        if values.str.match(REGEX_PHONE_NUMBER).sum() / count >= NUMBER_TYPE_MATCHES_THRESHOLD and str_in_set(
            name, RESERVED_PHONE_NUMBER_WORDS
        ):
            return ColumnType.PHONE_NUMBER
        if values.str.match(REGEX_ZIP_CODE).sum() / count >= NUMBER_TYPE_MATCHES_THRESHOLD and str_in_set(
            name, RESERVED_ZIP_CODE_WORDS
        ):
            return ColumnType.ZIP_CODE
        try:
            values.str.replace(r"\.0*", "", regex=True).astype(np.int64)
            return ColumnType.NUMBER
        except OverflowError:
            return _category(distinct, kwargs)

    if values.str.match(REGEX_DATETIME).sum() / count >= DATETIME_MATCHES_THRESHOLD:
        return ColumnType.DATETIME
    if values.str.match(REGEX_EMAIL).sum() / count >= STRING_TYPE_MATCHES_THRESHOLD:
        return ColumnType.EMAIL
    if values.str.match(REGEX_PHONE_NUMBER).sum() / count >= STRING_TYPE_MATCHES_THRESHOLD and str_in_set(
        name, RESERVED_PHONE_NUMBER_WORDS
    ):
        return ColumnType.PHONE_NUMBER
    if values.str.match(REGEX_ZIP_CODE).sum() / count >= STRING_TYPE_MATCHES_THRESHOLD and str_in_set(
        name, RESERVED_ZIP_CODE_WORDS
    ):
        return ColumnType.ZIP_CODE
    if values.str.match(REGEX_LIST).sum() / count >= STRING_TYPE_MATCHES_THRESHOLD:
        return ColumnType.LIST
    if distinct_with_null == 2:
        return ColumnType.TRUE_OR_FALSE
    if distinct / count >= 0.8:
        return ColumnType.TEXT
    if values.map(lambda x: len(str(x).split(" "))).max() > MAXIMUM_WORD_LENGTH_FOR_CATEGORY_FEATURES:
        return ColumnType.TEXT
    return _category(distinct, kwargs)


def _category(distinct, kwargs):
    if distinct <= kwargs.get("category_cardinality_threshold", 255):
        return ColumnType.CATEGORY
    return ColumnType.CATEGORY_HIGH_CARDINALITY


def _is_numpy(dtype):
    return isinstance(dtype, np.dtype)


def _is_object_like(dtype):
    return dtype == "object" or isinstance(dtype, pd.StringDtype)
