from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.trino import Trino
from mage_ai.settings.repo import get_repo_path

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_data_from_trino(*args, **kwargs):
    """
    Runs a query on Trino and returns its rows as a DataFrame.
    Connection: the TRINO_* settings (or the `trino:` mapping) of io_config.yaml's `default` profile.
    """
    query = 'SELECT 1 AS id'  # your query
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    with Trino.with_config(ConfigFileLoader(config_path, config_profile)) as loader:
        return loader.load(query)


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
