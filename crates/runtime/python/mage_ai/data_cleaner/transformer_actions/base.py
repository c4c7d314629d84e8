"""`BaseAction`: runs one transformer action (a dictionary, see `utils.build_transformer_action`) on a DataFrame.

The action's placeholders (`%{1_1}`) are first replaced by the column names its variables hold; then the function for
its axis and type runs. An action type Wand does not know raises `UnknownActionError`, naming the supported ones.
"""

import json

from mage_ai.data_cleaner.shared.utils import is_spark_dataframe
from mage_ai.data_cleaner.transformer_actions import column, row
from mage_ai.data_cleaner.transformer_actions.constants import ActionType, Axis, VariableType
from mage_ai.data_cleaner.transformer_actions.dependency_resolution import default_resolution
from mage_ai.data_cleaner.transformer_actions.helpers import drop_na
from mage_ai.data_cleaner.transformer_actions.variable_replacer import interpolate, replace_true_false

# Mage leaves both empty: no column-type pipelines and no preconditions are registered.
COLUMN_TYPE_PIPELINE_MAPPING = {}
DEPENDENCIES = {}
FUNCTION_MAPPING = {
    Axis.COLUMN: {
        ActionType.ADD: column.add_column,
        ActionType.AVERAGE: column.average,
        ActionType.CLEAN_COLUMN_NAME: column.clean_column_names,
        ActionType.COUNT: column.count,
        ActionType.COUNT_DISTINCT: column.count_distinct,
        ActionType.CUSTOM: column.custom,
        ActionType.DIFF: column.diff,
        ActionType.FIRST: column.first,
        ActionType.FIX_SYNTAX_ERRORS: column.fix_syntax_errors,
        ActionType.IMPUTE: column.impute,
        ActionType.NORMALIZE: column.normalize,
        ActionType.STANDARDIZE: column.standardize,
        ActionType.LAST: column.last,
        ActionType.MAX: column.max,
        ActionType.MEDIAN: column.median,
        ActionType.MIN: column.min,
        ActionType.REFORMAT: column.reformat,
        ActionType.REMOVE: column.remove_column,
        ActionType.REMOVE_OUTLIERS: column.remove_outliers,
        ActionType.SELECT: column.select,
        ActionType.SHIFT_DOWN: column.shift_down,
        ActionType.SHIFT_UP: column.shift_up,
        ActionType.SUM: column.sum,
    },
    Axis.ROW: {
        ActionType.CUSTOM: row.custom,
        ActionType.DROP_DUPLICATE: row.drop_duplicates,
        ActionType.FILTER: row.filter_rows,
        ActionType.SORT: row.sort_rows,
        ActionType.REMOVE: row.remove_row,
    },
}
# Actions that `BaseAction` runs itself, on either axis.
OWN_ACTIONS = (ActionType.GROUP, ActionType.JOIN)


class UnknownActionError(KeyError):
    """An action type (or axis) that no function handles; a KeyError, as the failed lookup is in Mage."""

    def __str__(self):
        return self.args[0]


