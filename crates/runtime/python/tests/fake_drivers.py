"""Stand-in database drivers for the tests of `mage_ai.io` connectors and of SQL blocks on databases no test can start
(BigQuery, Snowflake, Redshift, SQL Server, ClickHouse, Trino): modules put into sys.modules that record every call in
a `Log` and answer queries with an `answer(sql)` function returning `(rows, column names)` (or raising the database's
error)."""

import sys
import types


class Log(list):
    """The calls a stand-in driver received, as (what, arguments...) tuples."""

    def sql(self):
        return [entry[1] for entry in self if entry[0] in ("execute", "executemany", "query", "command")]


def no_rows(sql):
    return [], []


class FakeCursor:
    def __init__(self, log, answer):
        self.log, self.answer, self.rows, self.description, self.rowcount = log, answer, [], None, -1

    def execute(self, sql, *args, **kwargs):
        self.log.append(("execute", sql, *args, *(kwargs.items())))
        self.rows, columns = self.answer(sql)
        self.rowcount = len(self.rows)
        self.description = [(name,) for name in columns] if columns else None
        return self

    def executemany(self, sql, rows):
        self.log.append(("executemany", sql, rows))

    def fetchall(self):
        return self.rows

    def close(self):
        pass


class FakeConnection:
    def __init__(self, log, answer):
        self.log, self.answer = log, answer

    def cursor(self):
        return FakeCursor(self.log, self.answer)

    def commit(self):
        self.log.append(("commit",))

    def rollback(self):
        self.log.append(("rollback",))

    def close(self):
        self.log.append(("close",))


def install(monkeypatch, name, **attributes):
    """Put a stand-in module `name` (and its parents, keeping a stand-in parent already there) into sys.modules;
    returns it."""
    parts = name.split(".")
    for depth in range(1, len(parts) + 1):
        dotted = ".".join(parts[:depth])
        existing = sys.modules.get(dotted)
        if depth < len(parts) and getattr(existing, "_stand_in", False):
            continue
        module = types.ModuleType(dotted)
        module.__path__ = []
        module._stand_in = True
        monkeypatch.setitem(sys.modules, dotted, module)
        if depth > 1:
            setattr(sys.modules[".".join(parts[: depth - 1])], parts[depth - 1], module)
    for key, value in attributes.items():
        setattr(module, key, value)
    return module


def fake_dbapi(monkeypatch, name, answer=no_rows, connect_attribute="connect"):
    """A DB-API driver module `name` whose `connect(*args, **kwargs)` is logged as ("connect", args, kwargs)."""
    log = Log()

    def connect(*args, **kwargs):
        log.append(("connect", args, kwargs))
        return FakeConnection(log, answer)

    install(monkeypatch, name, **{connect_attribute: connect})
    return log


def fake_snowflake(monkeypatch, answer=no_rows):
    """`snowflake.connector` (its `connect(**kwargs)` logged as ("connect", kwargs)) and its `pandas_tools.write_pandas`
    (logged as ("write_pandas", table, rows, options))."""
    log = Log()
    tools = install(monkeypatch, "snowflake.connector.pandas_tools")
    tools.write_pandas = lambda conn, df, table, **options: log.append(("write_pandas", table, len(df), options))

    def connect(**kwargs):
        log.append(("connect", kwargs))
        return FakeConnection(log, answer)

    sys.modules["snowflake.connector"].connect = connect
    return log


class TrinoUserError(Exception):
    """The shape of the Trino client's `trino.exceptions.TrinoUserError`: its str names the type, name and message;
    `error_location` is (line, column) of the statement it got."""

    def __init__(self, message, name="USER_ERROR", location=None):
        super().__init__(message)
        self.message, self.error_name, self.error_location = message, name, location

    def __str__(self):
        return f'TrinoUserError(type=USER_ERROR, name={self.error_name}, message="{self.message}", query_id=q1)'


def fake_trino(monkeypatch, answer=no_rows):
    """`trino.dbapi`, `trino.auth` and `trino.exceptions` (with `TrinoUserError` above)."""
    log = fake_dbapi(monkeypatch, "trino.dbapi", answer)
    install(monkeypatch, "trino.exceptions", TrinoUserError=TrinoUserError)
    install(monkeypatch, "trino.auth", BasicAuthentication=lambda user, password: ("basic", user, password))
    return log


def _arrow(answer, sql):
    import pyarrow as pa

    rows, columns = answer(sql)
    return pa.table({name: [row[index] for row in rows] for index, name in enumerate(columns)})


def fake_bigquery(monkeypatch, answer=no_rows, project="proj"):
    """`google.cloud.bigquery` (a `Client` of `project` logging ("client", credentials, kwargs), ("query", sql),
    ("create_dataset", dataset, exists_ok), ("load", table_id, columns, write_disposition) and ("close",); each query
    job's `result()` answers with `to_arrow()`) and `google.oauth2.service_account`."""
    log = Log()

    class Rows:
        def __init__(self, sql):
            self.sql = sql

        def to_arrow(self):
            return _arrow(answer, self.sql)

        def to_dataframe(self):
            return self.to_arrow().to_pandas()

    class Job:
        def __init__(self, sql):
            self.sql = sql

        def result(self):
            return Rows(self.sql) if self.sql is not None else None

        def to_dataframe(self):
            return Rows(self.sql).to_dataframe()

    class Client:
        def __init__(self, credentials=None, **kwargs):
            self.project = project
            log.append(("client", credentials, kwargs))

        def query(self, sql, **kwargs):
            log.append(("query", sql))
            answer(sql)  # a query that fails fails when it is sent
            return Job(sql)

        def create_dataset(self, dataset, exists_ok):
            log.append(("create_dataset", dataset, exists_ok))

        def load_table_from_dataframe(self, df, table_id, job_config):
            log.append(("load", table_id, list(df.columns), job_config.write_disposition))
            return Job(None)

        def close(self):
            log.append(("close",))

    class LoadJobConfig:
        def __init__(self, **options):
            self.write_disposition = None

    install(monkeypatch, "google.cloud.bigquery", Client=Client, LoadJobConfig=LoadJobConfig)
    credentials = types.SimpleNamespace(
        from_service_account_info=lambda info, scopes: ("info", info["client_email"], tuple(scopes))
    )
    install(monkeypatch, "google.oauth2.service_account", Credentials=credentials)
    return log


def fake_clickhouse(monkeypatch, answer=no_rows):
    """`clickhouse_connect`: `get_client(**kwargs)` logged as ("client", kwargs), its client logging ("command", sql)
    (answered with the first value of the first row, as ClickHouse answers a command), ("query_df", sql),
    ("query_arrow", sql), ("insert_df", table, rows) and ("close",)."""
    log = Log()

    class Client:
        def command(self, sql, **kwargs):
            log.append(("command", sql))
            rows, _ = answer(sql)
            return rows[0][0] if rows else ""

        def query_df(self, sql, **kwargs):
            log.append(("query_df", sql))
            return _arrow(answer, sql).to_pandas()

        def query_arrow(self, sql, **kwargs):
            log.append(("query_arrow", sql))
            return _arrow(answer, sql)

        def insert_df(self, table, df):
            log.append(("insert_df", table, len(df)))

        def close(self):
            log.append(("close",))

    install(
        monkeypatch, "clickhouse_connect", get_client=lambda **kwargs: (log.append(("client", kwargs)), Client())[1]
    )
    return log
