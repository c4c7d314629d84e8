from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.mongodb import MongoDB
from mage_ai.settings.repo import get_repo_path

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_from_mongodb(*args, **kwargs):
    """
    Reads the documents of a MongoDB collection that match a filter into a DataFrame.
    Connection: the MONGODB_* settings of io_config.yaml's `default` profile (MONGODB_CONNECTION_STRING, or
    MONGODB_HOST, MONGODB_PORT, MONGODB_USER and MONGODB_PASSWORD; MONGODB_DATABASE, MONGODB_COLLECTION).
    """
    query = {}  # a filter, e.g. {'status': 'active'}; empty: every document
    collection = None  # None: the profile's MONGODB_COLLECTION
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    return MongoDB.with_config(ConfigFileLoader(config_path, config_profile)).load(
        query=query,
        collection=collection,
    )


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
