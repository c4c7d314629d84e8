import numpy as np
import pandas as pd

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader


@data_loader
def load(*args, **kwargs):
    rng = np.random.default_rng(7)
    return pd.DataFrame(rng.random((1_000_000, 10)), columns=[f'c{i}' for i in range(10)])
