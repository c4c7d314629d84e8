"""Runs a SQL block with Mage's semantics (mage_ai/data_preparation/models/block/sql/__init__.py, Mage 0.9.80).

1. Each upstream output the SQL names as `{{ df_n }}` is written to the block's database as a table named after the
   upstream block (`<env>_<pipeline>_<block>_v1`, or its `data_provider_table`, or the `table_name` this block's
   `upstream_block_configuration` gives it), unless the parent is a SQL block on
   the same database and profile, whose table is already there. An empty output is not written, as in Mage.
   `{{ df_n }}` becomes that table's name in the form Mage writes it for the database (`databases.py`,
   `warehouses.py`).
2. The text is rendered (see `render`), logged, and split into statements.
3. Unless `use_raw_sql`, the last statement's rows become the block's table `<schema>.<table>` by
   `export_write_policy` (append by default, replace, or fail when it exists; created by each database's CREATE
   TABLE AS), the statements before it run first,
   and the block's output is that whole table. With `use_raw_sql` the statements run as written: when they create,
   insert or update, the output is the first 1,000 rows of the table written; when they only read, the last
   statement's rows; otherwise None. With `disable_query_preprocessing` too, the rendered text is sent whole in one call
   and the output is None.

A database error fails the block with the database's message and the line of the rendered SQL it points at.
"""

import os
import time

from wand_runtime.sql import databases, render, warehouses

# Mage's QUERY_ROW_LIMIT: the most rows a SQL block passes on.
QUERY_ROW_LIMIT = 10_000_000
# The rows Mage returns from a raw SQL block that writes a table.
RAW_WRITE_PREVIEW_ROWS = 1000
DEFAULT_PROFILE = "default"

# Mage's `data_provider` values Wand runs SQL on, and the class of each.
DATABASES = {
    "duckdb": databases.DuckDB,
    "postgres": databases.Postgres,
    "mysql": databases.MySQL,
    **warehouses.WAREHOUSES,
}


class SqlFailure(Exception):
    """A SQL block failed; `shown` is the rendered SQL with the failing line marked, for the log and the editor."""

    def __init__(self, message, shown=None):
        super().__init__(message)
        self.shown = shown


def table_name(pipeline_uuid, block_uuid, configuration, env):
    """The table Mage writes a block's data to: `data_provider_table`, else `<pipeline>_<block>_v1` with `dev_` or
    `test_` in front in those environments."""
    explicit = (configuration or {}).get("data_provider_table")
    if explicit:
        return explicit
    from mage_ai.io.base import clean_name

    name = f"{pipeline_uuid}_{clean_name(block_uuid, case_sensitive=True)}_v1"
    return f"{env}_{name}" if env in ("dev", "test") else name


def run(request, context, load_input):
    """Runs the SQL block of `request`; returns its output value (a table, or None)."""
    configuration = request.get("configuration") or {}
    block_uuid = request["block_uuid"]
    provider = configuration.get("data_provider")
    kind = DATABASES.get(provider)
    if kind is None:
        raise SqlFailure(
            f"block `{block_uuid}`: Wand does not run SQL on `{provider}` yet; use one of {', '.join(DATABASES)}"
        )
    with open(os.path.join(request["repo_path"], request["file"]), encoding="utf-8") as file:
        text = file.read()

    profile = render.render_template(configuration.get("data_provider_profile") or DEFAULT_PROFILE, context)
    from mage_ai.io.config import ConfigFileLoader

    settings = ConfigFileLoader(os.path.join(request["repo_path"], "io_config.yaml"), profile)
    database = kind(settings, configuration, text)
    try:
        output = _run(request, context, load_input, text, database)
        database.commit()
        return output
    except BaseException:
        database.rollback()
        raise
    finally:
        database.close()


