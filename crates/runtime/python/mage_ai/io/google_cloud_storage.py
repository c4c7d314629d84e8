"""Mage's `GoogleCloudStorage` connector: load and export a DataFrame as a CSV, JSON or Parquet object in a bucket.

It uses `google.cloud.storage` (`google-cloud-storage`), as Mage does. Credentials come from a service account key
(GOOGLE_SERVICE_ACC_KEY, a mapping) or its file (GOOGLE_SERVICE_ACC_KEY_FILEPATH), else from the environment
(GOOGLE_APPLICATION_CREDENTIALS). `service_account_credentials` is shared with BigQuery and GoogleSheets.
"""

from io import BytesIO

from mage_ai.io.base import BaseFile
from mage_ai.io.config import ConfigKey

QUERY_ROW_LIMIT = 10_000_000


class GoogleCloudStorage(BaseFile):
    def __init__(self, verbose=False, **kwargs):
        self.verbose = kwargs.pop("verbose", True)
        credentials = service_account_credentials(kwargs, "google-cloud-storage")
        self.client = _storage().Client(credentials=credentials, **kwargs)

    @classmethod
    def with_config(cls, config, **kwargs):
        """A connector from the service account settings of an io_config profile (a `ConfigFileLoader`)."""
        kwargs.update(service_account_settings(config, "Google Cloud Storage"))
        return cls(**kwargs)

    def load(self, bucket_name, object_key, format=None, limit=QUERY_ROW_LIMIT, **kwargs):
        """The object as a DataFrame (empty when it does not exist), its format from the key's extension."""
        import pandas as pd

        kind = self._format(object_key, format)
        blob = self.client.get_bucket(bucket_name).blob(object_key)
        if not blob.exists():
            return pd.DataFrame()
        return self._read(BytesIO(blob.download_as_string()), kind, limit, **kwargs)

    def export(self, data, bucket_name, object_key, format=None, **kwargs):
        """Write a DataFrame as the object (its format from the key's extension), or upload a local file."""
        import pandas as pd

        blob = self.client.get_bucket(bucket_name).blob(object_key)
        if isinstance(data, pd.DataFrame):
            buffer = BytesIO()
            self._write(data, self._format(object_key, format), buffer, **kwargs)
            blob.upload_from_string(buffer.getvalue())
        elif isinstance(data, str):
            blob.upload_from_filename(data)
        else:
            raise ValueError("Please provide a pandas DataFrame or a valid file path as the input.")

    def exists(self, bucket_name, prefix):
        return self.client.get_bucket(bucket_name).blob(prefix).exists()


def service_account_settings(config, service):
    """`credentials_mapping` or `path_to_credentials` from an io_config profile, as Mage's `with_config` reads them."""
    if ConfigKey.GOOGLE_SERVICE_ACC_KEY in config:
        return {"credentials_mapping": config[ConfigKey.GOOGLE_SERVICE_ACC_KEY]}
    if ConfigKey.GOOGLE_SERVICE_ACC_KEY_FILEPATH in config:
        return {"path_to_credentials": config[ConfigKey.GOOGLE_SERVICE_ACC_KEY_FILEPATH]}
    raise ValueError(
        f"No valid configuration settings found for {service}. You must specify either your service account key "
        "(GOOGLE_SERVICE_ACC_KEY) or the filepath to your service account key (GOOGLE_SERVICE_ACC_KEY_FILEPATH)."
    )


def service_account_credentials(kwargs, package, scopes=None):
    """The credentials named by `credentials`, `credentials_mapping` or `path_to_credentials` (removed from kwargs)."""
    credentials = kwargs.pop("credentials", None)
    mapping = kwargs.pop("credentials_mapping", None)
    path = kwargs.pop("path_to_credentials", None)
    if credentials is not None or (mapping is None and path is None):
        return credentials
    try:
        from google.oauth2 import service_account
    except ImportError:
        raise ImportError(
            f"Google service account keys need `google.oauth2`; add `{package}` to the project's requirements.txt"
        ) from None
    options = {"scopes": scopes} if scopes else {}
    if path is not None:
        return service_account.Credentials.from_service_account_file(path, **options)
    return service_account.Credentials.from_service_account_info(mapping, **options)


def _storage():
    try:
        from google.cloud import storage
    except ImportError:
        raise ImportError(
            "the Google Cloud Storage connector needs `google.cloud.storage`; add `google-cloud-storage` to the "
            "project's requirements.txt"
        ) from None
    return storage
