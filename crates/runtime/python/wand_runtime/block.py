"""Runs one block in the current (forked) process with Mage's contract, and describes the outcome.

The request (built by Wand's Rust side) carries the block file, its upstream outputs, the variables and the
run context. The result is {"status": "completed", "stored": ..., "tests": n, "effects": ...},
{"status": "failed", "error": ..., "traceback": ...}, or, for a sensor whose check did not hold, {"status": "waiting"}
(Wand checks it again after the request's `sensor_interval` in a new process; nothing waits here), or, for a block
that asked about the run history (`check_status`) what the request's `run_statuses` do not answer,
{"status": "asks", "queries": [...]} (Wand answers and runs it again at once).
"""

import importlib.util
import inspect
import logging
import os
import sys
import traceback
from datetime import datetime
from types import FunctionType as _FUNCTION

from wand_runtime import addons, context, decorators, dynamic, outputs
from wand_runtime import global_data_product as product


_VARARGS, _VARKEYWORDS = inspect.CO_VARARGS, inspect.CO_VARKEYWORDS


class BlockFailure(Exception):
    """A failure to report with a message of its own instead of a Python traceback."""


# A failure's message and traceback are kept in the run history: a huge exception message keeps its head.
MAX_ERROR_CHARS = 16 * 1024

# Block files compiled ahead by a fork server (`compile_ahead`, `compile_files`), inherited by the children it forks
# afterwards: path -> (mtime_ns, size, code object). Compiling never runs the file; a child executes the code in its
# own module.
_COMPILED = {}
# At most this many files are kept compiled. A file that does not compile is left to its child, which reports the
# error as the block's.
_COMPILE_LIMIT = 4096


def compile_ahead(request):
    """Compiles the request's Python files (the block's, its conditionals' and callbacks') for later children, unless
    already compiled as they are now. Runs in a fork server: it compiles only, so no user code runs there."""
    files = [request.get("file")] + [
        addon.get("file") for addon in (request.get("conditionals") or []) + (request.get("callbacks") or [])
    ]
    compile_files(request["repo_path"], files)


def compile_files(repo_path, files):
    """Compiles each of the project's Python `files` (relative paths) not yet compiled as it is now."""
    for file in files:
        if not file or not file.endswith(".py") or len(_COMPILED) >= _COMPILE_LIMIT:
            continue
        path = os.path.normpath(os.path.join(repo_path, file))
        try:
            info = os.stat(path)
            cached = _COMPILED.get(path)
            if cached and cached[:2] == (info.st_mtime_ns, info.st_size):
                continue
            with open(path, "rb") as source:
                code = compile(source.read(), path, "exec", dont_inherit=True)
        except (OSError, SyntaxError, ValueError):
            _COMPILED.pop(path, None)
            continue
        _COMPILED[path] = (info.st_mtime_ns, info.st_size, code)


def _compiled(path):
    """The code compiled ahead for the file at `path`, if the file has not changed since."""
    cached = _COMPILED.get(path)
    if cached is None:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return cached[2] if cached[:2] == (info.st_mtime_ns, info.st_size) else None


def run(request):
    if request.get("mode") == "cancelled_callbacks":
        return _cancelled_callbacks(request)
    try:
        return _run(request)
    except context.Asks as asks:
        return {"status": "asks", "queries": [asks.query]}
    except BlockFailure as failure:
        print(str(failure), file=sys.stderr)
        _after_failure(request, failure)
        return {"status": "failed", "error": _capped(str(failure)), "traceback": None}
    except BaseException as error:  # noqa: BLE001  (user code may raise anything, SystemExit included)
        text = _user_traceback(error, request["file"])
        print(text, file=sys.stderr, end="")
        _after_failure(request, error)
        return {"status": "failed", "error": _capped(_describe(error)), "traceback": _capped(text, keep_end=True)}


