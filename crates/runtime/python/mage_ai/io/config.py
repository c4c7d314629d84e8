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

    AZURE_CLIENT_ID = "AZURE_CLIENT_ID"
    AZURE_CLIENT_SECRET = "AZURE_CLIENT_SECRET"
    AZURE_STORAGE_ACCOUNT_NAME = "AZURE_STORAGE_ACCOUNT_NAME"
    AZURE_TENANT_ID = "AZURE_TENANT_ID"

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

    MONGODB_COLLECTION = "MONGODB_COLLECTION"
    MONGODB_CONNECTION_STRING = "MONGODB_CONNECTION_STRING"
    MONGODB_DATABASE = "MONGODB_DATABASE"
    MONGODB_HOST = "MONGODB_HOST"
    MONGODB_PASSWORD = "MONGODB_PASSWORD"
    MONGODB_PORT = "MONGODB_PORT"
    MONGODB_USER = "MONGODB_USER"

    MSSQL_AUTHENTICATION = "MSSQL_AUTHENTICATION"
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
    SNOWFLAKE_PRIVATE_KEY_PASSPHRASE = "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"
    SNOWFLAKE_PRIVATE_KEY_PATH = "SNOWFLAKE_PRIVATE_KEY_PATH"
    SNOWFLAKE_ROLE = "SNOWFLAKE_ROLE"
    SNOWFLAKE_TIMEOUT = "SNOWFLAKE_TIMEOUT"
    SNOWFLAKE_USER = "SNOWFLAKE_USER"

    TRINO_CATALOG = "TRINO_CATALOG"
    TRINO_HOST = "TRINO_HOST"
    TRINO_PASSWORD = "TRINO_PASSWORD"
    TRINO_PORT = "TRINO_PORT"
    TRINO_SCHEMA = "TRINO_SCHEMA"
    TRINO_USER = "TRINO_USER"


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

# `{{ ... }}`: a call of one of Mage's template functions, e.g. `{{ env_var('X') }}`, `{{ aws_secret_var("id") }}`
# or `{{ json_value(env_var('CREDENTIALS'), 'client.id') }}`.
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}")
_TOKEN = re.compile(r"""\s*(?:(?P<name>[A-Za-z_]\w*)|(?P<string>'[^']*'|"[^"]*")|(?P<number>-?\d+)|(?P<punct>[(),]))""")
# A line that opens a profile (`default:`), and the setting a line sets (`  AWS_SECRET_ACCESS_KEY: ...`).
_PROFILE_LINE = re.compile(r"""^(?P<name>[^\s#:'"][^:#]*|'[^']*'|"[^"]*")\s*:""")
_SETTING_LINE = re.compile(r"""^\s*(?P<key>[^\s#:'"-][^:#]*)\s*:""")


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


def render_template(text, profile=None):
    """Render Mage's template functions in io_config text.

    `env_var('X')` (empty when unset), `json_value(text, 'a.b[0].c')` (a value inside JSON text),
    `mage_secret_var('x')` (a secret stored in Wand, asked of the worker running the block; an unknown one is an
    error naming the setting), `aws_secret_var('id')` (AWS Secrets Manager, through boto3) and
    `azure_secret_var('name')` (Azure Key Vault at AZURE_KEY_VAULT_URL). The last three are asked only for the
    lines of `profile` (all lines when it is None); in other profiles they render empty.
    """
    lines = []
    current = None
    for line in text.splitlines(keepends=True):
        opened = _PROFILE_LINE.match(line)
        if opened:
            current = opened.group("name").strip().strip("'\"")
        remote = profile is None or current == str(profile)
        setting = _SETTING_LINE.match(line)
        where = setting.group("key").strip() if setting else line.strip()
        lines.append(_TEMPLATE.sub(lambda match, remote=remote, where=where: _render_call(match, remote, where), line))
    return "".join(lines)


def json_value(text, path):
    """The value at `path` (`a.b`, `a[0].b`) inside JSON text; the text itself when it is not JSON (Mage's)."""
    import json

    if not text:
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text
    for step in str(path).split("."):
        step = step.strip()
        indexed = re.fullmatch(r"(.*)\[(\d+)\]", step)
        if indexed:
            key, index = indexed.groups()
            value = (value[key] if key else value)[int(index)]
        elif value:
            value = value.get(step)
    return value


