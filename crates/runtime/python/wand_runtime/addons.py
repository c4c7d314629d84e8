"""Mage's add-on blocks, run in the process of the block they are attached to: conditionals before it, callbacks
after it.

What Mage 0.9.80 does (ConditionalBlock.execute_conditional, CallbackBlock.execute_callback in
mage_ai/data_preparation/models/block/__init__.py; BlockExecutor._execute_conditional and execute_callback in
mage_ai/data_preparation/executors/block_executor.py):
- every `@condition` function of every conditional gets the block's own inputs and kwargs; the block runs only if all
  of them return something truthy, and a conditional that raises counts as false (its traceback goes to the log);
- after the block, each callback's `@callback('success')` functions get the block's output and the kwargs, its
  `@callback('failure')` functions an empty list and the kwargs with the error under `__error`; legacy
  `@on_success` / `@on_failure` functions get the kwargs only; a bare `@callback` function is called with no
  arguments on success; a callback that raises is logged, its file's later functions do not run, and the block's
  status stays as it was;
- for a block run cancelled in a cancelled run, each callback's `@callback('cancelled')` functions get no positional
  argument and the kwargs, later, in a process of their own (`block._cancelled_callbacks`).
The kwargs are the block's, with `block_uuid` the add-on's own uuid and `parent_block_uuid` the block's.
"""

import inspect
import sys
import traceback

from wand_runtime import decorators


def addon_kwargs(kwargs, addon, request, kind):
    """The kwargs an add-on of the request's block gets: the block's, without `retry` and `logger` for a conditional
    and without `logger` for a failure callback (checked on Mage 0.9.80's server with fixtures/mage09 `cond_gate`,
    `cb_data`)."""
    merged = dict(kwargs)
    merged.update(block_uuid=addon["uuid"], parent_block_uuid=request["block_uuid"])
    if kind == "condition":
        merged.pop("retry", None)
    if kind != "success":
        merged.pop("logger", None)
    return merged


def conditions_hold(request, inputs, kwargs, load, call):
    """Whether every conditional attached to the request's block holds (Mage evaluates them all)."""
    holds = True
    for addon in request.get("conditionals") or []:
        try:
            result = True
            for function in _functions(addon, request, load, "conditions"):
                result = call(function, inputs, addon_kwargs(kwargs, addon, request, "condition")) and result
        except Exception:  # noqa: BLE001  (a conditional that raises is false, as in Mage)
            print(
                f"Failed to execute conditional block {addon['uuid']} for block {request['block_uuid']}.",
                file=sys.stderr,
            )
            traceback.print_exc()
            result = False
        if not result:
            print(f"Conditional block {addon['uuid']} evaluated as False for block {request['block_uuid']}", flush=True)
        holds = holds and bool(result)
    if not holds:
        print(
            f"Conditional block(s) returned false for {request['block_uuid']}. "
            "This block run and downstream blocks will be set as CONDITION_FAILED.",
            flush=True,
        )
    return holds


def run_callbacks(request, state, inputs, kwargs, load, error=None):
    """Runs the `state` ('success', 'failure' or 'cancelled') functions of every callback attached to the request's
    block (legacy `@on_success` / `@on_failure` functions have no `cancelled` kind, as in Mage). Returns one message
    per callback that raised."""
    failures = []
    for addon in request.get("callbacks") or []:
        extra = {"__error": error} if state == "failure" else {}
        try:
            callbacks = _functions(addon, request, load, "callbacks")
            legacy = list(decorators.REGISTRY[_LEGACY[state]]) if state in _LEGACY else []
            callback_kwargs = {**addon_kwargs(kwargs, addon, request, state), **extra}
            for function in legacy:
                function(**callback_kwargs)
            for when, function in callbacks:
                if when == "bare" and state == "success":
                    function()
                elif when == state:
                    _call_callback(function, inputs, callback_kwargs, request)
        except Exception as raised:  # noqa: BLE001  (user code may raise anything; Mage logs it and goes on)
            print(
                f"Failed to execute {state} callback block {addon['uuid']} for block {request['block_uuid']}.",
                file=sys.stderr,
            )
            traceback.print_exc()
            message = str(raised)
            described = f"{type(raised).__name__}: {message}" if message else type(raised).__name__
            failures.append(f"{state} callback `{addon['uuid']}` failed: {described}")
    return failures


# The legacy in-block callback decorators, by the state they run on (Mage has none for `cancelled`).
_LEGACY = {"success": "on_success", "failure": "on_failure"}


def _call_callback(function, inputs, kwargs, request):
    """As Mage calls it: the block's output as positional arguments, unless the function takes keywords only (written
    before Mage 0.8.81), which then gets the output under `__input` (by the block's uuid and as `df_1`)."""
    parameters = inspect.signature(function).parameters.values()
    keywords_only = all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in parameters)
    if inputs and keywords_only:
        outputs = {request["block_uuid"]: inputs[0], "df_1": inputs[0]}
        return function(**kwargs, __input=outputs)
    return function(*inputs, **kwargs)


def _functions(addon, request, load, kind):
    """The functions of kind `kind` the add-on's file defines (loading it records them in the decorators' registry)."""
    decorators.reset()
    load(request, addon["file"])
    return list(decorators.REGISTRY[kind])