def _run(request, context, load_input, text, database):
    configuration = request.get("configuration") or {}
    env = request.get("env", "dev")
    schema = database.block_schema() if database.has_schemas else None
    upstream = request.get("upstream") or []
    raw_text = text
    names = [None] * len(upstream)
    # Mage's Trino names the upstream tables it writes `<table>_<unix time>` with `unique_upstream_table_name`.
    suffix = None
    if database.unique_upstream_names and configuration.get("unique_upstream_table_name"):
        suffix = str(int(time.time()))
    for index in render.referenced_upstream(raw_text, len(upstream)):
        parent = upstream[index]
        shared = _shares_database(configuration, parent)
        catalog, parent_schema, parent_table = _upstream_table(request, configuration, parent, schema, database)
        if suffix and not shared:
            parent_table = f"{parent_table}_{suffix}"
        names[index] = database.upstream_ref(parent_schema, parent_table, catalog)
        if shared:
            continue
        table = _as_arrow(load_input(index), parent["uuid"])
        if table is None or table.num_rows == 0:
            print(f"No data in upstream block {parent['uuid']}.", flush=True)
            continue
        _require_schema(request, database, parent_schema, f"the table of upstream block `{parent['uuid']}`")
        shown = database.qualified(parent_schema, parent_table, catalog)
        print(f"Exporting data from upstream block {parent['uuid']} to {shown}.", flush=True)
        database.write_upstream(table, parent_schema, parent_table, catalog)

    text = render.substitute_tables(raw_text, names)
    if "block_output" in text:
        frames = [_as_pandas(load_input(index)) for index in range(len(upstream))]
        by_block = {parent["uuid"]: frame for parent, frame in zip(upstream, frames)}
        text = render.expand_block_outputs(text, by_block, frames, context)
    text = render.render_template(text, context)
    print(f"Rendered SQL of block {request['block_uuid']}:\n{text}", flush=True)

    statements = render.split_statements(text)
    if not statements:
        raise SqlFailure(f"block `{request['block_uuid']}`: the SQL file has no statement to run")
    if configuration.get("use_raw_sql"):
        return _run_raw(request, database, text, statements)
    return _materialize(request, database, text, statements, schema, env)


def _materialize(request, database, text, statements, schema, env):
    configuration = request.get("configuration") or {}
    policy = configuration.get("export_write_policy") or "append"
    table = table_name(request["pipeline_uuid"], request["block_uuid"], configuration, env)
    _require_schema(request, database, schema, "its table")
    target = database.qualified(schema, table)
    for statement in statements[:-1]:
        _execute(request, database, text, statement)
    last = statements[-1]
    database.create_schema(schema)
    exists = database.exists(schema, table)
    if exists and policy == "fail":
        raise SqlFailure(
            f"block `{request['block_uuid']}`: Table '{target}' already exists in database "
            "(export_write_policy is fail)"
        )
    if exists and policy == "replace":
        database.execute(database.drop(target))
    steps = [database.insert_into(target)] if exists and policy == "append" else database.create_as(target)
    for prefix, suffix in steps:
        _execute(request, database, text, last, prefix, suffix=suffix)
    limit = min(int(configuration.get("limit_in_pipeline_run") or QUERY_ROW_LIMIT), QUERY_ROW_LIMIT)
    return database.fetch(database.select_rows(target, limit))


def _require_schema(request, database, schema, what):
    if database.requires_schema and not schema:
        raise SqlFailure(
            f"block `{request['block_uuid']}`: {database.title} needs a schema for {what}; set "
            "`configuration.data_provider_schema` (the dataset), or name it in `upstream_block_configuration`"
        )


def _run_raw(request, database, text, statements):
    if (request.get("configuration") or {}).get("disable_query_preprocessing"):
        # Mage sends the rendered text whole, in one call (Redshift's connector one statement at a time), and passes
        # nothing on.
        if not database.runs_text_whole:
            for statement in statements:
                _execute(request, database, text, statement)
            return None
        first_line = text[: len(text) - len(text.lstrip())].count("\n") + 1
        _execute(request, database, text, render.Statement(text.strip(), first_line))
        return None
    if not render.changes_tables(text):
        result = None
        for statement in statements:
            result = _execute(request, database, text, statement, fetch=True)
        return result
    for statement in statements:
        _execute(request, database, text, statement)
    written = render.written_table(text) if render.writes_rows(text) else None
    if written is None:
        return None
    database.commit()
    return database.fetch(database.select_rows(written, RAW_WRITE_PREVIEW_ROWS))


