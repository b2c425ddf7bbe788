"""A ChartMogul-speaking client: HTTP Basic with the workspace's key as username."""

import pytest


@pytest.fixture
def cm(app, workspace):
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://testserver/chartmogul")
    client.auth = (workspace.api_key, "")
    return client


@pytest.fixture
def native(app, workspace):
    from fastapi.testclient import TestClient

    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {workspace.api_key}"
    return client


@pytest.fixture
def define(native):
    """Defines contact custom attributes through the native API, as the ChartMogul UI would."""

    def _define(key: str, type_: str = "string"):
        response = native.post("/v1/attribute-definitions", json={"key": key, "type": type_})
        assert response.status_code == 201, response.text

    return _define


@pytest.fixture
def source(cm):
    response = cm.post("/v1/data_sources", json={"name": "Import"})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def customer(cm, source):
    response = cm.post("/v1/customers", json={
        "data_source_uuid": source["uuid"], "external_id": "customer_001", "name": "Acme", "email": "billing@acme.test",
    })
    assert response.status_code == 201, response.text
    return response.json()