def _after_failure(request, error):
    """The failure callbacks, once the block has no retries left (Mage retries a block before its callbacks run)."""
    if not request.get("callbacks") or request.get("attempt", 1) <= request.get("retries", 0):
        return
    if not isinstance(error, Exception):
        return
    # Mage hands a failure callback one positional argument, an empty list (its server, fixtures/mage09 `cb_data`).
    addons.run_callbacks(request, "failure", [[]], _kwargs(request), _load_module, error=error)


def _capped(text, keep_end=False):
    """At most `MAX_ERROR_CHARS` of `text` with a note of what was cut: its head, or for a traceback its end."""
    if len(text) <= MAX_ERROR_CHARS:
        return text
    if keep_end:
        return f"[truncated: {len(text)} characters, kept the last {MAX_ERROR_CHARS}] … {text[-MAX_ERROR_CHARS:]}"
    return f"{text[:MAX_ERROR_CHARS]} … [truncated: {len(text)} characters, kept first {MAX_ERROR_CHARS}]"


def _cancelled_callbacks(request):
    """Only the `cancelled` callbacks of a block run cancelled in a cancelled run, in a process of their own, as
    Mage's CANCEL_PIPELINE_RUN job runs them (pipeline_scheduler_original.py, CallbackBlock.execute_callback): no
    positional argument, the run's variables and Mage's kwargs, without `retry` and `logger` (on Mage 0.9.80's server
    with fixtures/mage09 `cb_cancel`: crates/cli/tests/it/addons_expected/README.md). A callback that raises
    is logged and the next callback block runs; the block run stays cancelled."""
    _enter(request)
    kwargs = _kwargs(request)
    for key in ("retry", "logger", "dynamic_block_index"):
        kwargs.pop(key, None)
    errors = addons.run_callbacks(request, "cancelled", [], kwargs, _load_module)
    return {"status": "callbacks_ran", "callback_errors": errors}


def _enter(request):
    """Puts the project on sys.path and sets the block's context (what `wand_runtime.context` answers)."""
    repo_path = request["repo_path"]
    paths = [repo_path, os.path.dirname(repo_path)]
    platform = request.get("platform_root")
    if platform:
        # Mage's multi-project platform puts the root's parent on sys.path, and only that: blocks import
        # `<root>.<project>.utils`, not `<project>.utils` (on Mage 0.9.80's server: fixtures/mage_platform).
        paths = [os.path.dirname(platform)]
    for path in paths:
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("WAND_REPO_PATH", repo_path)
    ctx = context.BlockContext(
        repo_path=repo_path,
        project_name=request["project_name"],
        data_dir=request["data_dir"],
        pipeline_uuid=request["pipeline_uuid"],
        block_uuid=request["block_uuid"],
        run_id=request["run_id"],
        variables=dict(request.get("variables") or {}),
        run_statuses=list(request.get("run_statuses") or []),
    )
    context.set_current(ctx)
    return ctx


