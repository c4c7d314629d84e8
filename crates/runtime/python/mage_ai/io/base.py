"""What Mage's connectors share: the export write policies and the context-manager shape of a SQL connection."""

import os
import re
from enum import Enum


class ExportWritePolicy(str, Enum):
    """What `export` does when the table already exists (the members compare equal to their strings)."""

    APPEND = "append"
    FAIL = "fail"
    REPLACE = "replace"


class FileFormat(str, Enum):
    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"


class BaseSQL:
    """A connection opened on first use or by `with`, and closed by `close()` or at the end of the `with`."""

    _connection = None

    def open(self):
        if self._connection is None:
            self._connection = self._connect()
        return self

    @property
    def conn(self):
        """The driver's connection object, opened if needed."""
        self.open()
        return self._connection

    def commit(self):
        self.conn.commit()

    def rollback(self):
        self.conn.rollback()

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self):
        return self.open()

    def __exit__(self, *_exc):
        self.close()

    def _connect(self):
        raise NotImplementedError


def write_policy(if_exists):
    """`if_exists` as one of the three policies, or a ValueError naming the allowed values."""
    try:
        return ExportWritePolicy(if_exists)
    except ValueError:
        allowed = ", ".join(repr(policy.value) for policy in ExportWritePolicy)
        raise ValueError(f"if_exists must be one of {allowed}, not {if_exists!r}") from None


def as_frame(df):
    """What Mage's `export` accepts as data, as a DataFrame: a dict is one row, a list is rows."""
    import pandas as pd

    if isinstance(df, dict):
        return pd.DataFrame([df])
    if isinstance(df, list):
        return pd.DataFrame(df)
    return df


def clean_name(name, case_sensitive=False):
    """A column name as Mage writes it to a database: non-word characters become `_`, lower case by default."""
    name = re.sub(r"\W", "_", str(name))
    if name[:1].isdigit():
        name = "_" + name
    return name if case_sensitive else name.lower()


def quote(identifier):
    """A double-quoted SQL identifier (PostgreSQL and DuckDB)."""
    return '"' + str(identifier).replace('"', '""') + '"'


def table_frame(df, index=False, auto_clean_name=True, case_sensitive=False):
    """The frame to write: with the index as columns when `index`, and with cleaned column names."""
    if index:
        df = df.reset_index()
    if auto_clean_name:
        df = df.rename(columns=lambda column: clean_name(column, case_sensitive))
    return df


class BaseFile:
    """What Mage's file connectors (S3, Google Cloud Storage, Azure Blob Storage) share: the format of an object
    from its extension, and reading or writing a DataFrame in that format to a buffer."""

    verbose = False

    def _get_file_format(self, filepath):
        extension = os.path.splitext(os.path.basename(str(filepath)))[1][1:].lower()
        kind = _EXTENSION_FORMATS.get(extension)
        if kind is None:
            raise ValueError(
                f"cannot tell the file format of {str(filepath)!r}: use a .csv, .json or .parquet name "
                "or pass format= one of csv, json, parquet"
            )
        return kind

    def _format(self, filepath, format):
        if format is None:
            return self._get_file_format(filepath)
        return str(getattr(format, "value", format)).lower()

    def _read(self, input, format, limit=None, **kwargs):
        """A DataFrame read from a buffer or path with pandas' reader for `format`."""
        import pandas as pd

        readers = {
            "csv": pd.read_csv,
            "json": pd.read_json,
            "parquet": pd.read_parquet,
            "xml": pd.read_xml,
            "excel": pd.read_excel,
        }
        if format not in readers:
            raise ValueError(f"Invalid format '{format}' specified.")
        return readers[format](input, **kwargs)

    def _write(self, df, format, output, **kwargs):
        """Write a DataFrame to a buffer or path with pandas' writer for `format` (Parquet by default).

        Parquet timestamps are written in milliseconds, as Mage writes them.
        """
        format = format or "parquet"
        writers = {"csv": df.to_csv, "json": df.to_json, "xml": df.to_xml, "excel": df.to_excel}
        if format == "parquet":
            kwargs.setdefault("coerce_timestamps", "ms")
            kwargs.setdefault("allow_truncated_timestamps", True)
            df.to_parquet(output, **kwargs)
        elif format in writers:
            writers[format](output, **kwargs)
        else:
            raise ValueError(f"Invalid format '{format}' specified.")


_EXTENSION_FORMATS = {"csv": "csv", "json": "json", "parquet": "parquet", "xml": "xml", "xls": "excel", "xlsx": "excel"}
