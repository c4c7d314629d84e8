from os import path

from mage_ai.io.bigquery import BigQuery
from mage_ai.io.config import ConfigFileLoader
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_big_query(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame to a Google BigQuery table.
    Connection: the GOOGLE_SERVICE_ACC_KEY (or GOOGLE_SERVICE_ACC_KEY_FILEPATH) and GOOGLE_LOCATION settings of
    io_config.yaml's `default` profile.
    """
    table_id = 'your_dataset.your_table_name'  # or 'project.dataset.table'
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    BigQuery.with_config(ConfigFileLoader(config_path, config_profile)).export(
        df,
        table_id,
        if_exists='replace',  # or 'append', 'fail'
    )