def aws_secret_var(secret_id):
    """A secret's string from AWS Secrets Manager (region from AWS_REGION_NAME or AWS_DEFAULT_REGION, as Mage)."""
    try:
        import boto3
    except ImportError:
        raise ImportError(
            "aws_secret_var in io_config.yaml needs `boto3`; add `boto3` to the project's requirements.txt"
        ) from None
    region = os.environ.get("AWS_REGION_NAME") or os.environ.get("AWS_DEFAULT_REGION") or "us-west-2"
    client = boto3.client("secretsmanager", region_name=region)
    return client.get_secret_value(SecretId=secret_id).get("SecretString")


def azure_secret_var(name):
    """A secret's value from the Azure Key Vault at AZURE_KEY_VAULT_URL, with `DefaultAzureCredential` (as Mage)."""
    try:
        from azure.identity import DefaultAzureCredential
        from azure.keyvault.secrets import SecretClient
    except ImportError:
        raise ImportError(
            "azure_secret_var in io_config.yaml needs `azure-identity` and `azure-keyvault-secrets`; add them to "
            "the project's requirements.txt"
        ) from None
    url = os.environ.get("AZURE_KEY_VAULT_URL")
    if not url:
        raise ValueError("azure_secret_var needs the environment variable AZURE_KEY_VAULT_URL (the vault's URL)")
    return SecretClient(vault_url=url, credential=DefaultAzureCredential()).get_secret(name).value


_LOCAL_FUNCTIONS = {"env_var": os.environ.get, "json_value": json_value}
# Asked only for the lines of the profile being read, and a failure names the setting: secret stores.
_REMOTE_FUNCTIONS = {
    "mage_secret_var": get_secret_value,
    "aws_secret_var": aws_secret_var,
    "azure_secret_var": azure_secret_var,
}


def _render_call(match, remote, where):
    """The text of one `{{ ... }}`; left as written when it is not a call Wand knows (`_check_rendered` reports it)."""
    try:
        tokens = _tokens(match.group(1))
        value, rest = _evaluate(tokens, remote, where)
    except _NotATemplate:
        return match.group(0)
    if rest:
        return match.group(0)
    return "" if value is None else str(value)


class _NotATemplate(Exception):
    pass


def _tokens(expression):
    tokens, position = [], 0
    expression = expression.strip()
    while position < len(expression):
        token = _TOKEN.match(expression, position)
        if not token or token.end() == position:
            raise _NotATemplate
        tokens.append((token.lastgroup, token.group(token.lastgroup)))
        position = token.end()
    return tokens


def _evaluate(tokens, remote, where):
    """One value from the front of `tokens`: a string, a number or a call; and the tokens left."""
    if not tokens:
        raise _NotATemplate
    (kind, text), rest = tokens[0], tokens[1:]
    if kind == "string":
        return text[1:-1], rest
    if kind == "number":
        return int(text), rest
    if kind != "name" or not rest or rest[0] != ("punct", "("):
        raise _NotATemplate
    function = _LOCAL_FUNCTIONS.get(text) or _REMOTE_FUNCTIONS.get(text)
    if function is None:
        raise _NotATemplate
    arguments, rest = [], rest[1:]
    while rest and rest[0] != ("punct", ")"):
        value, rest = _evaluate(rest, remote, where)
        arguments.append(value)
        if rest and rest[0] == ("punct", ","):
            rest = rest[1:]
    if not rest:
        raise _NotATemplate
    rest = rest[1:]
    if text in _REMOTE_FUNCTIONS:
        if not remote:
            return None, rest
        try:
            return function(*arguments), rest
        except ImportError:
            raise
        except Exception as error:  # noqa: BLE001 (any failure of the secret store names the setting)
            raise ValueError(f"{where}: {text}({', '.join(map(repr, arguments))}) failed: {error}") from None
    return function(*arguments), rest


def _read_profile(filepath, profile):
    try:
        import yaml
    except ImportError:
        raise ImportError(f"reading {filepath} needs PyYAML; add `pyyaml` to the project's requirements.txt") from None
    try:
        with open(filepath, encoding="utf-8") as file:
            text = render_template(file.read(), profile)
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
            f"{where}: cannot render {value!r}; Wand renders env_var, mage_secret_var, json_value, aws_secret_var "
            "and azure_secret_var"
        )
