import pytest
from fastapi.testclient import TestClient

from contacthub.app import create_app
from contacthub.settings import Settings


@pytest.fixture
def px(client, workspace) -> TestClient:
    """A client carrying the fresh workspace's key the PackageX way."""
    client.headers["PX-API-KEY"] = workspace.api_key
    return client


@pytest.fixture
def px_local_urls(db, database_url, workspace) -> TestClient:
    """The same store, served by an app allowed to fetch from local addresses (for a local web server)."""
    app = create_app(Settings(database_url=database_url, import_allow_private_urls=True), db)
    client = TestClient(app)
    client.headers["PX-API-KEY"] = workspace.api_key
    return client
