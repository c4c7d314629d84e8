"""Mage's `BigQuery` connector: load a query, run SQL, export a DataFrame to `project.dataset.table`.

It uses `google.cloud.bigquery` (`google-cloud-bigquery`; `to_dataframe` also needs `db-dtypes`), as Mage does.
Exports load the frame with `load_table_from_dataframe` and a write disposition from `if_exists`
('replace' truncates, 'append' appends, 'fail' asks for an empty table); a `query_string` export runs
`CREATE TABLE ... AS` or `INSERT INTO`.
"""

from mage_ai.io import base
from mage_ai.io.base import ExportWritePolicy, write_policy
from mage_ai.io.google_cloud_storage import service_account_credentials, service_account_settings
from mage_ai.io.sql import QUERY_ROW_LIMIT

CLIENT_SCOPES = ["https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/bigquery"]
_DISPOSITIONS = {"append": "WRITE_APPEND", "replace": "WRITE_TRUNCATE", "fail": "WRITE_EMPTY"}


class BigQuery:
    def __init__(self, **kwargs):
        kwargs.pop("verbose", None)
        self.verbose = True
        credentials = service_account_credentials(kwargs, "google-cloud-bigquery", CLIENT_SCOPES)
        self.client = _bigquery().Client(credentials=credentials, **kwargs)

    @classmethod
    def with_config(cls, config, **kwargs):
        """A connector from the GOOGLE_* settings of an io_config profile (a `ConfigFileLoader`)."""
        kwargs.update(service_account_settings(config, "Google BigQuery"))
        if "GOOGLE_LOCATION" in config:
            kwargs["location"] = config["GOOGLE_LOCATION"]
        return cls(**kwargs)

    @classmethod
    def with_credentials_file(cls, path_to_credentials, **kwargs):
        return cls(path_to_credentials=path_to_credentials, **kwargs)

    @classmethod
    def with_credentials_object(cls, credentials, **kwargs):
        return cls(credentials_mapping=credentials, **kwargs)

    def default_database(self):
        """The client's project."""
        return self.client.project

    def load(self, query_string, limit=QUERY_ROW_LIMIT, display_query=None, verbose=True, **kwargs):
        """The rows of a query, at most `limit` of them, as a DataFrame."""
        query = self._enforce_limit(query_string.strip(" \n\t"), limit)
        return self.client.query(query).to_dataframe()

    def execute(self, query_string, **kwargs):
        self.client.query(query_string.strip(" \n\t"), **kwargs)

    def execute_query_raw(self, query, configuration=None, **kwargs):
        return self.client.query(query).result()

    def execute_queries(self, queries, query_variables=None, fetch_query_at_indexes=None, **kwargs):
        """Run the queries in order; the flagged ones (and any other query job) come back as DataFrames."""
        results = []
        for index, query in enumerate(queries):
            variables = query_variables[index] if query_variables and index < len(query_variables) else {}
            results.append(self.client.query(query.strip(" \n\t"), **variables).to_dataframe())
        return results

    def get_column_types(self, schema, table_name):
        """Each column's type, from the dataset's INFORMATION_SCHEMA."""
        frame = self.client.query(
            f"\nSELECT column_name, data_type\nFROM {schema}.INFORMATION_SCHEMA.COLUMNS\n"
            f"WHERE table_name = '{table_name}'\n"
        ).to_dataframe()
        return dict(zip(frame["column_name"], frame["data_type"])) if len(frame) else {}

    def export(
        self,
        df,
        table_id=None,
        database=None,
        if_exists="replace",
        overwrite_types=None,
        query_string=None,
        verbose=True,
        unique_conflict_method=None,
        unique_constraints=None,
        write_disposition=None,
        create_dataset=True,
        **configuration_params,
    ):
        """Write `df` (or the result of `query_string`) to `table_id` (`dataset.table` or `project.dataset.table`)."""

        if table_id is None:
            raise ValueError("Please provide a table_id argument in the export method.")
        policy = write_policy(if_exists)
        df = base.as_frame(df)
        parts = table_id.split(".")
        if len(parts) == 3:
            database, schema, table_name = parts
        elif len(parts) == 2:
            schema, table_name = parts
        else:
            raise ValueError(f"table_id should be dataset.table or project.dataset.table, not {table_id!r}")
        database = database or self.default_database()
        if query_string:
            existing = self.client.query(
                f"\nSELECT 1\nFROM `{database}.{schema}.__TABLES_SUMMARY__`\nWHERE table_id = '{table_name}'\n"
            ).to_dataframe()
            missing = existing.empty
            if policy == ExportWritePolicy.FAIL and not missing:
                raise ValueError(f"Table '`{database}.{schema}.{table_name}`' already exists in database.")
            if policy == ExportWritePolicy.REPLACE:
                self.client.query(f"DROP TABLE `{database}.{schema}.{table_name}`")
                command = f"CREATE TABLE {table_id} AS"
            elif missing:
                command = f"CREATE TABLE {table_id} AS"
            else:
                command = f"INSERT INTO {table_id}"
            self.client.query(f"\n{command}\n{query_string}\n")
            return
        bigquery = _bigquery()
        config = bigquery.LoadJobConfig(**configuration_params)
        config.write_disposition = write_disposition or _DISPOSITIONS[policy.value]
        if overwrite_types is not None:
            config.schema = [bigquery.SchemaField(name, kind) for name, kind in overwrite_types.items()]
        if create_dataset:
            self.client.create_dataset(dataset=schema, exists_ok=True)
        df = df.rename(columns=lambda name: str(name).replace(" ", "_"))
        self.client.load_table_from_dataframe(df, table_id, job_config=config).result()

    def sample(self, schema, table, size=QUERY_ROW_LIMIT, **kwargs):
        """Up to `size` rows of `schema.table` (not a random sample)."""
        return self.load(f"SELECT * FROM {schema}.{table} LIMIT {size};", **kwargs)

    def _enforce_limit(self, query, limit=QUERY_ROW_LIMIT):
        query = query.strip(";")
        return f"\nWITH subquery AS (\n    {query}\n)\n\nSELECT *\nFROM subquery\nLIMIT {limit}\n"


def _bigquery():
    try:
        from google.cloud import bigquery
    except ImportError:
        raise ImportError(
            "the BigQuery connector needs `google.cloud.bigquery`; add `google-cloud-bigquery` and `db-dtypes` to "
            "the project's requirements.txt"
        ) from None
    return bigquery
