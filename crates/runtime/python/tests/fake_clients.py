"""Stand-in client libraries for the `mage_ai.io` connectors of stores that are not SQL databases and that no test
can start (Google Cloud Storage, Azure Blob Storage, MongoDB, Google Sheets): modules put into sys.modules (with
`fake_drivers.install`) that keep what is written in memory, so a test can read it back, and log the calls."""

import types

from fake_drivers import Log, install


def fake_google_cloud_storage(monkeypatch):
    """`google.cloud.storage`, whose buckets keep objects in the returned dict ({(bucket, key): bytes}), and
    `google.oauth2.service_account` (credentials from a key file are ("file", path), from a key ("info", email))."""
    objects = {}

    class Blob:
        def __init__(self, bucket, key):
            self.name = (bucket, key)

        def exists(self):
            return self.name in objects

        def download_as_string(self):
            return objects[self.name]

        def upload_from_string(self, data):
            objects[self.name] = data

    class Client:
        def __init__(self, credentials=None, **kwargs):
            self.credentials = credentials

        def get_bucket(self, name):
            return types.SimpleNamespace(blob=lambda key: Blob(name, key))

    install(monkeypatch, "google.cloud.storage", Client=Client)
    install_service_account(monkeypatch)
    return objects


def install_service_account(monkeypatch):
    credentials = types.SimpleNamespace(
        from_service_account_file=lambda path, **options: ("file", path),
        from_service_account_info=lambda info, **options: ("info", info.get("client_email")),
    )
    install(monkeypatch, "google.oauth2.service_account", Credentials=credentials)


def fake_azure_blob_storage(monkeypatch):
    """`azure.identity` (a client secret credential is ("secret", tenant, client, secret), the default one "default")
    and `azure.storage.blob`, whose containers keep blobs in a dict ({(container, path): bytes}). Returns the log
    (("service", account URL, credential) for each client) and that dict."""
    log, blobs = Log(), {}

    class BlobClient:
        def __init__(self, container, path):
            self.name = (container, path)

        def exists(self):
            return self.name in blobs

        def upload_blob(self, data, **options):
            blobs[self.name] = data

        def download_blob(self):
            return types.SimpleNamespace(readall=lambda: blobs[self.name])

    class BlobServiceClient:
        def __init__(self, account_url, credential):
            log.append(("service", account_url, credential))

        def get_blob_client(self, container, path):
            return BlobClient(container, path)

    install(monkeypatch, "azure.identity", ClientSecretCredential=lambda *args: ("secret", *args),
            DefaultAzureCredential=lambda: "default")  # fmt: skip
    install(monkeypatch, "azure.storage.blob", BlobServiceClient=BlobServiceClient)
    return log, blobs


def fake_mongodb(monkeypatch, documents):
    """`pymongo`: a `MongoClient(url)` logged as ("client", url) whose collections answer `find(query)` (logged as
    ("find", collection, query)) with `documents` and log `insert_many` as ("insert_many", collection, records)."""
    log = Log()

    class Collection:
        def __init__(self, name):
            self.name = name

        def find(self, query):
            log.append(("find", self.name, query))
            return [dict(document) for document in documents]

        def insert_many(self, records):
            log.append(("insert_many", self.name, records))

    class Database:
        def __getitem__(self, collection):
            return Collection(collection)

    class MongoClient:
        def __init__(self, url):
            log.append(("client", url))

        def __getitem__(self, database):
            return Database()

    install(monkeypatch, "pymongo", MongoClient=MongoClient)
    return log


def fake_google_sheets(monkeypatch, records):
    """`gspread`: a client opening sheets by key, URL or title (logged as ("open_by_key", key), ("open_by_url", url),
    ("open", title)) whose worksheets answer `get_all_records` with `records` and log `update` as ("update", values);
    and `google.oauth2.service_account`."""
    log = Log()
    worksheet = types.SimpleNamespace(
        get_all_records=lambda head: [dict(record) for record in records],
        update=lambda values: log.append(("update", values)),
    )
    sheet = types.SimpleNamespace(get_worksheet=lambda position: worksheet, worksheet=lambda name: worksheet)

    def opener(how):
        return lambda what: (log.append((how, what)), sheet)[1]

    client = types.SimpleNamespace(open_by_key=opener("open_by_key"), open_by_url=opener("open_by_url"),
                                   open=opener("open"))  # fmt: skip
    install(monkeypatch, "gspread", authorize=lambda credentials, **kwargs: client)
    install_service_account(monkeypatch)
    return log
