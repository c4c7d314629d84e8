"""Mage's connectors in `mage_ai.io`: S3 against moto's S3 server, MySQL against a throwaway MariaDB, the others
against stand-in driver modules that record what each class sends; and every class's signatures against Mage's."""

import ast
import inspect
import os
import shutil
import socket
import subprocess
import sys
import time
import types

import pandas as pd
import pytest

from mage_ai.io.config import ConfigFileLoader

MAGE_IO = "/tmp/magesrc/mage_ai/io"
DEADLINE_SECONDS = 60


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, what):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"gave up waiting for {what}")


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# MySQL, against a real MariaDB started for the session


def mariadb_server_binary():
    for name in ("mariadbd", "mysqld"):
        for folder in (None, "/usr/sbin", "/usr/libexec"):
            found = shutil.which(name, path=folder) if folder else shutil.which(name)
            if found:
                return found
    raise RuntimeError("the MySQL tests need MariaDB's server: install Debian's mariadb-server")


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
        stderr=open(folder / "server.log", "wb"),
    )
    import mysql.connector

    def ready():
        try:
            mysql.connector.connect(unix_socket=str(socket_path), user="root").close()
            return True
        except mysql.connector.Error:
            assert server.poll() is None, (folder / "server.log").read_text()
            return False

    try:
        wait_until(ready, "MariaDB to accept connections")
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


def test_mysql_with_config_reads_the_mysql_keys(mariadb, tmp_path):
    from mage_ai.io.mysql import MySQL

    path = write(
        tmp_path / "io_config.yaml",
        "default:\n" + "".join(f"  MYSQL_{key.upper()}: {value}\n" for key, value in mariadb.items()),
    )
    with MySQL.with_config(ConfigFileLoader(path, "default")) as loader:
        assert loader.default_database() == "wand"
        assert loader.load("SELECT 1 AS one")["one"].tolist() == [1]


def test_mysql_export_and_load_with_every_if_exists_policy(mariadb):
    from mage_ai.io.mysql import MySQL

    frame = pd.DataFrame({"Name": ["Braund", "Cumings"], "Age": [22, 38], "Fare": [7.0, 71.0]})
    with MySQL(**mariadb) as loader:
        loader.export(frame, None, "passengers", if_exists="replace", index=False)
        loaded = loader.load("SELECT * FROM passengers ORDER BY age")
        assert loaded.columns.tolist() == ["name", "age", "fare"]
        assert loaded.values.tolist() == [["Braund", 22, 7.0], ["Cumings", 38, 71.0]]

        loader.export(frame.head(1), None, "passengers", if_exists="append")
        assert loader.load("SELECT COUNT(*) AS n FROM passengers")["n"].tolist() == [3]

        loader.export(frame.tail(1), None, "passengers", if_exists="replace")
        assert loader.load("SELECT name FROM passengers")["name"].tolist() == ["Cumings"]

        with pytest.raises(ValueError, match="already exists"):
            loader.export(frame, None, "passengers", if_exists="fail")
        assert loader.load("SELECT COUNT(*) AS n FROM passengers")["n"].tolist() == [1]

        loader.export(frame, None, "passengers", if_exists="replace", drop_table_on_replace=True, index=True)
        assert loader.load("SELECT * FROM passengers", limit=1).columns.tolist() == ["index", "name", "age", "fare"]
        assert len(loader.load("SELECT * FROM passengers", limit=1)) == 1


def test_mysql_execute_queries_fetches_the_flagged_ones_and_commits(mariadb):
    from mage_ai.io.mysql import MySQL

    with MySQL(**mariadb) as loader:
        results = loader.execute_queries(
            ["DROP TABLE IF EXISTS counts", "CREATE TABLE counts (n INT)", "INSERT INTO counts VALUES (4)",
             "SELECT n FROM counts"],
            commit=True,
            fetch_query_at_indexes=[False, False, False, True],
        )  # fmt: skip
        assert results[3]["n"].tolist() == [4]
    with MySQL(**mariadb) as other:
        assert other.load("SELECT n FROM counts")["n"].tolist() == [4]


def test_mysql_export_of_a_query_creates_the_table_as_select(mariadb):
    from mage_ai.io.mysql import MySQL

    with MySQL(**mariadb) as loader:
        loader.export(None, None, "squares", if_exists="replace", query_string="SELECT 3 * 3 AS nine")
        loader.export(None, None, "squares", if_exists="append", query_string="SELECT 4 * 4")
        assert loader.load("SELECT nine FROM squares ORDER BY nine")["nine"].tolist() == [9, 16]


# S3, against moto's S3 server on a free local port


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port())
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_config(s3_endpoint, tmp_path):
    """An io_config profile pointing at the moto server, and a fresh bucket named after the test."""
    import boto3

    bucket = f"wand-{time.monotonic_ns()}"
    settings = dict(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    boto3.client("s3", endpoint_url=s3_endpoint, **settings).create_bucket(Bucket=bucket)
    path = write(
        tmp_path / "io_config.yaml",
        "default:\n  AWS_ACCESS_KEY_ID: test\n  AWS_SECRET_ACCESS_KEY: test\n  AWS_REGION: us-east-1\n"
        f"  AWS_ENDPOINT: {s3_endpoint}\n",
    )
    return ConfigFileLoader(path, "default"), bucket


@pytest.mark.parametrize("key", ["exports/titanic.csv", "exports/titanic.parquet", "exports/titanic.json"])
def test_s3_round_trips_a_dataframe_by_extension(s3_config, key):
    from mage_ai.io.s3 import S3

    config, bucket = s3_config
    frame = pd.DataFrame({"name": ["Braund", "Cumings"], "age": [22.0, 38.5], "survived": [0, 1]})
    options = {"index": False} if key.endswith(".csv") else {}
    S3.with_config(config).export(frame, bucket, key, **options)
    assert S3.with_config(config).exists(bucket, "exports/")
    pd.testing.assert_frame_equal(S3.with_config(config).load(bucket, key), frame)


def test_s3_format_overrides_the_extension_and_a_file_path_is_uploaded(s3_config, tmp_path):
    from mage_ai.io.s3 import S3

    config, bucket = s3_config
    frame = pd.DataFrame({"a": [1, 2]})
    S3.with_config(config).export(frame, bucket, "data.bin", format="parquet")
    assert S3.with_config(config).load(bucket, "data.bin", format="parquet")["a"].tolist() == [1, 2]
    local = write(tmp_path / "local.csv", "a,b\n1,2\n")
    S3.with_config(config).export(str(local), bucket, "uploaded.csv")
    assert S3.with_config(config).load(bucket, "uploaded.csv").to_dict("records") == [{"a": 1, "b": 2}]
    assert not S3.with_config(config).exists(bucket, "missing/")
    with pytest.raises(ValueError, match="data.txt"):
        S3.with_config(config).load(bucket, "data.txt")
