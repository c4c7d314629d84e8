"""Mage's io_config.yaml loader: one profile's connection settings, with `{{ env_var('X') }}` rendered."""

import os
import re

from mage_ai.data_preparation.shared.secrets import get_secret_value
from mage_ai.settings.repo import get_repo_path


class ConfigKey:
    """The well-known setting names of the flat io_config.yaml format (Mage's `ConfigKey`)."""

    AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
    AWS_ENDPOINT = "AWS_ENDPOINT"
    AWS_REGION = "AWS_REGION"
    AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
    AWS_SESSION_TOKEN = "AWS_SESSION_TOKEN"

    CLICKHOUSE_DATABASE = "CLICKHOUSE_DATABASE"
    CLICKHOUSE_HOST = "CLICKHOUSE_HOST"
    CLICKHOUSE_INTERFACE = "CLICKHOUSE_INTERFACE"
    CLICKHOUSE_PASSWORD = "CLICKHOUSE_PASSWORD"
    CLICKHOUSE_PORT = "CLICKHOUSE_PORT"
    CLICKHOUSE_USERNAME = "CLICKHOUSE_USERNAME"

    DRUID_HOST = "DRUID_HOST"
    DRUID_PASSWORD = "DRUID_PASSWORD"
    DRUID_PATH = "DRUID_PATH"
    DRUID_PORT = "DRUID_PORT"
    DRUID_SCHEME = "DRUID_SCHEME"
    DRUID_USER = "DRUID_USER"

    DUCKDB_DATABASE = "DUCKDB_DATABASE"
    DUCKDB_SCHEMA = "DUCKDB_SCHEMA"
    MOTHERDUCK_TOKEN = "MOTHERDUCK_TOKEN"

    GOOGLE_LOCATION = "GOOGLE_LOCATION"
    GOOGLE_SERVICE_ACC_KEY = "GOOGLE_SERVICE_ACC_KEY"
    GOOGLE_SERVICE_ACC_KEY_FILEPATH = "GOOGLE_SERVICE_ACC_KEY_FILEPATH"

    MSSQL_DATABASE = "MSSQL_DATABASE"
    MSSQL_DRIVER = "MSSQL_DRIVER"
    MSSQL_HOST = "MSSQL_HOST"
    MSSQL_PASSWORD = "MSSQL_PASSWORD"
    MSSQL_PORT = "MSSQL_PORT"
    MSSQL_SCHEMA = "MSSQL_SCHEMA"
    MSSQL_USER = "MSSQL_USER"

    MYSQL_DATABASE = "MYSQL_DATABASE"
    MYSQL_HOST = "MYSQL_HOST"
    MYSQL_PASSWORD = "MYSQL_PASSWORD"
    MYSQL_PORT = "MYSQL_PORT"
    MYSQL_USER = "MYSQL_USER"
    MYSQL_ALLOW_LOCAL_INFILE = "MYSQL_ALLOW_LOCAL_INFILE"

    POSTGRES_CONNECT_TIMEOUT = "POSTGRES_CONNECT_TIMEOUT"
    POSTGRES_DBNAME = "POSTGRES_DBNAME"
    POSTGRES_HOST = "POSTGRES_HOST"
    POSTGRES_PASSWORD = "POSTGRES_PASSWORD"
    POSTGRES_PORT = "POSTGRES_PORT"
    POSTGRES_SCHEMA = "POSTGRES_SCHEMA"
    POSTGRES_USER = "POSTGRES_USER"

    REDSHIFT_CLUSTER_ID = "REDSHIFT_CLUSTER_ID"
    REDSHIFT_DBNAME = "REDSHIFT_DBNAME"
    REDSHIFT_DBUSER = "REDSHIFT_DBUSER"
    REDSHIFT_HOST = "REDSHIFT_HOST"
    REDSHIFT_IAM_PROFILE = "REDSHIFT_IAM_PROFILE"
    REDSHIFT_PORT = "REDSHIFT_PORT"
    REDSHIFT_SCHEMA = "REDSHIFT_SCHEMA"
    REDSHIFT_TEMP_CRED_PASSWORD = "REDSHIFT_TEMP_CRED_PASSWORD"
    REDSHIFT_TEMP_CRED_USER = "REDSHIFT_TEMP_CRED_USER"

    SNOWFLAKE_ACCOUNT = "SNOWFLAKE_ACCOUNT"
    SNOWFLAKE_DEFAULT_DB = "SNOWFLAKE_DEFAULT_DB"
    SNOWFLAKE_DEFAULT_SCHEMA = "SNOWFLAKE_DEFAULT_SCHEMA"
    SNOWFLAKE_DEFAULT_WH = "SNOWFLAKE_DEFAULT_WH"
    SNOWFLAKE_PASSWORD = "SNOWFLAKE_PASSWORD"
    SNOWFLAKE_ROLE = "SNOWFLAKE_ROLE"
    SNOWFLAKE_USER = "SNOWFLAKE_USER"