def _run(request):
    if request.get("streaming"):
        from wand_runtime.streaming import engine

        return engine.run(request)
    ctx = _enter(request)
    inputs = None
    if request.get("conditionals"):
        inputs = _inputs(request)
        holds = addons.conditions_hold(request, inputs, _kwargs(request), _load_module, _call)
        if not holds:
            return {"status": "condition_failed"}
    if request["block_type"] == "dbt":
        return _run_dbt(request, ctx)
    if request.get("language") == "sql":
        return _run_sql(request, ctx)
    if request["block_type"] == product.BLOCK_TYPE:
        try:
            output = product.run_block(request)
        except product.ProductFailed as failure:
            raise BlockFailure(str(failure)) from None
        return _completed(request, ctx, _store(output, request), output, _kwargs(request))
    if inputs is None:
        inputs = _inputs(request)
    decorators.reset()
    _load_module(request)
    if request["block_type"] == "scratchpad":
        # A scratchpad is a notebook cell: its code is the whole of it (Mage's editor runs it as it stands, with no
        # decorated function), it has no output, and it never runs in a pipeline run (the editor's run only).
        return _completed(request, ctx, _store(None, request), None, {})
    function = _block_function(request)
    kwargs = _kwargs(request)
    output = _call(function, inputs, kwargs)
    if request["block_type"] == "sensor":
        # Mage's sensor is called again every minute until it returns a truthy value; its output is an empty list
        # (on Mage 0.9.80's server the downstream block received `([],)`).
        if not output:
            print(f"Sensor sleeping for {request.get('sensor_interval', 60):g} seconds...", flush=True)
            return {"status": "waiting"}
        output = []
    stored = _store(output, request)
    if (request.get("configuration") or {}).get("dynamic") is True:
        try:
            stored["dynamic"] = dynamic.describe(output, request["block_uuid"])
        except dynamic.DynamicOutputError as error:
            raise BlockFailure(str(error)) from None
    tests = decorators.REGISTRY["tests"] if request.get("run_tests", True) else []
    # Like Mage, which stores a returned list or tuple as output_0..n and calls each test with them spread out.
    test_args = list(output) if isinstance(output, (tuple, list)) else [output]
    for test in tests:
        try:
            _call(test, test_args, kwargs)
        except AssertionError as error:
            raise BlockFailure(f"test `{test.__name__}` failed: {error or 'assertion failed'}") from None
    return _completed(request, ctx, stored, output, kwargs, tests=len(tests))


def _inputs(request):
    """The block's positional arguments (read once per process; its conditionals and callbacks get the same)."""
    return _arguments(request)[0]


def _arguments(request):
    """`(args, kwargs its parents add)`: a dynamic child's item and metadata, a reduce's gathered list, a global
    data product's outputs by block."""
    if "_arguments" not in request:
        try:
            args, extra = dynamic.arguments(request, outputs.load)
        except dynamic.DynamicOutputError as error:
            raise BlockFailure(str(error)) from None
        request["_arguments"] = (product.positional(request, args), extra)
    return request["_arguments"]


def _completed(request, ctx, stored, output, kwargs, tests=0):
    """The result of a block that completed, after its success callbacks (which cannot change it, as in Mage)."""
    result = {"status": "completed", "stored": stored, "tests": tests, "effects": ctx.effects}
    if request.get("callbacks"):
        result["callback_errors"] = addons.run_callbacks(request, "success", [output], kwargs, _load_module)
    return result


def _store(output, request, frame=None):
    """Stores the block's output (see `outputs.save`); a value no format holds fails the block by name."""
    try:
        return outputs.save(output, request["output_dir"], frame=frame)
    except outputs.UnstorableOutput as error:
        raise BlockFailure(f"the output of block `{request['block_uuid']}` cannot be stored: {error}") from None


def _run_sql(request, ctx):
    """A SQL block: its output is the table it wrote (or the rows raw SQL returned), stored like any output."""
    from wand_runtime import sql

    stored_inputs = request.get("inputs") or []

    def load_input(index):
        stored = stored_inputs[index] if index < len(stored_inputs) else None
        if not stored or not stored.get("outputs"):
            return None
        # Mage hands a SQL block its parent's first output; a table stays Arrow (no copy into pandas).
        first = stored["outputs"][0]
        return outputs.load_one(first, "pyarrow" if first.get("kind") == outputs.ARROW else None)

    kwargs = _kwargs(request)
    kwargs.pop("logger")
    try:
        output = sql.run(request, kwargs, load_input)
    except sql.SqlFailure as failure:
        print(str(failure), file=sys.stderr)
        if failure.shown:
            print(failure.shown, file=sys.stderr)
        return {
            "status": "failed",
            "error": _capped(str(failure)),
            "traceback": failure.shown and _capped(failure.shown),
        }
    stored = _store(output, request, frame="pandas")
    if request.get("callbacks") and hasattr(output, "to_pandas"):
        output = output.to_pandas()  # a callback gets the DataFrame a downstream Python block would get
    return _completed(request, ctx, stored, output, kwargs)


