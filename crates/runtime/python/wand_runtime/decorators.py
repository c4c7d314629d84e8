"""Mage's block decorators. Each one records the function it wraps in REGISTRY and returns it unchanged."""

REGISTRY = {
    "blocks": [],
    "tests": [],
    "callbacks": [],
    "conditions": [],
    "on_success": [],
    "on_failure": [],
    "streaming_sources": [],
    "streaming_sinks": [],
}

# The states a `@callback(...)` function may run for (Mage's `CallbackStatus`).
CALLBACK_STATES = ("success", "failure", "cancelled")

_BLOCK_KINDS = ("data_loader", "transformer", "data_exporter", "custom", "sensor", "extension")


def reset():
    """Forget every function recorded so far; the engine calls this before it loads a block file."""
    for functions in REGISTRY.values():
        functions.clear()


def _block(kind):
    def decorate(function):
        REGISTRY["blocks"].append((kind, function))
        return function

    decorate.__name__ = kind
    return decorate


def _recorded_in(kind):
    def record(obj):
        REGISTRY[kind].append(obj)
        return obj

    return record


data_loader = _block("data_loader")
transformer = _block("transformer")
data_exporter = _block("data_exporter")
custom = _block("custom")
sensor = _block("sensor")
extension = _block("extension")


def callback(state="success"):
    """`@callback('success' | 'failure' | 'cancelled')`, recorded as (state, function). A bare `@callback` is recorded
    as ("bare", function): Mage calls such a function with no arguments on success."""
    if callable(state):
        REGISTRY["callbacks"].append(("bare", state))
        return state
    if state not in CALLBACK_STATES:
        raise ValueError(f"Callback status '{state}' in @callback decorator must be 1 of: {', '.join(CALLBACK_STATES)}")

    def decorate(function):
        REGISTRY["callbacks"].append((state, function))
        return function

    return decorate


def on_success(function):
    """Mage's legacy callback decorator: in a callback file, called with the callback's kwargs after success."""
    REGISTRY["on_success"].append(function)
    return function


def on_failure(function):
    """Mage's legacy callback decorator: in a callback file, called with the callback's kwargs after a failure."""
    REGISTRY["on_failure"].append(function)
    return function


test = _recorded_in("tests")
condition = _recorded_in("conditions")
# A streaming pipeline's source and sink written as Python classes (Mage's `BasePythonSource`, `BasePythonSink`).
streaming_source = _recorded_in("streaming_sources")
streaming_sink = _recorded_in("streaming_sinks")


def _passthrough(*args, **_kwargs):
    if len(args) == 1 and callable(args[0]):
        return args[0]
    return lambda function: function


# Chart decorators: accepted so that such files load.
data_source = x = y = configuration = render = columns = _passthrough


def injected_globals():
    """The names a block file sees before its first line runs, like Mage's `globals()` injection."""
    names = {kind: globals()[kind] for kind in _BLOCK_KINDS}
    names.update(test=test, condition=condition, callback=callback, on_success=on_success, on_failure=on_failure)
    names.update(streaming_source=streaming_source, streaming_sink=streaming_sink)
    return names
