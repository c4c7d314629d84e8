"""Fixtures shared by the Python side's tests: a throwaway MariaDB for the session (`mariadb`), the URL of the
PostgreSQL server scripts/test starts (`postgres_url`), moto's S3 server (`s3_endpoint`, `s3_profile`, `s3_config`),
a copy of fixtures/sql_shop to run SQL blocks in (`project`), and a stand-in for the worker's answers to a block's
calls for secrets (`secrets`)."""

import os
import select
import shutil
import socket
import subprocess
import threading
import time

import pandas as pd
import pytest

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "fixtures", "sql_shop")

DEADLINE_SECONDS = 60


def sales():
    """The fixture's loader output (data_loaders/load_sales.py)."""
    return pd.DataFrame(
        {
            "Region": ["eu", "us", "eu", "apac", "us", "eu", None, "apac"],
            "amount": [10, 25, 7, 40, 3, 18, 12, 9],
            "price": [1.5, 2.25, 0.5, 10.0, 3.0, 1.25, 4.0, 2.0],
        }
    )


@pytest.fixture
def project(tmp_path):
    """A copy of fixtures/sql_shop with its upstream output stored, and a request builder for its SQL blocks."""
    root = tmp_path / "sql_shop"
    shutil.copytree(FIXTURE, root)
    from wand_runtime import outputs

    stored = outputs.save(sales(), str(tmp_path / "data" / "load_sales"))
    runs = {"count": 0}

    def request(uuid, file, configuration, variables=None, inputs=None, upstream=None, env="dev"):
        runs["count"] += 1
        return {
            "repo_path": str(root),
            "project_name": "sql_shop",
            "data_dir": str(tmp_path / "data"),
            "pipeline_uuid": "shop",
            "block_uuid": uuid,
            "block_type": "transformer",
            "language": "sql",
            "run_id": runs["count"],
            "file": file,
            "execution_date": "2026-03-01T10:30:00+00:00",
            "execution_partition": "manual/20260301T103000",
            "env": env,
            "trigger_name": None,
            "variables": {"min_amount": 8} if variables is None else variables,
            "configuration": configuration,
            "inputs": [stored] if inputs is None else inputs,
            "upstream": upstream
            or [{"uuid": "load_sales", "block_type": "data_loader", "language": "python", "configuration": {}}],
            "output_dir": str(tmp_path / "data" / f"run{runs['count']}" / uuid),
            "run_tests": True,
            "timeout": None,
            "sensor_interval": 60,
            "run_statuses": [],
        }

    request.root = root
    return request


@pytest.fixture
def secrets(monkeypatch):
    """The worker's answers to `get_secret` calls, as if a block ran: a test stores values in `secrets.stored` and
    reads the names asked for in `secrets.asked` (the pipes themselves are tested in test_secrets.py)."""
    from mage_ai.data_preparation.shared import secrets as shim
    from wand_runtime import context

    class Worker:
        stored = {}
        asked = []

    def call(request):
        assert request["op"] == "get_secret", request
        name = request["name"]
        Worker.asked.append(name)
        if name in Worker.stored:
            return {"ok": True, "value": Worker.stored[name]}
        return {"ok": True, "value": None, "error": f"there is no secret `{name}`"}

    monkeypatch.setattr(context, "_channel", ("no pipe", "no pipe"))
    monkeypatch.setattr(context, "call", call)
    monkeypatch.setattr(shim, "_values", {})
    return Worker


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    """A throwaway MariaDB on a free port, with an empty database `wand`; yields the connection settings."""
    folder = tmp_path_factory.mktemp("mariadb")
    data, socket_path, port = folder / "data", folder / "mysqld.sock", free_port()
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    subprocess.run(
        [install, f"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db", *as_root],
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [
            mariadb_server_binary(),
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={socket_path}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--pid-file={folder / 'mysqld.pid'}",
            *as_root,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    import mysql.connector

    try:
        wait_for_line(server.stderr, b"ready for connections", folder / "server.log", "MariaDB to accept connections")
        admin = mysql.connector.connect(unix_socket=str(socket_path), user="root")
        cursor = admin.cursor()
        cursor.execute("CREATE DATABASE wand")
        cursor.execute("CREATE USER 'wand'@'%' IDENTIFIED BY 'secret'")
        cursor.execute("GRANT ALL ON *.* TO 'wand'@'%'")
        admin.close()
        yield dict(database="wand", host="127.0.0.1", password="secret", user="wand", port=port)
    finally:
        server.terminate()
        server.wait(timeout=DEADLINE_SECONDS)


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of moto's S3 server, started for the session on a free local port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_profile(s3_endpoint):
    """The settings of an io_config.yaml profile pointing at the moto server (indented to go under `default:`)."""
    return (
        "  AWS_ACCESS_KEY_ID: test\n  AWS_SECRET_ACCESS_KEY: test\n  AWS_REGION: us-east-1\n"
        f"  AWS_ENDPOINT: {s3_endpoint}\n"
    )


@pytest.fixture
def s3_config(s3_endpoint, s3_profile, tmp_path):
    """An io_config profile pointing at the moto server (a `ConfigFileLoader`), and a fresh bucket named after the
    test."""
    import boto3
    from mage_ai.io.config import ConfigFileLoader

    bucket = f"wand-{time.monotonic_ns()}"
    settings = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    boto3.client("s3", endpoint_url=s3_endpoint, **settings).create_bucket(Bucket=bucket)
    path = tmp_path / "io_config.yaml"
    path.write_text("default:\n" + s3_profile, encoding="utf-8")
    return ConfigFileLoader(path, "default"), bucket


@pytest.fixture(scope="session")
def postgres_url():
    """The postgres:// URL of the throwaway PostgreSQL that scripts/test starts (WAND_TEST_DATABASE_URL)."""
    url = os.environ.get("WAND_TEST_DATABASE_URL")
    if not url:
        pytest.fail(
            "WAND_TEST_DATABASE_URL is unset: run the tests through scripts/test, or set it to a postgres:// URL",
            pytrace=False,
        )
    return url


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_line(stream, marker, log_path, what):
    """Blocks until a line of `stream` (a server's stderr) contains `marker`, within the deadline; every line goes to
    `log_path`, and a thread keeps copying the rest there so the server never blocks on a full pipe."""
    log = open(log_path, "wb")  # noqa: SIM115 (closed by the copying thread when the server ends)
    deadline = time.monotonic() + DEADLINE_SECONDS
    pending = b""
    while marker not in pending:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([stream], [], [], left)[0]:
            log.close()
            raise TimeoutError(f"gave up waiting for {what}; see {log_path}")
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            log.close()
            raise RuntimeError(f"the server ended before {what}: {log_path.read_text(errors='replace')}")
        log.write(chunk)
        pending = pending[-len(marker) :] + chunk

    def copy_rest():
        with log:
            for chunk in iter(lambda: os.read(stream.fileno(), 65536), b""):
                log.write(chunk)

    threading.Thread(target=copy_rest, daemon=True).start()


def mariadb_server_binary():
    for name in ("mariadbd", "mysqld"):
        for folder in (None, "/usr/sbin", "/usr/libexec"):
            found = shutil.which(name, path=folder) if folder else shutil.which(name)
            if found:
                return found
    raise RuntimeError("the MySQL tests need MariaDB's server: install Debian's mariadb-server")
