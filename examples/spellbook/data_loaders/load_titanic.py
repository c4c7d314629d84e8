import pandas as pd

from spellbook.utils.variables import TITANIC_DATA_PATH

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_titanic(*args, **kwargs):
    """
    Read the Titanic passenger list.

    Set the pipeline variable `titanic_data_url` to a URL or a file path to read another copy;
    without it the CSV bundled in the project's data/ folder is used.
    """
    source = kwargs.get('titanic_data_url') or TITANIC_DATA_PATH
    return pd.read_csv(source)


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
