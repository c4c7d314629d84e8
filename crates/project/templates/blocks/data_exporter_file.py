from mage_ai.io.file import FileIO

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data_to_file(df, **kwargs) -> None:
    """Writes a DataFrame to a CSV, JSON or Parquet file (chosen by its extension)."""
    filepath = kwargs.get('filepath', 'output.csv')
    FileIO().export(df, filepath)
