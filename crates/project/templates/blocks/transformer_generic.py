if 'transformer' not in globals():
    from mage_ai.data_preparation.decorators import transformer
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@transformer
def transform(data, *args, **kwargs):
    """
    Receives the output of the upstream block (one argument per upstream block) and returns the new data.
    """
    return data


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
