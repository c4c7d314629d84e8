import pandas as pd

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_data(*args, **kwargs):
    """Returns a small table with a few missing values."""
    return pd.DataFrame(
        {
            'name': ['Ada', 'Grace', 'Linus', 'Barbara'],
            'age': [36.0, None, 29.0, 41.0],
            'fare': [7.25, 71.28, None, 8.05],
        }
    )


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
