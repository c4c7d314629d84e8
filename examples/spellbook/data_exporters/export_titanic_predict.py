from mage_ai.io.file import FileIO

if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_titanic_predict(df, *args, **kwargs):
    """
    Write the passengers with their predictions to a CSV file.

    The pipeline variable `output_path` chooses the file (default: titanic_predict.csv in the working directory).
    """
    filepath = kwargs.get('output_path', 'titanic_predict.csv')
    FileIO().export(df, filepath)
