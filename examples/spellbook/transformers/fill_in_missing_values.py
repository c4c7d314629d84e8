from spellbook.utils.variables import COLS

if 'transformer' not in globals():
    from mage_ai.data_preparation.decorators import transformer
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@transformer
def fill_in_missing_values(df, *args, **kwargs):
    """
    Keep the model's columns and fill each gap with the median of its column.
    """
    df = df[COLS]
    return df.fillna(df.median())


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
    assert not output.isna().any().any(), 'Some values are still missing'
