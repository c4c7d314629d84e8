from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.postgres import Postgres
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_postgres(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame to a PostgreSQL table.
    Connection: the POSTGRES_* settings of io_config.yaml's `default` profile.
    """
    schema_name = 'public'
    table_name = 'your_table_name'
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    with Postgres.with_config(ConfigFileLoader(config_path, config_profile)) as loader:
        loader.export(
            df,
            schema_name,
            table_name,
            index=False,  # whether to write the index as a column
            if_exists='replace',  # or 'append', 'fail'
        )
