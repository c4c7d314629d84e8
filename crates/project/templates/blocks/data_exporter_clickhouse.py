from os import path

from mage_ai.io.clickhouse import ClickHouse
from mage_ai.io.config import ConfigFileLoader
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_clickhouse(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame to a ClickHouse table.
    Connection: the CLICKHOUSE_* settings of io_config.yaml's `default` profile.
    """
    table_name = 'your_table_name'
    database = None  # None: the profile's CLICKHOUSE_DATABASE
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    ClickHouse.with_config(ConfigFileLoader(config_path, config_profile)).export(
        df,
        table_name,
        database,
        if_exists='replace',  # or 'append', 'fail'
    )
