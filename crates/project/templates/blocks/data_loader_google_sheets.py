from os import path

from mage_ai.io.config import ConfigFileLoader
from mage_ai.io.google_sheets import GoogleSheets
from mage_ai.settings.repo import get_repo_path

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_from_google_sheet(*args, **kwargs):
    """
    Reads a worksheet of a Google Sheet into a DataFrame, its first row as the header.
    Connection: the GOOGLE_SERVICE_ACC_KEY (or GOOGLE_SERVICE_ACC_KEY_FILEPATH) settings of io_config.yaml's
    `default` profile; share the sheet with the service account's e-mail address.
    The sheet may also come from the pipeline's variable `sheet_url`; `sheet_id=` or `sheet_name=` find it by key
    or title instead, `worksheet_name=` or `worksheet_position=` pick another worksheet than the first.
    """
    sheet_url = kwargs.get('sheet_url', 'https://docs.google.com/spreadsheets/d/your_sheet_id')
    header_rows = 1
    config_path = path.join(get_repo_path(), 'io_config.yaml')
    config_profile = 'default'

    return GoogleSheets.with_config(ConfigFileLoader(config_path, config_profile)).load(
        sheet_url=sheet_url,
        header_rows=header_rows,
    )


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
