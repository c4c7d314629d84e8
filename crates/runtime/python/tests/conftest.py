"""Fixtures shared by the Python side's tests: a throwaway MariaDB for the session (`mariadb`) and the URL of the
PostgreSQL server scripts/test starts (`postgres_url`)."""

import os
import shutil
import socket
import subprocess
import time

import pytest

DEADLINE_SECONDS = 60


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
    server_log = open(folder / "server.log", "wb")  # noqa: SIM115 (the server writes to it until the session ends)
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
        stderr=server_log,
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
        server_log.close()


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


def wait_until(check, what):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"gave up waiting for {what}")


def mariadb_server_binary():
    for name in ("mariadbd", "mysqld"):
        for folder in (None, "/usr/sbin", "/usr/libexec"):
            found = shutil.which(name, path=folder) if folder else shutil.which(name)
            if found:
                return found
    raise RuntimeError("the MySQL tests need MariaDB's server: install Debian's mariadb-server")
