"""A SQL block's text made runnable, in Mage's order: `{{ df_n }}` becomes the upstream table's name, then
`{{ block_output(...) }}` is evaluated as Python, then the whole text is rendered as a Jinja template (undefined names
are errors); the result is split into statements.

The statement rules follow Mage 0.9.80 (mage_ai/data_preparation/models/block/sql/utils/shared.py): `;` inside quotes
does not split, and a text creates, inserts, drops or updates
when such a statement appears anywhere in it.
"""

import datetime
import json
import math
import os
import re

_BLOCK_OUTPUT = re.compile(r"\{\{\s*(block_output\s*\(.*?\))\s*\}\}", re.DOTALL)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def df_pattern(index):
    """`{{ df_<index> }}` with any spacing inside the braces (index counts from 1)."""
    return re.compile(r"\{\{\s*df_%d\s*\}\}" % index)


def referenced_upstream(text, count):
    """The 0-based positions of the upstream blocks whose `{{ df_n }}` appears in `text`."""
    return [index for index in range(count) if df_pattern(index + 1).search(text)]


def substitute_tables(text, names):
    """Replaces `{{ df_n }}` by `names[n - 1]` (names of the upstream tables, already qualified and quoted)."""
    for index, name in enumerate(names):
        if name is not None:
            text = df_pattern(index + 1).sub(lambda _match, name=name: name, text)
    return text


def python_helpers():
    """The modules and functions Mage offers inside `{{ block_output(...) }}` and templates; the template functions
    are io_config.yaml's own (`mage_ai.io.config`)."""
    from mage_ai.data_preparation.shared.secrets import get_secret_value
    from mage_ai.io.config import aws_secret_var, azure_secret_var, json_value

    helpers = {
        "datetime": datetime,
        "json": json,
        "math": math,
        "env_var": os.getenv,
        "json_value": json_value,
        "mage_secret_var": get_secret_value,
        "aws_secret_var": aws_secret_var,
        "azure_secret_var": azure_secret_var,
    }
    try:
        import inflection
    except ImportError:
        pass
    else:
        helpers["inflection"] = inflection
    return helpers


def expand_block_outputs(text, outputs_by_block, upstream_outputs, variables):
    """Evaluates each `{{ block_output('uuid', parse=lambda data, variables: ...) }}`.

    With `parse`, the function gets the named parent's output (or, without a uuid, the list of every parent's output,
    DataFrames as lists of records) and the variables, and its result is written into the SQL. Without `parse` the
    named parent's output itself is written (Mage 0.9.80 writes its whole mapping of upstream outputs there, a text no
    SQL can use, so Wand does not copy that).
    """

    def block_output(block_uuid=None, parse=None):
        if block_uuid is not None:
            if block_uuid not in outputs_by_block:
                known = ", ".join(outputs_by_block) or "none"
                raise ValueError(f"block_output('{block_uuid}'): not an upstream block of this one (upstream: {known})")
            data = outputs_by_block[block_uuid]
        else:
            data = [_records(value) for value in upstream_outputs]
        return parse(data, variables) if parse is not None else data

    def evaluate(match):
        scope = dict(python_helpers(), block_output=block_output)
        return str(eval(match.group(1), scope))  # noqa: S307  (the user's own block code, as in Mage)

    return _BLOCK_OUTPUT.sub(evaluate, text)


def _records(value):
    if type(value).__name__ == "DataFrame" and hasattr(value, "to_dict"):
        return value.to_dict(orient="records")
    return value


def render_template(text, context):
    """Renders `text` with Jinja: the context's names (the variables and Mage's kwargs), `variables('x', parse=...)`
    reading the same names, and Mage's template functions."""
    try:
        import jinja2
    except ImportError:
        raise ImportError(
            "SQL blocks render their SQL with Jinja; add `jinja2` to the project's requirements.txt"
        ) from None

    def variable(name, parse=None):
        value = context.get(name)
        if parse:
            scope = {}
            exec(f"_parse = {parse}", scope)  # noqa: S102  (Mage evaluates `parse` the same way)
            return scope["_parse"](value)
        return value

    names = dict(python_helpers())
    names.update(context)
    names["variables"] = variable
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return environment.from_string(text).render(**names)


class Statement:
    """One statement of a rendered text and the line of that text it starts on (1-based)."""

    def __init__(self, text, line):
        self.text = text
        self.line = line

    def __repr__(self):
        return f"Statement(line={self.line}, {self.text!r})"


def split_statements(text):
    """The statements of `text`, split at `;` outside quotes; a chunk of only comments and blanks is left out."""
    statements = []
    start = 0
    masked = _QUOTED.sub(lambda match: "x" * len(match.group(0)), text)
    for end in [index for index, char in enumerate(masked) if char == ";"] + [len(text)]:
        chunk = text[start:end]
        if any(line.strip() and not line.lstrip().startswith("--") for line in chunk.split("\n")):
            leading = len(chunk) - len(chunk.lstrip())
            line = text.count("\n", 0, start + leading) + 1
            statements.append(Statement(chunk.strip(), line))
        start = end + 1
    return statements


_CREATE = re.compile(
    r"create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?table(?:\s+if\s+not\s+exists)?\s+([^\s(]+)", re.I
)
_INSERT = re.compile(r"insert(?:\s+ignore)?(?:\s+overwrite)?(?:\s+into)?\s+([\w.\"`]+)", re.I)
_DROP = re.compile(r"\bdrop\s+table(?:\s+if\s+exists)?\s+([\w.\"`]+)", re.I)
_UPDATE = re.compile(r"\bupdate\b\s+([\w.\"`]+)\s+(?:as\s+\w+\s+)?set\s+[\s\S]*?\bwhere\b", re.I)


def _without_comments(text):
    return "\n".join(line for line in text.split("\n") if not line.startswith("--"))


def changes_tables(text):
    """Whether `text` creates, inserts into, drops or updates a table (then raw SQL fetches no statement's rows)."""
    text = _without_comments(text)
    return any(pattern.search(text) for pattern in (_CREATE, _INSERT, _DROP, _UPDATE))


def written_table(text):
    """The table a raw SQL text creates, else the last one it inserts into, else the last one it updates."""
    text = _without_comments(text)
    created = _CREATE.search(text)
    if created:
        return created.group(1)
    for pattern in (_INSERT, _UPDATE):
        found = pattern.findall(text)
        if found:
            return found[-1]
    return None


def writes_rows(text):
    """Whether `text` creates, inserts into or updates a table (then raw SQL returns that table's first rows)."""
    text = _without_comments(text)
    return any(pattern.search(text) for pattern in (_CREATE, _INSERT, _UPDATE))


def numbered(text, mark_line=None):
    """`text` with line numbers, `>` marking `mark_line`: how a failing statement is shown."""
    lines = text.split("\n")
    width = len(str(len(lines)))
    return "\n".join(
        f"{'>' if number == mark_line else ' '} {number:>{width}} | {line}"
        for number, line in enumerate(lines, start=1)
    )