def _execute(request, database, text, statement, prefix="", fetch=False, suffix=""):
    """Runs one statement (between `prefix` and `suffix`, e.g. a CREATE TABLE AS); a database error names the line
    it points at."""
    sql = prefix + statement.text + suffix
    try:
        return database.fetch(sql) if fetch else database.execute(sql)
    except Exception as error:  # drivers raise their own error types
        relative = database.error_line(error, sql)
        line = statement.line
        message = database.error_message(error)
        if relative is not None:
            line += max(relative - 1 - prefix.count("\n"), 0)
            # The database counts the lines of the statement it got; the message names the rendered SQL's line.
            message = database.relined(message, line)
        raise SqlFailure(
            f"block `{request['block_uuid']}`: {database.title} error at line {line} of the rendered SQL: {message}",
            render.numbered(text, line),
        ) from None


def _upstream_table(request, configuration, parent, schema, database):
    """The (catalog, schema, table) an upstream block's data is in, by Mage's rules: this block's
    `upstream_block_configuration.<uuid>.table_name` (`table`, `schema.table` or `database.schema.table`), else the
    parent's table name; the schema, when not named, by `_upstream_schema`, the catalog by `_upstream_catalog`."""
    explicit = ((configuration.get("upstream_block_configuration") or {}).get(parent["uuid"]) or {}).get("table_name")
    env = request.get("env", "dev")
    parts = (explicit or table_name(request["pipeline_uuid"], parent["uuid"], parent.get("configuration"), env)).split(
        "."
    )
    if not database.upstream_has_schema:
        return None, None, parts[-1]
    named_catalog = parts[-3] if len(parts) >= 3 else None
    named_schema = parts[-2] if len(parts) >= 2 else None
    return (
        named_catalog or _upstream_catalog(configuration, parent, database),
        named_schema or _upstream_schema(configuration, parent, schema, database),
        parts[-1],
    )


def _upstream_catalog(configuration, parent, database):
    """Mage's rule (interpolate_input in sql/utils/shared.py): a SQL parent on the same provider names its tables'
    database with its own `data_provider_database`; otherwise it is this block's."""
    if database.catalog is None:
        return None
    parent_configuration = parent.get("configuration") or {}
    if (
        parent.get("language") == "sql"
        and parent_configuration.get("data_provider") == configuration.get("data_provider")
        and parent_configuration.get("data_provider_database")
    ):
        return parent_configuration["data_provider_database"]
    return database.catalog


def _upstream_schema(configuration, parent, schema, database):
    """Mage's rule: a parent's own `data_provider_schema` when it is a block on the same provider and profile, else
    this block's schema."""
    if not database.upstream_has_schema:
        return None
    parent_configuration = parent.get("configuration") or {}
    if (
        parent_configuration.get("data_provider") == configuration.get("data_provider")
        and parent_configuration.get("data_provider_profile") == configuration.get("data_provider_profile")
        and parent_configuration.get("data_provider_schema")
    ):
        return parent_configuration["data_provider_schema"]
    return schema


def _shares_database(configuration, parent):
    """A SQL parent on the same provider and profile has written its table where this block reads it."""
    parent_configuration = parent.get("configuration") or {}
    return (
        parent.get("language") == "sql"
        and parent_configuration.get("data_provider") == configuration.get("data_provider")
        and (parent_configuration.get("data_provider_profile") or DEFAULT_PROFILE)
        == (configuration.get("data_provider_profile") or DEFAULT_PROFILE)
    )


def _as_pandas(value):
    """An upstream output as Mage hands it to `block_output`: tables as pandas DataFrames."""
    import pyarrow as pa

    return value.to_pandas() if isinstance(value, pa.Table) else value


def _as_arrow(value, parent_uuid):
    """An upstream output as an Arrow table: tables as they are, a list of records as rows; None for no data."""
    import pyarrow as pa

    if value is None:
        return None
    if isinstance(value, pa.Table):
        return value
    if type(value).__name__ == "DataFrame":
        if hasattr(value, "to_arrow"):  # polars
            return value.to_arrow()
        return pa.Table.from_pandas(value, preserve_index=False)
    if isinstance(value, (list, tuple)) and not value:
        return None
    if isinstance(value, dict) and not value:
        return None
    if isinstance(value, list) and all(isinstance(row, dict) for row in value):
        return pa.Table.from_pylist(value)
    raise SqlFailure(
        f"the output of upstream block `{parent_uuid}` is a {type(value).__name__}, which a SQL block cannot read as "
        "a table; return a DataFrame or a list of records from it"
    )
