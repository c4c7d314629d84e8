"""Mage's `S3` connector: load and export a DataFrame as a CSV, JSON or Parquet object in an S3 bucket.

It uses `boto3`. The keyword arguments go to `boto3.client('s3', ...)`; `with_config` passes AWS_ENDPOINT as
`endpoint_url`, so S3-compatible servers (MinIO, moto, Ceph...) work as well as AWS.
"""

import os
from io import BytesIO

from mage_ai.io.base import BaseFile
from mage_ai.io.config import ConfigKey

QUERY_ROW_LIMIT = 10_000_000


class S3(BaseFile):
    """Objects in S3 buckets. Extra keyword arguments of `load`/`export` go to pandas' reader or writer."""

    def __init__(self, verbose=False, **kwargs):
        self.verbose = verbose
        self.client = _boto3().client("s3", **kwargs)

    @classmethod
    def with_config(cls, config, **kwargs):
        """A connector from the AWS_* settings of an io_config profile (a `ConfigFileLoader`)."""
        return cls(
            aws_access_key_id=config[ConfigKey.AWS_ACCESS_KEY_ID],
            aws_secret_access_key=config[ConfigKey.AWS_SECRET_ACCESS_KEY],
            aws_session_token=config[ConfigKey.AWS_SESSION_TOKEN],
            region_name=config[ConfigKey.AWS_REGION],
            endpoint_url=config[ConfigKey.AWS_ENDPOINT],
            **kwargs,
        )

    def load(self, bucket_name, object_key, format=None, limit=QUERY_ROW_LIMIT, **kwargs):
        """The object as a DataFrame, its format taken from the key's extension unless `format` is given."""
        kind = self._format(object_key, format)
        response = self.client.get_object(Bucket=bucket_name, Key=object_key)
        return self._read(BytesIO(response["Body"].read()), kind, limit, **kwargs)

    def export(self, data, bucket_name, object_key, format=None, **kwargs):
        """Write a DataFrame as the object (its format from the key's extension), or upload a local file."""
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            buffer = BytesIO()
            self._write(data, self._format(object_key, format), buffer, **kwargs)
            buffer.seek(0)
            self.client.put_object(Body=buffer, Bucket=bucket_name, Key=object_key)
        elif isinstance(data, str) and os.path.exists(data):
            self.client.upload_file(data, bucket_name, object_key)
        else:
            raise ValueError("Please provide a pandas DataFrame or a valid file path as the input.")

    def exists(self, bucket_name, prefix):
        """Whether any object's key starts with `prefix`."""
        response = self.client.list_objects(Bucket=bucket_name, Prefix=prefix, MaxKeys=1)
        return "Contents" in response


def _boto3():
    try:
        import boto3
    except ImportError:
        raise ImportError("the S3 connector needs `boto3`; add `boto3` to the project's requirements.txt") from None
    return boto3
