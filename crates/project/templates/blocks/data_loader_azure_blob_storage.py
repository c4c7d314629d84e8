from os import path

from mage_ai.io.azure_blob_storage import AzureBlobStorage
from mage_ai.io.config import ConfigFileLoader
from mage_ai.settings.repo import get_repo_path

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_from_azure_blob_storage(*args, **kwargs):
    """
    Reads a CSV, JSON or Parquet file (by its extension) of an Azure Blob Storage container into a DataFrame.
    Connection: the AZURE_STORAGE_ACCOUNT_NAME setting of io_config.yaml's `default` profile, with AZURE_CLIENT_ID,
    AZURE_CLIENT_SECRET and AZURE_TENANT_ID for a service principal (else Azure's default credentials).
    The container name and blob path may also come from the pipeline's variables `container_name` and `blob_path`.
    """
    container_name = kwargs.get('container_name', 'your-container-name')
    blob_path = kwargs.get('blob_path', 'path/to/your/file.parquet')  # .csv, .json or .parquet
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    return AzureBlobStorage.with_config(ConfigFileLoader(config_path, config_profile)).load(
        container_name,
        blob_path,
    )


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
