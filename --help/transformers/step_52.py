if 'transformer' not in globals():
    from mage_ai.data_preparation.decorators import transformer


@transformer
def step(value, *args, **kwargs):
    return value + 1
