"""Mage's `FileIO`: read and write a DataFrame as CSV, JSON or Parquet, the format taken from the file extension."""

import os

from mage_ai.io.base import FileFormat

_FORMATS = tuple(member.value for member in FileFormat)


class FileIO:
    """Local files. Extra keyword arguments go to pandas (`read_csv`, `to_csv`, ...), with pandas' defaults."""

    def __init__(self, verbose=False):
        self.verbose = verbose

    def load(self, filepath, format=None, **kwargs):
        import pandas as pd

        readers = {"csv": pd.read_csv, "json": pd.read_json, "parquet": pd.read_parquet}
        return readers[_format(filepath, format)](filepath, **kwargs)

    def export(self, df, filepath, format=None, **kwargs):
        kind = _format(filepath, format)
        folder = os.path.dirname(os.fspath(filepath))
        if folder:
            os.makedirs(folder, exist_ok=True)
        writers = {"csv": df.to_csv, "json": df.to_json, "parquet": df.to_parquet}
        writers[kind](filepath, **kwargs)

    def exists(self, filepath):
        return os.path.exists(filepath)


def _format(filepath, format):
    kind = format if format is not None else os.path.splitext(os.fspath(filepath))[1][1:]
    kind = getattr(kind, "value", kind).lower()
    if kind not in _FORMATS:
        raise ValueError(
            f"cannot tell the file format of {os.fspath(filepath)!r}: "
            f"use a .csv, .json or .parquet file or pass format= one of {', '.join(_FORMATS)}"
        )
    return kind
