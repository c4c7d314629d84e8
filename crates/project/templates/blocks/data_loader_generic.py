if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_data(*args, **kwargs):
    """
    Load data from any source and return it (a DataFrame, a dict, a list...).
    Pipeline and run variables arrive in kwargs.
    """
    return {}


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
