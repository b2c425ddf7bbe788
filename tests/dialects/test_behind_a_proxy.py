"""Served under a reverse proxy's path prefix (serve --root-path /crm: the proxy strips /crm, the
app is told it): every link the service hands out names the prefix, once."""

from fastapi.testclient import TestClient

from tests.importfiles import SEED_CSV, data_url


def _proxied(app) -> TestClient:
    # as uvicorn hands a request on with root_path set: the path under the prefix
    return TestClient(app, root_path="/crm", base_url="https://contacts.example.com")


def test_the_index_lists_the_doors_under_the_prefix(app):
    apis = _proxied(app).get("/crm/").json()["apis"]
    assert apis["native"] == {"base": "/crm/v1", "docs": "/crm/v1/docs", "openapi": "/crm/v1/openapi.json"}
    assert apis["bird"]["base"] == "/crm/bird/" and apis["ngpvan"]["docs"] == "/crm/ngpvan/docs"


def test_docs_and_openapi_name_the_prefix(app):
    proxied = _proxied(app)
    for mount in ("/v1", "/chartmogul", "/bird", "/packagex", "/ngpvan"):
        assert proxied.get(f"/crm{mount}/openapi.json").json()["servers"] == [{"url": f"/crm{mount}"}]
        assert f"url: '/crm{mount}/openapi.json'" in proxied.get(f"/crm{mount}/docs").text


def test_an_import_jobs_location_and_links_name_the_prefix(app, workspace):
    proxied = _proxied(app)
    proxied.headers["Authorization"] = f"Bearer {workspace.api_key}"
    started = proxied.post("/crm/v1/imports", json={"data_url": data_url(SEED_CSV)})
    assert started.status_code == 202, started.text
    job = started.json()
    assert started.headers["Location"] == f"/crm/v1/imports/{job['id']}"
    assert job["links"] == {"self": f"/crm/v1/imports/{job['id']}",
                            "rejected_csv": f"/crm/v1/imports/{job['id']}/rejected.csv"}
    assert proxied.get(started.headers["Location"]).json()["links"] == job["links"]
    listed = proxied.get("/crm/v1/imports").json()["data"]
    assert next(j for j in listed if j["id"] == job["id"])["links"] == job["links"]
