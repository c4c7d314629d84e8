from pandas import DataFrame

if 'transformer' not in globals():
    from mage_ai.data_preparation.decorators import transformer
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@transformer
def fill_missing_with_median(df: DataFrame, *args, **kwargs) -> DataFrame:
    """Replaces each missing number with the median of its column."""
    numbers = df.select_dtypes('number').columns
    df[numbers] = df[numbers].fillna(df[numbers].median())
    return df


@test
def test_no_missing_numbers(output, *args) -> None:
    assert not output.select_dtypes('number').isna().any().any(), 'Some numbers are still missing'
