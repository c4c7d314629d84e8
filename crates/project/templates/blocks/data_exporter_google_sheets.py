from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.google_sheets import GoogleSheets
from mage_ai.settings.repo import get_repo_path

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_to_google_sheet(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame (its header, then its rows) over a worksheet of a Google Sheet.
    Connection: the GOOGLE_SERVICE_ACC_KEY (or GOOGLE_SERVICE_ACC_KEY_FILEPATH) settings of io_config.yaml's
    `default` profile; share the sheet with the service account's e-mail address, as an editor.
    The sheet may also come from the pipeline's variable `sheet_url`; `sheet_id=` or `sheet_name=` find it by key
    or title instead, `worksheet_name=` or `worksheet_position=` pick another worksheet than the first.
    """
    sheet_url = kwargs.get('sheet_url', 'https://docs.google.com/spreadsheets/d/your_sheet_id')
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    GoogleSheets.with_config(ConfigFileLoader(config_path, config_profile)).export(
        df,
        sheet_url=sheet_url,
    )
