if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader


@data_loader
def fan_out(*args, **kwargs):
    return [list(range(1000))]
