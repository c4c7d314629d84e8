from mage_ai.io.file import FileIO

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_file(df, **kwargs) -> None:
    """
    Writes the upstream DataFrame to a CSV, JSON or Parquet file (by its extension); a relative path starts at the
    working directory (where `wand` was started). The path may also come from the pipeline's variable `filepath`.
    """
    filepath = kwargs.get('filepath', 'path/to/write/your/file.csv')

    FileIO().export(df, filepath, index=False)
