import pytest

from tests.dialects.ngpvan.wire import basic


@pytest.fixture
def van(client, workspace):
    """A client carrying the fresh workspace's key the NGP VAN way (HTTP Basic, user apiuser)."""
    client.headers["Authorization"] = basic(workspace.api_key)
    return client
