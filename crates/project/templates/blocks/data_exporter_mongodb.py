from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.mongodb import MongoDB
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_mongodb(df, **kwargs) -> None:
    """
    Inserts the rows of the upstream DataFrame into a MongoDB collection, one document per row.
    Connection: the MONGODB_* settings of io_config.yaml's `default` profile (MONGODB_CONNECTION_STRING, or
    MONGODB_HOST, MONGODB_PORT, MONGODB_USER and MONGODB_PASSWORD; MONGODB_DATABASE, MONGODB_COLLECTION).
    """
    collection = None  # None: the profile's MONGODB_COLLECTION
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    MongoDB.with_config(ConfigFileLoader(config_path, config_profile)).export(
        df,
        collection=collection,
    )