def _run_dbt(request, ctx):
    """A dbt block (`wand_runtime.dbt`): a model's output is its rows as a DataFrame; a command's an empty list."""
    from wand_runtime import dbt

    stored_inputs = request.get("inputs") or []

    def load_input(index):
        stored = stored_inputs[index] if index < len(stored_inputs) else None
        if not stored or not stored.get("outputs"):
            return None
        return outputs.load_one(stored["outputs"][0], "pandas")

    kwargs = _kwargs(request)
    try:
        output = dbt.run(request, kwargs, load_input)
    except dbt.DbtFailure as failure:
        raise BlockFailure(str(failure)) from None
    return _completed(request, ctx, _store(output, request), output, kwargs)


def _load_module(request, file=None):
    """Executes the block file (or another file of the project, such as a callback's) as a module of the project
    package, so its classes pickle by reference."""
    file = file or request["file"]
    path = os.path.normpath(os.path.join(request["repo_path"], file))
    platform = request.get("platform_root")
    if platform:
        # In Mage's platform a block file may be a sibling project's: its module is named from the root's parent.
        relative = os.path.splitext(os.path.relpath(path, os.path.dirname(platform)))[0].replace(os.sep, ".")
        name = relative
    else:
        relative = os.path.splitext(file)[0].replace(os.sep, ".")
        name = f"{request['project_name']}.{relative}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(decorators.injected_globals())
    sys.modules[name] = module
    code = _compiled(path)
    if code is None:
        spec.loader.exec_module(module)
    else:
        exec(code, module.__dict__)  # noqa: S102  (the block file, as exec_module would run it)
    return module


def _block_function(request):
    blocks = decorators.REGISTRY["blocks"]
    if not blocks:
        raise BlockFailure(f"{request['file']} defines no block function; decorate one with @{request['block_type']}")
    for kind, function in blocks:
        if kind == request["block_type"]:
            return function
    return blocks[-1][1]


def _kwargs(request):
    execution_date = datetime.fromisoformat(request["execution_date"])
    kwargs = dict(request.get("variables") or {})
    kwargs.update(
        ds=execution_date.date().isoformat(),
        hr=f"{execution_date.hour:02d}",
        env=request.get("env", "dev"),
        execution_date=execution_date,
        execution_partition=request.get("execution_partition"),
        pipeline_uuid=request["pipeline_uuid"],
        block_uuid=request["block_uuid"],
        pipeline_run_id=request["run_id"],
        trigger_name=request.get("trigger_name"),
        configuration=request.get("configuration") or {},
        repo_path=request["repo_path"],
        context={},
        logger=_logger(request["block_uuid"]),
        retry={"attempts": request.get("attempt", 1)},
    )
    # Mage always passes `event`: the API call's payload, empty for other runs.
    kwargs.setdefault("event", {})
    kwargs.update(product.kwargs(request))
    if request.get("dynamic_block_index") is not None:
        kwargs["dynamic_block_index"] = request["dynamic_block_index"]
    interval = request.get("interval")
    if interval:
        # Mage's kwargs for a time trigger's run (PipelineRun.get_variables): datetimes, and the length in seconds.
        seconds = interval.get("seconds")
        kwargs.update(
            interval_start_datetime=_moment(interval["start"]),
            interval_end_datetime=_moment(interval.get("end")),
            interval_seconds=int(seconds) if seconds is not None and float(seconds).is_integer() else seconds,
            interval_start_datetime_previous=_moment(interval.get("start_previous")),
        )
    if "_arguments" in request:
        # Mage merges each parent's metadata over the kwargs (a dynamic item's `block_uuid` replaces the block's).
        kwargs.update(request["_arguments"][1])
    return kwargs


