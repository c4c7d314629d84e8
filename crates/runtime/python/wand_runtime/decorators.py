"""Mage's block decorators. Each one records the function it wraps in REGISTRY and returns it unchanged."""

REGISTRY = {"blocks": [], "tests": [], "callbacks": [], "conditions": []}

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


data_loader = _block("data_loader")
transformer = _block("transformer")
data_exporter = _block("data_exporter")
custom = _block("custom")
sensor = _block("sensor")
extension = _block("extension")


def test(function):
    REGISTRY["tests"].append(function)
    return function


def condition(function):
    REGISTRY["conditions"].append(function)
    return function


def callback(*states):
    """`@callback('success')` or bare `@callback`: recorded, run by a later version of the engine."""
    if len(states) == 1 and callable(states[0]):
        REGISTRY["callbacks"].append(("success", states[0]))
        return states[0]

    def decorate(function):
        REGISTRY["callbacks"].append((states or ("success",), function))
        return function

    return decorate


def _passthrough(*args, **_kwargs):
    if len(args) == 1 and callable(args[0]):
        return args[0]
    return lambda function: function


# Legacy in-block callbacks and chart decorators: accepted so that such files load.
on_success = on_failure = _passthrough
data_source = x = y = configuration = render = columns = _passthrough


def injected_globals():
    """The names a block file sees before its first line runs, like Mage's `globals()` injection."""
    names = {kind: globals()[kind] for kind in _BLOCK_KINDS}
    names.update(test=test, condition=condition, callback=callback, on_success=on_success, on_failure=on_failure)
    return names