# The legacy "verbose" format nests settings under a section per data source. Each flat key maps to its path there.
_VERBOSE_PATHS = {
    ConfigKey.AWS_ACCESS_KEY_ID: ("AWS", "access_key_id"),
    ConfigKey.AWS_REGION: ("AWS", "region"),
    ConfigKey.AWS_SECRET_ACCESS_KEY: ("AWS", "secret_access_key"),
    ConfigKey.AWS_SESSION_TOKEN: ("AWS", "session_token"),
    ConfigKey.GOOGLE_LOCATION: ("BigQuery", "location"),
    ConfigKey.GOOGLE_SERVICE_ACC_KEY: ("BigQuery", "credentials_mapping"),
    ConfigKey.GOOGLE_SERVICE_ACC_KEY_FILEPATH: ("BigQuery", "path_to_credentials"),
    ConfigKey.REDSHIFT_CLUSTER_ID: ("AWS", "Redshift", "cluster_identifier"),
    ConfigKey.REDSHIFT_DBNAME: ("AWS", "Redshift", "database"),
    ConfigKey.REDSHIFT_DBUSER: ("AWS", "Redshift", "db_user"),
    ConfigKey.REDSHIFT_HOST: ("AWS", "Redshift", "host"),
    ConfigKey.REDSHIFT_IAM_PROFILE: ("AWS", "Redshift", "profile"),
    ConfigKey.REDSHIFT_PORT: ("AWS", "Redshift", "port"),
    ConfigKey.REDSHIFT_SCHEMA: ("AWS", "Redshift", "schema"),
    ConfigKey.REDSHIFT_TEMP_CRED_PASSWORD: ("AWS", "Redshift", "password"),
    ConfigKey.REDSHIFT_TEMP_CRED_USER: ("AWS", "Redshift", "user"),
    ConfigKey.CLICKHOUSE_DATABASE: ("ClickHouse", "database"),
    ConfigKey.CLICKHOUSE_HOST: ("ClickHouse", "host"),
    ConfigKey.CLICKHOUSE_INTERFACE: ("ClickHouse", "interface"),
    ConfigKey.CLICKHOUSE_PASSWORD: ("ClickHouse", "password"),
    ConfigKey.CLICKHOUSE_PORT: ("ClickHouse", "port"),
    ConfigKey.CLICKHOUSE_USERNAME: ("ClickHouse", "username"),
    ConfigKey.DRUID_HOST: ("Druid", "host"),
    ConfigKey.DRUID_PASSWORD: ("Druid", "password"),
    ConfigKey.DRUID_PATH: ("Druid", "path"),
    ConfigKey.DRUID_PORT: ("Druid", "port"),
    ConfigKey.DRUID_SCHEME: ("Druid", "scheme"),
    ConfigKey.DRUID_USER: ("Druid", "user"),
    ConfigKey.POSTGRES_DBNAME: ("PostgreSQL", "database"),
    ConfigKey.POSTGRES_HOST: ("PostgreSQL", "host"),
    ConfigKey.POSTGRES_PASSWORD: ("PostgreSQL", "password"),
    ConfigKey.POSTGRES_PORT: ("PostgreSQL", "port"),
    ConfigKey.POSTGRES_SCHEMA: ("PostgreSQL", "schema"),
    ConfigKey.POSTGRES_USER: ("PostgreSQL", "user"),
    ConfigKey.SNOWFLAKE_ACCOUNT: ("Snowflake", "account"),
    ConfigKey.SNOWFLAKE_DEFAULT_DB: ("Snowflake", "database"),
    ConfigKey.SNOWFLAKE_DEFAULT_SCHEMA: ("Snowflake", "schema"),
    ConfigKey.SNOWFLAKE_DEFAULT_WH: ("Snowflake", "warehouse"),
    ConfigKey.SNOWFLAKE_PASSWORD: ("Snowflake", "password"),
    ConfigKey.SNOWFLAKE_ROLE: ("Snowflake", "role"),
    ConfigKey.SNOWFLAKE_USER: ("Snowflake", "user"),
}
_VERBOSE_SECTIONS = ("AWS", "BigQuery", "ClickHouse", "Druid", "PostgreSQL", "Redshift", "Snowflake", "Spark")

