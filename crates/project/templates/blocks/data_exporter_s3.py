from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.s3 import S3
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_s3_bucket(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame to an S3 bucket as CSV, JSON or Parquet (by the file's extension).
    Connection: the AWS_* settings of io_config.yaml's `default` profile (AWS_ENDPOINT for an S3-compatible
    server such as MinIO).
    The bucket name and object key may also come from the pipeline's variables `bucket_name` and `object_key`.
    """
    bucket_name = kwargs.get('bucket_name', 'your-bucket-name')
    object_key = kwargs.get('object_key', 'path/to/your/file.parquet')  # .csv, .json or .parquet
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    S3.with_config(ConfigFileLoader(config_path, config_profile)).export(
        df,
        bucket_name,
        object_key,
    )
