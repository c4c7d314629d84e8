from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.redshift import Redshift
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_redshift(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame to a Amazon Redshift table.
    Connection: the REDSHIFT_* settings of io_config.yaml's `default` profile (and AWS_* for an IAM login).
    """
    table_name = 'your_table_name'  # or 'schema.table'; without a schema, public
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    with Redshift.with_config(ConfigFileLoader(config_path, config_profile)) as loader:
        loader.export(
            df,
            table_name,
            if_exists='replace',  # or 'append', 'fail'
        )