def _moment(text):
    """An RFC 3339 time from the request as a datetime (None stays None); `Z` spelled out for Pythons before 3.11."""
    return text and datetime.fromisoformat(text.replace("Z", "+00:00"))


class _StderrHandler(logging.StreamHandler):
    """Writes each record to `sys.stderr` as it is then: made once in the warm parent, it writes to the stderr each
    forked child sets up."""

    stream = property(lambda self: sys.stderr, lambda self, value: None)


_BLOCK_LOG = _StderrHandler()
_BLOCK_LOG.setFormatter(logging.Formatter("%(levelname)s %(message)s"))


def _logger(block_uuid):
    """Mage's `logger` kwarg: INFO and above, to the block's stderr. Built as a plain `Logger` outside logging's
    registry (`getLogger` and `setLevel` would touch every logger of the process: pages a forked child copies)."""
    logger = logging.Logger(f"wand.block.{block_uuid}", logging.INFO)
    logger.handlers = [_BLOCK_LOG]
    logger.propagate = False
    return logger


def _call(function, args, kwargs):
    """Calls like Mage: as many positional args as the function takes, kwargs only if it declares them."""
    shape = _plain_shape(function)
    if shape is None:
        try:
            shape = _signature_shape(inspect.signature(function))
        except (TypeError, ValueError):
            return function(*args, **kwargs)
    positional, named, var_positional, var_keyword = shape
    if not var_positional:
        args = args[:positional]
    if var_keyword:
        return function(*args, **kwargs)
    return function(*args, **{name: kwargs[name] for name in named[len(args) :] if name is not None and name in kwargs})


def _plain_shape(function):
    """`_signature_shape` of a plain function, read from its code object (what `inspect.signature` would find, without
    the pages of memory it touches in a forked child); None for anything else (a wrapper, a partial, a class)."""
    if type(function) is not _FUNCTION or hasattr(function, "__wrapped__"):
        return None
    code = function.__code__
    positional, only, keyword_only = code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount
    var_positional = bool(code.co_flags & _VARARGS)
    names = code.co_varnames
    # In the signature's order: positional-only (never passed by keyword: a place no name fills), the others, the
    # place of `*args`, the keyword-only ones, the place of `**kwargs`.
    named = [None] * only + list(names[only:positional]) + [None] * var_positional
    var_keyword = bool(code.co_flags & _VARKEYWORDS)
    named += [*names[positional : positional + keyword_only], *[None] * var_keyword]
    return positional, named, var_positional, var_keyword


def _signature_shape(signature):
    """(how many positional parameters, by position the names a keyword argument may fill (None where none may),
    whether it takes `*args`, whether it takes `**kwargs`) of a signature."""
    parameters = list(signature.parameters.values())
    kinds = inspect.Parameter
    positional = sum(p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD) for p in parameters)
    named = [p.name if p.kind in (kinds.KEYWORD_ONLY, kinds.POSITIONAL_OR_KEYWORD) else None for p in parameters]
    var_positional = any(p.kind == kinds.VAR_POSITIONAL for p in parameters)
    var_keyword = any(p.kind == kinds.VAR_KEYWORD for p in parameters)
    return positional, named, var_positional, var_keyword


def _describe(error):
    if isinstance(error, SystemExit):
        return f"the block called sys.exit({error.code!r})"
    if isinstance(error, KeyboardInterrupt):
        return "the block was interrupted"
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _user_traceback(error, block_file):
    """The traceback from the first frame of user code on, without the engine's own frames."""
    frames = traceback.extract_tb(error.__traceback__)
    engine = os.path.dirname(os.path.abspath(__file__))
    first_user = next(
        (index for index, frame in enumerate(frames) if not os.path.abspath(frame.filename).startswith(engine)),
        0,
    )
    shown = [frame for frame in frames[first_user:] if not frame.filename.startswith("<frozen ")]
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(shown)
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines)
