from os import path

from mage_ai.io.azure_blob_storage import AzureBlobStorage
from mage_ai.io.config import ConfigFileLoader
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_azure_blob_storage(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame to an Azure Blob Storage container as CSV, JSON or Parquet (by the blob's
    extension).
    Connection: the AZURE_STORAGE_ACCOUNT_NAME setting of io_config.yaml's `default` profile, with AZURE_CLIENT_ID,
    AZURE_CLIENT_SECRET and AZURE_TENANT_ID for a service principal (else Azure's default credentials).
    The container name and blob path may also come from the pipeline's variables `container_name` and `blob_path`.
    """
    container_name = kwargs.get('container_name', 'your-container-name')
    blob_path = kwargs.get('blob_path', 'path/to/your/file.parquet')  # .csv, .json or .parquet
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    AzureBlobStorage.with_config(ConfigFileLoader(config_path, config_profile)).export(
        df,
        container_name,
        blob_path,
    )
