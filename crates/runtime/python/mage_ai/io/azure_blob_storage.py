"""Mage's `AzureBlobStorage` connector: load and export a DataFrame as a CSV, JSON or Parquet blob in a container.

It uses `azure.storage.blob` (`azure-storage-blob`) and `azure.identity` (`azure-identity`), as Mage does: a
client secret when AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID are all set, else
`DefaultAzureCredential`.
"""

from io import BytesIO

from mage_ai.io.base import BaseFile
from mage_ai.io.config import ConfigKey

QUERY_ROW_LIMIT = 10_000_000


class AzureBlobStorage(BaseFile):
    AUTHENTICATION_KEYS = (ConfigKey.AZURE_CLIENT_ID, ConfigKey.AZURE_CLIENT_SECRET, ConfigKey.AZURE_TENANT_ID)

    def __init__(self, verbose=False, **kwargs):
        self.verbose = kwargs.get("verbose", True)
        identity = _module("azure.identity", "azure-identity")
        if all(key in kwargs for key in self.AUTHENTICATION_KEYS):
            self.creds = identity.ClientSecretCredential(
                kwargs[ConfigKey.AZURE_TENANT_ID],
                kwargs[ConfigKey.AZURE_CLIENT_ID],
                kwargs[ConfigKey.AZURE_CLIENT_SECRET],
            )
        else:
            self.creds = identity.DefaultAzureCredential()
        blob = _module("azure.storage.blob", "azure-storage-blob")
        self.service_client = blob.BlobServiceClient(
            account_url=f"https://{kwargs['storage_account_name']}.blob.core.windows.net", credential=self.creds
        )

    @classmethod
    def with_config(cls, config, **kwargs):
        """A connector from the AZURE_* settings of an io_config profile (a `ConfigFileLoader`)."""
        if ConfigKey.AZURE_STORAGE_ACCOUNT_NAME not in config:
            raise ValueError("Require AZURE_STORAGE_ACCOUNT_NAME to be specified for Azure Blob Storage.")
        settings = {key: config[key] for key in cls.AUTHENTICATION_KEYS if key in config}
        return cls(storage_account_name=config[ConfigKey.AZURE_STORAGE_ACCOUNT_NAME], **{**settings, **kwargs})

    def load(self, container_name, blob_path, format=None, limit=QUERY_ROW_LIMIT, **kwargs):
        """The blob as a DataFrame (empty when it does not exist), its format from the path's extension."""
        import pandas as pd

        kind = self._format(blob_path, format)
        client = self.service_client.get_blob_client(container_name, blob_path)
        if not client.exists():
            return pd.DataFrame()
        return self._read(BytesIO(client.download_blob().readall()), kind, limit, **kwargs)

    def export(self, df, container_name, blob_path, format=None, **kwargs):
        """Write a DataFrame as the blob; `upload_kwargs` (a dict) goes to `upload_blob`, the rest to pandas."""
        upload_kwargs = kwargs.pop("upload_kwargs", None)
        client = self.service_client.get_blob_client(container_name, blob_path)
        buffer = BytesIO()
        self._write(df, self._format(blob_path, format), buffer, **kwargs)
        client.upload_blob(buffer.getvalue(), **(upload_kwargs if isinstance(upload_kwargs, dict) else {}))

    def exists(self, container_name, prefix):
        return self.service_client.get_blob_client(container_name, prefix).exists()


def _module(name, package):
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        raise ImportError(
            f"the Azure Blob Storage connector needs `{name}`; add `{package}` to the project's requirements.txt"
        ) from None
