"""The `custom` action: Python code run against the DataFrame, as a script or as `@transformer_action` functions."""

from collections import deque


def build_custom_action_decorator(action_list):
    """A decorator that appends each function it decorates to `action_list`."""

    def custom_action(function):
        action_list.append(function)
        return function

    return custom_action


def execute_custom_action(df, action, **kwargs):
    """Runs `action['action_code']` with `df` and `transformer_action` in scope, then each decorated function in turn.

    A script changes `df` in place; each `@transformer_action` function takes the DataFrame and returns the next one.
    """
    registered = deque()
    code = action["action_code"].replace("\t", " " * 4)
    exec(code, {"df": df, "transformer_action": build_custom_action_decorator(registered)})
    while registered:
        df = registered.popleft()(df)
    return df
