from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.snowflake import Snowflake
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_snowflake(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame to a Snowflake table.
    Connection: the SNOWFLAKE_* settings of io_config.yaml's `default` profile.
    """
    table_name = 'your_table_name'
    database = None  # None: the profile's SNOWFLAKE_DEFAULT_DB
    schema = None  # None: the profile's SNOWFLAKE_DEFAULT_SCHEMA
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    with Snowflake.with_config(ConfigFileLoader(config_path, config_profile)) as loader:
        loader.export(
            df,
            table_name,
            database,
            schema,
            if_exists='replace',  # or 'append', 'fail'
        )
