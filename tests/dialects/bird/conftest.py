"""A client speaking Bird's auth scheme for a fresh workspace, and helpers for its paths."""

import uuid

import pytest

from contacthub.db.models import Account


@pytest.fixture
def bird(client, workspace):
    """TestClient with `Authorization: AccessKey <key>`; `bird.ws` is the workspace's base path."""
    client.headers["Authorization"] = f"AccessKey {workspace.api_key}"
    client.ws = f"/bird/workspaces/{workspace.workspace_id}"
    return client


@pytest.fixture
def make_account(db, workspace):
    """Accounts have no Bird endpoint; tests make them straight in the store."""

    def make(name: str = "Acme") -> str:
        with db.write() as session:
            row = Account(workspace_id=workspace.workspace_id, id=uuid.uuid4(), name=name)
            session.add(row)
            session.flush()
            return str(row.id)

    return make
