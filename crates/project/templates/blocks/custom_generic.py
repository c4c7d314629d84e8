if 'custom' not in globals():
    from mage_ai.data_preparation.decorators import custom
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@custom
def run(*args, **kwargs):
    """
    Any Python: train a model, call an API, move files. Upstream outputs arrive as positional arguments.
    """
    return {}


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
