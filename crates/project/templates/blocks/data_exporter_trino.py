from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.trino import Trino
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_trino(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame to a Trino table in the profile's catalog.
    Connection: the TRINO_* settings (or the `trino:` mapping) of io_config.yaml's `default` profile.
    """
    schema_name = None  # None: the profile's TRINO_SCHEMA
    table_name = 'your_table_name'
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    with Trino.with_config(ConfigFileLoader(config_path, config_profile)) as loader:
        loader.export(
            df,
            schema_name,
            table_name,
            if_exists='replace',  # or 'append', 'fail'
        )
