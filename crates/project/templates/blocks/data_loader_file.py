from mage_ai.io.file import FileIO

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_from_file(*args, **kwargs):
    """Reads a CSV, JSON or Parquet file (chosen by its extension) into a DataFrame."""
    filepath = kwargs.get('filepath', 'path/to/your/file.csv')
    return FileIO().load(filepath)


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
