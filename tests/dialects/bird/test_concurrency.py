"""Concurrent upserts of one new identifier make one contact, on SQLite and PostgreSQL alike."""

from concurrent.futures import ThreadPoolExecutor

import httpx


def test_parallel_upserts_of_a_new_identifier_make_one_contact(live_server, workspace):
    base = f"{live_server}/bird/workspaces/{workspace.workspace_id}"
    headers = {"Authorization": f"AccessKey {workspace.api_key}"}

    def upsert(i):
        with httpx.Client(headers=headers, timeout=60) as http:
            return http.patch(base + "/contacts/identifiers/emailaddress/race@example.com",
                              json={"attributes": {f"hit{i}": i}})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(upsert, range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201], [r.text for r in responses]
    contacts = httpx.get(base + "/contacts", headers=headers).json()["results"]
    assert len(contacts) == 1
    assert {f"hit{i}" for i in range(8)} <= set(contacts[0]["attributes"])


def test_parallel_creates_with_one_identifier_make_one_contact(live_server, workspace):
    base = f"{live_server}/bird/workspaces/{workspace.workspace_id}"
    headers = {"Authorization": f"AccessKey {workspace.api_key}"}

    def create(i):
        with httpx.Client(headers=headers, timeout=60) as http:
            return http.post(base + "/contacts", json={
                "displayName": f"C{i}", "identifiers": [{"key": "phonenumber", "value": "+31612345670"}]})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(create, range(8)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7, [r.text for r in responses]
    assert len(httpx.get(base + "/contacts", headers=headers).json()["results"]) == 1
