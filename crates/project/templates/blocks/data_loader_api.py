import io

import pandas as pd
import requests

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_data_from_api(*args, **kwargs):
    """
    Downloads a CSV file over HTTP and returns it as a DataFrame.
    The URL may also come from the pipeline's variable `url`.
    """
    url = kwargs.get('url', 'https://example.com/your_data.csv')
    response = requests.get(url, timeout=60)
    response.raise_for_status()

    return pd.read_csv(io.StringIO(response.text), sep=',')


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
