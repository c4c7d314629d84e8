from mage_ai.io.file import FileIO

if 'data_loader' not in globals():
    from mage_ai.data_preparation.decorators import data_loader
if 'test' not in globals():
    from mage_ai.data_preparation.decorators import test


@data_loader
def load_data_from_file(*args, **kwargs):
    """
    Reads a CSV, JSON or Parquet file (by its extension) into a DataFrame; a relative path starts at the working
    directory (where `wand` was started). The path may also come from the pipeline's variable `filepath`.
    """
    filepath = kwargs.get('filepath', 'path/to/your/file.csv')

    return FileIO().load(filepath)


@test
def test_output(output, *args) -> None:
    assert output is not None, 'The output is undefined'
