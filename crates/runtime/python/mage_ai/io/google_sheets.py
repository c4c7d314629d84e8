"""Mage's `GoogleSheets` connector: load a worksheet into a DataFrame, write a DataFrame over an existing one.

It uses `gspread`, as Mage does, with a service account key (GOOGLE_SERVICE_ACC_KEY or its file). A sheet is
found by URL, key or title; a worksheet by name or position (the first by default).
"""

from mage_ai.io.google_cloud_storage import service_account_credentials, service_account_settings

SCOPES = ["https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive"]


class GoogleSheets:
    def __init__(self, **kwargs):
        self.verbose = kwargs.pop("verbose", True)
        credentials = service_account_credentials(kwargs, "gspread", SCOPES)
        self.client = _gspread().authorize(credentials, **kwargs)

    @classmethod
    def with_config(cls, config, **kwargs):
        """A connector from the service account settings of an io_config profile (a `ConfigFileLoader`)."""
        kwargs.update(service_account_settings(config, "Google Drive"))
        return cls(**kwargs)

    def fetch_sheet(self, sheet_url=None, sheet_id=None, sheet_name=None):
        if sheet_url:
            return self.client.open_by_url(sheet_url)
        if sheet_id:
            return self.client.open_by_key(sheet_id)
        if sheet_name:
            return self.client.open(sheet_name)
        raise KeyError("Please set one of sheet_url, sheet_id, or sheet_name to a valid Google Sheet.")

    def fetch_worksheet(
        self, sheet_url=None, sheet_id=None, sheet_name=None, worksheet_name=None, worksheet_position=0
    ):
        sheet = self.fetch_sheet(sheet_url=sheet_url, sheet_id=sheet_id, sheet_name=sheet_name)
        if sheet is None:
            raise ValueError("Sheet not found!")
        if worksheet_name is not None:
            return sheet.worksheet(worksheet_name)
        return sheet.get_worksheet(worksheet_position)

    def load(
        self, sheet_url=None, sheet_id=None, sheet_name=None, worksheet_name=None, worksheet_position=0, header_rows=1
    ):
        """The worksheet's records as a DataFrame, its first `header_rows` rows as the header."""
        import pandas as pd

        worksheet = self.fetch_worksheet(sheet_url, sheet_id, sheet_name, worksheet_name, worksheet_position)
        return pd.DataFrame(worksheet.get_all_records(head=header_rows))

    def export(self, df, sheet_url=None, sheet_id=None, sheet_name=None, worksheet_name=None, worksheet_position=0):
        """Write the header and the rows of `df` over an existing worksheet."""
        worksheet = self.fetch_worksheet(sheet_url, sheet_id, sheet_name, worksheet_name, worksheet_position)
        worksheet.update([df.columns.values.tolist()] + df.values.tolist())

    def exists(self, sheet_url=None, sheet_id=None, sheet_name=None, worksheet_name=None, worksheet_position=0):
        try:
            self.fetch_worksheet(sheet_url, sheet_id, sheet_name, worksheet_name, worksheet_position)
            return True
        except _gspread().exceptions.APIError as error:
            if error.response.status_code == 404:
                return False
            raise


def _gspread():
    try:
        import gspread
    except ImportError:
        raise ImportError(
            "the Google Sheets connector needs `gspread`; add `gspread` to the project's requirements.txt"
        ) from None
    return gspread
