if 'data_exporter' not in globals():
    from mage_ai.data_preparation.decorators import data_exporter


@data_exporter
def export_data(data, *args, **kwargs):
    """Writes the upstream block's output wherever it belongs; the return value is optional."""
    print(f'exporting {type(data).__name__}')