# `{{ env_var('X') }}` or `{{ mage_secret_var("X") }}`, with any spacing.
_TEMPLATE = re.compile(r"""\{\{\s*(env_var|mage_secret_var)\(\s*(['"])([^'"]*)\2\s*\)\s*\}\}""")


class ProfileNotFound(KeyError):
    """The asked-for profile is not in the io_config file."""

    def __str__(self):
        return str(self.args[0])


class ConfigFileLoader:
    """The settings of one io_config.yaml profile, read with `loader['KEY']` or `loader.get('KEY')`."""

    def __init__(self, filepath=None, profile="default", config=None):
        self.filepath = None
        self.profile = profile
        self.version = None
        if config is not None:
            self.config = dict(config)
        else:
            if filepath is None:
                filepath = os.path.join(get_repo_path(), "io_config.yaml")
            self.filepath = os.fspath(filepath)
            self.config, self.version = _read_profile(self.filepath, profile)
        self.use_verbose_format = any(section in self.config for section in _VERBOSE_SECTIONS)

    def get(self, key, default=None):
        """The setting `key` (a `ConfigKey` name), or `default` when the profile does not set it."""
        value = self._verbose_value(key)
        if value is not None:
            return value
        return self.config.get(key, default)

    def contains(self, key):
        return self._verbose_value(key) is not None or key in self.config

    def __getitem__(self, key):
        return self.get(key)

    def __contains__(self, key):
        return self.contains(key)

    def __repr__(self):
        return f"ConfigFileLoader({self.filepath!r}, profile={self.profile!r})"

    def _verbose_value(self, key):
        """The setting at the key's place in the legacy nested format, or None."""
        if not self.use_verbose_format or key not in _VERBOSE_PATHS:
            return None
        value = self.config
        for step in _VERBOSE_PATHS[key]:
            value = value.get(step) if isinstance(value, dict) else None
        return value


def render_template(text):
    """Replace `{{ env_var('X') }}` and `{{ mage_secret_var('X') }}` by their values; unset ones become empty."""

    def value(match):
        function, name = match.group(1), match.group(3)
        if function == "env_var":
            return os.environ.get(name, "")
        try:
            return get_secret_value(name)
        except KeyError:
            return ""

    return _TEMPLATE.sub(value, text)


def _read_profile(filepath, profile):
    try:
        import yaml
    except ImportError:
        raise ImportError(
            f"reading {filepath} needs PyYAML; add `pyyaml` to the project's requirements.txt"
        ) from None
    try:
        with open(filepath, encoding="utf-8") as file:
            text = render_template(file.read())
    except FileNotFoundError:
        raise FileNotFoundError(f"io_config file not found: {filepath} (asked for profile {profile!r})") from None
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"{filepath} is not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise ValueError(f"{filepath} should map profile names to settings, not be a {type(document).__name__}")
    profiles = [name for name in document if name != "version"]
    if profile not in profiles:
        known = ", ".join(str(name) for name in profiles) or "(none)"
        raise ProfileNotFound(f"profile {profile!r} not found in {filepath}; profiles: {known}")
    settings = document[profile] or {}
    if not isinstance(settings, dict):
        raise ValueError(f"profile {profile!r} in {filepath} should be a mapping of settings")
    _check_rendered(settings, f"profile {profile!r} in {filepath}")
    return settings, document.get("version")


def _check_rendered(value, where):
    """Fail on a `{{ ... }}` left in a setting: a template function Wand does not provide (e.g. aws_secret_var)."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_rendered(item, f"{where}, {key}")
    elif isinstance(value, list):
        for item in value:
            _check_rendered(item, where)
    elif isinstance(value, str) and re.search(r"\{\{.*\}\}", value):
        raise ValueError(
            f"{where}: cannot render {value!r}; Wand renders only env_var('X') and mage_secret_var('X')"
        )
