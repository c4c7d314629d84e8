from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.google_cloud_storage import GoogleCloudStorage
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_google_cloud_storage(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame to a Google Cloud Storage bucket as CSV, JSON or Parquet (by the file's extension).
    Connection: the GOOGLE_SERVICE_ACC_KEY (or GOOGLE_SERVICE_ACC_KEY_FILEPATH) settings of io_config.yaml's
    `default` profile.
    The bucket name and object key may also come from the pipeline's variables `bucket_name` and `object_key`.
    """
    bucket_name = kwargs.get('bucket_name', 'your-bucket-name')
    object_key = kwargs.get('object_key', 'path/to/your/file.parquet')  # .csv, .json or .parquet
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    GoogleCloudStorage.with_config(ConfigFileLoader(config_path, config_profile)).export(
        df,
        bucket_name,
        object_key,
    )
