"""Records the signatures of Mage's `mage_ai.io` classes into tests/data/mage_io_signatures.json, which
test_io_connectors.py compares Wand's stand-ins with (so the tests need no copy of Mage).

Mage's modules import its many dependencies, so they are read with `ast`, not imported. For each recorded class the
JSON keeps the file that defines it and, for each public method (and `__init__`, its bases' methods included, nearest
definition first), its parameters as [name, kind, default]: names and defaults only, no code.

The committed JSON was recorded from Mage 0.9.80, from the root of the repository:

    pip download mage-ai==0.9.80 --no-deps -d /tmp/magewheel
    mkdir -p /tmp/magesrc && cd /tmp/magesrc && python -m zipfile -e /tmp/magewheel/mage_ai-0.9.80-py3-none-any.whl .
    cd - && python crates/runtime/python/tests/record_mage_signatures.py /tmp/magesrc/mage_ai/io

To record another version, change MAGE_VERSION and pass that version's `mage_ai/io` folder. The file name does not
start with `test_`, so pytest does not collect it.
"""

import ast
import json
import os
import re
import sys

MAGE_VERSION = "0.9.80"
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "mage_io_signatures.json")
# The classes the tests compare: every public method of the connectors, and BaseSQL's execute_queries (which Wand's
# Postgres and DuckDB implement without BaseSQL's other methods).
CONNECTORS = [
    "MySQL", "S3", "MSSQL", "Redshift", "Trino", "Snowflake", "ClickHouse", "BigQuery", "GoogleCloudStorage",
    "GoogleSheets", "MongoDB", "AzureBlobStorage",
]  # fmt: skip
ONLY = {"BaseSQL": {"execute_queries"}}
# Module constants used as defaults, recorded by value.
CONSTANTS = {"QUERY_ROW_LIMIT": 10_000_000}


def mage_classes(mage_io):
    """Every class of Mage's mage_ai/io: its base names, its methods' ast nodes and its file."""
    classes = {}
    for file in sorted(os.listdir(mage_io)):
        if file.endswith(".py"):
            with open(os.path.join(mage_io, file), encoding="utf-8") as source:
                tree = ast.parse(source.read())
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    methods = {item.name: item for item in node.body if isinstance(item, ast.FunctionDef)}
                    bases = [base.id if isinstance(base, ast.Name) else base.attr for base in node.bases]
                    classes.setdefault(node.name, (bases, methods, file))
    return classes


def mage_methods(classes, name):
    """The public methods (and `__init__`) of a Mage class, its bases' included, nearest definition first."""
    bases, methods, _ = classes[name]
    found = {}
    for base in bases:
        if base in classes:
            found.update(mage_methods(classes, base))
    for method_name, node in methods.items():
        decorators = {getattr(d, "id", getattr(d, "attr", None)) for d in node.decorator_list}
        if "property" in decorators or (method_name.startswith("_") and method_name != "__init__"):
            continue
        found[method_name] = node
    return found


def ast_parameters(node):
    """A method's parameters as (name, kind, default) without `self` or `cls`; `**kwargs` is named `**`."""

    def default(expression):
        if isinstance(expression, ast.Name):
            return CONSTANTS.get(expression.id, expression.id)
        if isinstance(expression, ast.Attribute):
            return expression.attr.lower()
        return ast.literal_eval(expression)

    arguments = node.args
    positional = arguments.posonlyargs + arguments.args
    defaults = [None] * (len(positional) - len(arguments.defaults)) + [default(d) for d in arguments.defaults]
    parameters = [(a.arg, "POSITIONAL_OR_KEYWORD", d) for a, d in zip(positional, defaults)]
    if arguments.vararg:
        parameters.append((arguments.vararg.arg, "VAR_POSITIONAL", None))
    for argument, value in zip(arguments.kwonlyargs, arguments.kw_defaults):
        parameters.append((argument.arg, "KEYWORD_ONLY", None if value is None else default(value)))
    if arguments.kwarg:
        parameters.append(("**", "VAR_KEYWORD", None))
    first_is_self = "classmethod" not in {getattr(d, "id", None) for d in node.decorator_list}
    return parameters[1:] if first_is_self or parameters[:1] and parameters[0][0] == "cls" else parameters


def record(mage_io):
    """The JSON document: for each class its file and its methods' parameters, methods sorted by name."""
    classes = mage_classes(mage_io)
    recorded = {}
    for name in [*CONNECTORS, *ONLY]:
        methods = mage_methods(classes, name)
        wanted = sorted(ONLY.get(name, methods))
        recorded[name] = {
            "file": classes[name][2],
            "methods": {method: [list(p) for p in ast_parameters(methods[method])] for method in wanted},
        }
    return {"mage_version": MAGE_VERSION, "recorded_by": "tests/record_mage_signatures.py", "classes": recorded}


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: record_mage_signatures.py PATH/TO/mage_ai/io (the folder of Mage's unpacked source)")
    document = record(sys.argv[1])
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    # One parameter a line, so a new Mage version's changes read well in a diff.
    text = json.dumps(document, indent=2)
    text = re.sub(r"\[\s+(\"[^\"]*\"),\s+(\"[A-Z_]+\"),\s+([^\n]*?)\s+\]", r"[\1, \2, \3]", text)
    with open(OUTPUT, "w", encoding="utf-8") as output:
        output.write(text + "\n")
    print(f"wrote {OUTPUT}: {len(document['classes'])} classes of Mage {MAGE_VERSION}")


if __name__ == "__main__":
    main()
