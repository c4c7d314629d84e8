"""Mage's `MongoDB` connector: load a collection (with a filter) into a DataFrame, insert a DataFrame's rows.

It uses `pymongo`, as Mage does.
"""

from mage_ai.io.config import ConfigKey


class MongoDB:
    def __init__(
        self,
        connection_string=None,
        host=None,
        port=27017,
        user=None,
        password=None,
        database=None,
        collection=None,
        verbose=True,
        **kwargs,
    ):
        self.verbose = verbose
        client_class = _pymongo().MongoClient
        if connection_string:
            self.client = client_class(connection_string)
        else:
            self.client = client_class(f"mongodb://{user}:{password}@{host}:{port}/")
        self.database = self.client[database]
        self.collection = collection

    @classmethod
    def with_config(cls, config):
        """A connector from the MONGODB_* settings of an io_config profile (a `ConfigFileLoader`)."""
        return cls(
            connection_string=config[ConfigKey.MONGODB_CONNECTION_STRING],
            host=config[ConfigKey.MONGODB_HOST],
            port=config[ConfigKey.MONGODB_PORT],
            user=config[ConfigKey.MONGODB_USER],
            password=config[ConfigKey.MONGODB_PASSWORD],
            database=config[ConfigKey.MONGODB_DATABASE],
            collection=config[ConfigKey.MONGODB_COLLECTION],
        )

    def load(self, collection=None, query=None, **kwargs):
        """The documents of `collection` (or the configured one) matching `query`, as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.database[self._collection(collection)].find(query or {})))

    def export(self, data, collection=None, **kwargs):
        """Insert a DataFrame's rows (or a list of dicts) into `collection` (or the configured one)."""
        import pandas as pd

        if data is None:
            return None
        collection = self._collection(collection)
        if isinstance(data, list) and data and isinstance(data[0], dict):
            records = data
        elif isinstance(data, pd.DataFrame):
            records = data.to_dict("records")
        else:
            raise ValueError("Please provide a pandas DataFrame or a list of dictionary as the input.")
        return self.database[collection].insert_many(records)

    def _collection(self, collection):
        collection = collection or self.collection
        if collection is None:
            raise ValueError("Please provide the collection name either in the method args or in io_config.yaml.")
        return collection


def _pymongo():
    try:
        import pymongo
    except ImportError:
        raise ImportError(
            "the MongoDB connector needs `pymongo`; add `pymongo` to the project's requirements.txt"
        ) from None
    return pymongo