class BaseAction:
    def __init__(self, action):
        self.action = action
        self.columns_by_type = {}
        for variable in self.action.get("action_variables", {}).values():
            feature = variable.get(VariableType.FEATURE) if variable else None
            if feature:
                self.columns_by_type.setdefault(feature.get("column_type"), []).append(feature["uuid"])

    @property
    def action_type(self):
        return self.action["action_type"]

    @property
    def axis(self):
        return self.action["axis"]

    def execute(self, df, **kwargs):
        """The DataFrame the action makes of `df`; `df_to_join=` gives a `join` its right side.

        Like Mage, many actions change `df` itself; an empty `df` is returned as it is.
        """
        self._check_known()
        met, message = DEPENDENCIES.get(self.action_type, default_resolution)(df, self.action)
        if not met:
            raise RuntimeError(f"Dependencies of this cleaning action are not completed: {message}")

        self.hydrate_action()
        if self.action.get("action_code"):
            self.action["action_code"] = replace_true_false(self.action["action_code"])

        if is_spark_dataframe(df):
            return self.execute_spark(df, **kwargs)
        if df.empty:
            return df

        transformed = self.transform(df) if self.action_type in (ActionType.FILTER, ActionType.ADD) else df

        if self.action_type == ActionType.GROUP:
            output = self.groupby(df, self.action)
        elif self.action_type == ActionType.JOIN:
            output = self.join(df, kwargs.get("df_to_join"), self.action)
        else:
            column_types = {name: ctype for ctype, names in self.columns_by_type.items() for name in names}
            function = FUNCTION_MAPPING[self.axis][self.action_type]
            output = function(transformed, self.action, column_types=column_types, original_df=df)

        if self.action_type == ActionType.FILTER:
            return df.loc[output.index][output.columns]
        if self.action_type == ActionType.ADD:
            new_columns = [output_column["uuid"] for output_column in self.action["outputs"]]
            df[new_columns] = output[new_columns]
            return df
        return output

    def execute_spark(self, df, **kwargs):
        raise RuntimeError("Spark is not supported in current environment")

    def groupby(self, df, action):
        """Each group of `action_arguments` columns transformed by the `child_actions` in turn."""

        def transform_group(group, actions):
            for child in actions:
                group = BaseAction(child).execute(group)
            return group

        return df.groupby(action["action_arguments"]).apply(
            lambda group: transform_group(group, action["child_actions"])
        )

    def hydrate_action(self):
        """Replaces the `%{key}` placeholders of the action's code, arguments and options by its variables' names."""
        for key, variable in self.action.get("action_variables", {}).items():
            if not variable:
                continue
            if self.action.get("action_code"):
                self.action["action_code"] = interpolate(self.action["action_code"], key, variable)
            if self.action.get("action_arguments"):
                self.action["action_arguments"] = [
                    interpolate(argument, key, variable) for argument in self.action["action_arguments"]
                ]
            if self.action.get("action_options"):
                options_json = interpolate(json.dumps(self.action["action_options"]), key, variable)
                self.action["action_options"] = json.loads(options_json)

    def join(self, df, df_to_join, action):
        """`df` merged with `df_to_join` on `left_on`/`right_on` (`how`, default left), then `drop_columns` dropped
        and `rename_columns` renamed; join keys of different dtypes are compared as strings."""
        options = action["action_options"]
        left_on, right_on = options["left_on"], options["right_on"]
        for left, right in zip(left_on, right_on):
            if df[left].dtype != df_to_join[right].dtype:
                df[left] = drop_na(df[left]).astype(str)
                df_to_join[right] = drop_na(df_to_join[right]).astype(str)

        if action.get("outputs") is not None:
            renames = {
                output["source_feature"]["uuid"]: output["uuid"]
                for output in action["outputs"]
                if output.get("source_feature") is not None
            }
            df_to_join = df_to_join.rename(columns=renames)
            right_on = [renames.get(key, key) for key in right_on]

        merged = df.merge(df_to_join, left_on=left_on, right_on=right_on, how=options.get("how", "left"))
        return merged.drop(columns=options.get("drop_columns", [])).rename(columns=options.get("rename_columns", {}))

    def transform(self, df):
        """A copy of `df` with each column type's pipeline applied (Mage registers none, so a plain copy)."""
        copy = df.copy()
        for ctype, names in self.columns_by_type.items():
            present = [name for name in names if name in copy.columns]
            build_pipeline = COLUMN_TYPE_PIPELINE_MAPPING.get(ctype)
            if present and build_pipeline:
                copy[present] = build_pipeline().fit_transform(copy[present])
        return copy

    def _check_known(self):
        axis, action_type = self.axis, self.action_type
        if action_type in OWN_ACTIONS:
            return
        if axis not in FUNCTION_MAPPING:
            raise UnknownActionError(f"Unknown transformer action axis {str(axis)!r}: use 'column' or 'row'.")
        if action_type not in FUNCTION_MAPPING[axis]:
            lines = [f"Unsupported transformer action {str(action_type)!r} on the {str(axis)!r} axis."]
            for name, functions in FUNCTION_MAPPING.items():
                supported = ", ".join(sorted(str(key) for key in list(functions) + list(OWN_ACTIONS)))
                lines.append(f"Supported on the {str(name)!r} axis: {supported}.")
            raise UnknownActionError(" ".join(lines))
