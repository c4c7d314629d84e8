from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.duckdb import DuckDB
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_duckdb(df, **kwargs) -> None:
    """Writes a DataFrame to a DuckDB table."""
    table_name = 'your_table_name'
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    with DuckDB.with_config(ConfigFileLoader(config_path, 'default')) as loader:
        loader.export(df, table_name=table_name, if_exists='replace')
