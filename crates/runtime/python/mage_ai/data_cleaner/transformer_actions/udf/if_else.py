"""`if_else`: the first argument where the action code holds, else the second (each a value or, by `arg1_type` /
`arg2_type` = 'column', a column)."""

from mage_ai.data_cleaner.transformer_actions.action_code import query_with_action_code
from mage_ai.data_cleaner.transformer_actions.udf.base import BaseUDF


class IfElse(BaseUDF):
    def execute(self):
        df = self.df.copy()
        true_rows = query_with_action_code(df, self.code, self.kwargs).index
        when_true, when_false = self.arguments[0], self.arguments[1]
        if self.options.get("arg1_type", "value") == "column":
            when_true = df[when_true]
        if self.options.get("arg2_type", "value") == "column":
            when_false = df[when_false]
        df.loc[true_rows, "result"] = when_true
        df["result"] = df["result"].fillna(when_false)
        return df["result"]
