from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.google_cloud_storage import GoogleCloudStorage
from mage_ai.settings.repo import get_repo_path

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_from_google_cloud_storage(*args, **kwargs):
    """
    Reads a CSV, JSON or Parquet file (by its extension) of a Google Cloud Storage bucket into a DataFrame.
    Connection: the GOOGLE_SERVICE_ACC_KEY (or GOOGLE_SERVICE_ACC_KEY_FILEPATH) settings of io_config.yaml's
    `default` profile.
    The bucket name and object key may also come from the pipeline's variables `bucket_name` and `object_key`.
    """
    bucket_name = kwargs.get('bucket_name', 'your-bucket-name')
    object_key = kwargs.get('object_key', 'path/to/your/file.parquet')  # .csv, .json or .parquet
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    return GoogleCloudStorage.with_config(ConfigFileLoader(config_path, config_profile)).load(
        bucket_name,
        object_key,
    )


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
