"""The per-customer email rule holds when clients race: the customer is locked while checked."""

from concurrent.futures import ThreadPoolExecutor

import httpx


def test_concurrent_adds_of_one_email_to_one_customer_make_one_contact(live_server, workspace):
    auth = (workspace.api_key, "")
    with httpx.Client(base_url=live_server + "/chartmogul/v1", auth=auth, timeout=30) as client:
        source = client.post("/data_sources", json={"name": "Billing"}).json()
        customer = client.post("/customers", json={"data_source_uuid": source["uuid"], "external_id": "c1"}).json()
        body = {"data_source_uuid": source["uuid"], "email": "race@example.com"}

        def add(_):
            return client.post(f"/customers/{customer['uuid']}/contacts", json=body).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = sorted(pool.map(add, range(6)))
        assert statuses == [201] + [422] * 5
        entries = client.get(f"/customers/{customer['uuid']}/contacts").json()["entries"]
        assert len(entries) == 1 and entries[0]["position"] == 1
