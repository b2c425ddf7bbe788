"""A read-only key through the ChartMogul door (ChartMogul's own keys are read-only or
read-write): reads work, a change is 403 in ChartMogul's error format and writes nothing."""

from fastapi.testclient import TestClient


def test_a_read_only_key_reads_and_is_refused_changes(app, cm, customer, source, read_only_key):
    reader = TestClient(app, base_url="http://testserver/chartmogul")
    reader.auth = (read_only_key, "")
    listed = reader.get("/v1/customers")
    assert listed.status_code == 200 and [c["uuid"] for c in listed.json()["entries"]] == [customer["uuid"]]

    stranger = TestClient(app, base_url="http://testserver/chartmogul")
    stranger.auth = ("nope", "")
    unknown_key = stranger.get("/v1/customers")
    for refused in (
        reader.post("/v1/customers", json={"data_source_uuid": source["uuid"], "external_id": "c2", "name": "Beta"}),
        reader.post("/v1/data_sources", json={"name": "Other"}),
        reader.delete(f"/v1/data_sources/{source['uuid']}"),
    ):
        assert refused.status_code == 403, refused.text
        assert "may only read" in refused.text
        assert refused.json().keys() == unknown_key.json().keys()
    assert [c["uuid"] for c in cm.get("/v1/customers").json()["entries"]] == [customer["uuid"]]
    assert [s["uuid"] for s in cm.get("/v1/data_sources").json()["data_sources"]] == [source["uuid"]]
