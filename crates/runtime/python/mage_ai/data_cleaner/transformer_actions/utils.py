"""Building an action's dictionary from a DataFrame (`build_transformer_action`), and column-name cleaning."""

import logging
from keyword import iskeyword
from typing import Dict, List, Union

from pandas import DataFrame

from mage_ai.data_cleaner.column_types.column_type_detector import REGEX_NUMBER, infer_column_types
from mage_ai.data_cleaner.column_types.constants import ColumnType
from mage_ai.data_cleaner.transformer_actions.constants import ActionType, Axis, NameConventionPatterns

logger = logging.getLogger(__name__)


def build_action_variables(df: DataFrame, ctypes: Dict[str, ColumnType] = None, columns: List[str] = None) -> Dict:
    """One `feature` variable per column (all of `df`'s unless `columns` is given), typed by `ctypes` or inference."""
    columns = df.columns if columns is None else columns
    ctypes = infer_column_types(df, column_types={} if ctypes is None else ctypes)
    return {name: {"feature": {"column_type": ctypes[name], "uuid": name}, "type": "feature"} for name in columns}


def build_transformer_action(
    df: DataFrame,
    action_type: Union[ActionType, str],
    arguments: List[str] = [],
    action_code: str = "",
    options: Dict = {},
    axis: Union[Axis, str] = Axis.COLUMN,
    outputs: List[Dict] = [],
) -> Dict:
    """The action dictionary `BaseAction` runs: the action, its columns, code, options, axis and new columns.

    The column types of `df` are inferred into `action_variables`, which actions such as `impute` rely on.
    """
    return dict(
        action_type=action_type,
        action_arguments=list(arguments),
        action_code=action_code,
        action_options=options,
        action_variables=build_action_variables(df),
        axis=axis,
        outputs=outputs,
    )


def clean_column_name(name):
    """A column name in lower snake case: connectors become '_', other symbols go, digits get a 'number_' prefix."""
    if iskeyword(name):
        name = f"{name}_"
    name = name.strip(" '\"_-")
    name = NameConventionPatterns.CONNECTORS.sub("_", name)
    name = NameConventionPatterns.NON_ALNUM.sub("", name)
    name = REGEX_NUMBER.sub(lambda number: f"number_{number.group(0)}", name)
    if iskeyword(name):
        name = f"{name}_"
    if NameConventionPatterns.UPPERCASE.match(name):
        name = name.lower()
    elif NameConventionPatterns.PASCAL.match(name):
        name = "_".join(NameConventionPatterns.PASCAL_COMPONENT.findall(name))
    elif NameConventionPatterns.CAMEL.match(name):
        parts = NameConventionPatterns.CAMEL_COMPONENT.findall(name)
        parts += NameConventionPatterns.PASCAL_COMPONENT.findall(name)
        name = "_".join(parts)
    return name.lower()


def columns_to_remove(transformer_actions):
    """The columns that the column `remove` actions among `transformer_actions` drop."""
    columns = []
    for action in transformer_actions:
        if action["action_type"] == ActionType.REMOVE and action["axis"] == Axis.COLUMN:
            columns += action["action_arguments"]
    return columns


def generate_action_titles(transformer_actions):
    """Gives each action without a title the default one for its type."""
    for action in transformer_actions:
        if not action.get("title"):
            action["title"] = generate_action_title(action)
    return transformer_actions


def generate_action_title(action):
    """The default title of a suggested action (`action['action_payload']`), '' for a type without one."""
    titles = {
        ActionType.REMOVE: "Remove columns",
        ActionType.FILTER: "Filter rows",
        ActionType.DROP_DUPLICATE: "Drop duplicate rows",
        ActionType.REFORMAT: "Reformat values",
        ActionType.IMPUTE: "Fill in missing values",
        ActionType.CLEAN_COLUMN_NAME: "Clean dirty column names",
    }
    return titles.get(action["action_payload"]["action_type"], "")


def generate_string_cols(df, columns):
    """The columns among `columns` whose first non-null value is a string; a warning for each other non-empty one."""
    for column in columns:
        values = df[column].dropna(axis=0)
        if len(values) == 0:
            continue
        if isinstance(values.iloc[0], str):
            yield column
        else:
            logger.warning(f"Attempted to perform string-only action on non-string column '{column}'")
