"""Many clients at once over a real socket: on SQLite the creates queue on one writer thread
and the reads run on the event loop; on PostgreSQL both use the thread pool. Either way each
request gets its own answer, and what was answered is what is stored."""

from concurrent.futures import ThreadPoolExecutor

import httpx


def test_concurrent_creates_and_reads_each_get_their_own_answer(live_server, workspace):
    headers = {"Authorization": f"Bearer {workspace.api_key}"}
    bodies = [{"first_name": f"Person{i}", "emails": [f"person{i}@example.com"], "phones": [f"+1415555{i:04d}"]}
              for i in range(24)]
    bodies += [{"first_name": "Twin", "emails": ["person3@example.com"]},  # person3's email: a 409
               {"first_name": "Broken", "emails": ["not an email"]}]  # refused, alone

    def create(body):
        with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
            return client.post("/v1/contacts", json=body)

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(create, bodies))

    statuses = [a.status_code for a in answers]
    broken = answers[-1].json()["error"]
    assert broken["details"][0]["field"] == "emails[0].address" and statuses[-1] in (400, 422)
    created = [a.json() for a in answers[:24] if a.status_code == 201]
    twin = answers[24]
    # person3 and the twin raced for one email: exactly one of them has it
    assert sorted([statuses[3], twin.status_code]) == [201, 409]
    assert len(created) == 24 - (statuses[3] == 409)

    def read(contact):
        with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
            return contact, client.get(f"/v1/contacts/{contact['id']}")

    with ThreadPoolExecutor(12) as pool:
        for contact, got in pool.map(read, created * 3):
            assert got.status_code == 200 and got.json() == contact

    listed = httpx.get(f"{live_server}/v1/contacts", params={"limit": 100}, headers=headers).json()["data"]
    assert sorted(c["first_name"] for c in listed) == sorted(
        [c["first_name"] for c in created] + (["Twin"] if twin.status_code == 201 else []))


def _race(live_server, workspace, requests: list[tuple[str, str, dict | None]]) -> list[httpx.Response]:
    """The requests (method, path, body) sent at once, each on its own connection, released together."""
    import threading

    headers = {"Authorization": f"Bearer {workspace.api_key}"}
    start = threading.Barrier(len(requests))
    clients = [httpx.Client(base_url=live_server, headers=headers, timeout=60) for _ in requests]

    def send(pair):
        client, (method, path, body) = pair
        client.get("/v1/contacts", params={"limit": 1})  # the connection made before the start
        start.wait()
        return client.request(method, path, json=body)

    try:
        with ThreadPoolExecutor(len(requests)) as pool:
            return list(pool.map(send, zip(clients, requests)))
    finally:
        for client in clients:
            client.close()


def test_racing_writes_of_one_workspace_see_each_other(live_server, workspace):
    """What a write checks before writing is still so when it commits, on both engines: twelve
    creates of one email make one contact (the rest 409), merges of two contacts into each other
    leave one of them, and attributes patched side by side are all kept."""
    api = httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {workspace.api_key}"}, timeout=60)

    same = _race(live_server, workspace, [("POST", "/v1/contacts", {"first_name": f"P{i}", "emails": ["one@example.com"]})
                                          for i in range(12)])
    assert sorted(a.status_code for a in same) == [201] + [409] * 11, [a.text for a in same]
    assert len(api.get("/v1/contacts", params={"email": "one@example.com"}).json()["data"]) == 1

    a = api.post("/v1/contacts", json={"first_name": "A", "emails": ["a@example.com"]}).json()["id"]
    b = api.post("/v1/contacts", json={"first_name": "B", "emails": ["b@example.com"]}).json()["id"]
    crossed = _race(live_server, workspace, [("POST", f"/v1/contacts/{a}/merge", {"from": b}),
                                             ("POST", f"/v1/contacts/{b}/merge", {"from": a})])
    assert sorted(r.status_code for r in crossed) == [200, 409], [r.text for r in crossed]
    survivor = next(r.json()["id"] for r in crossed if r.status_code == 200)
    assert api.get(f"/v1/contacts/{a}").json()["id"] == api.get(f"/v1/contacts/{b}").json()["id"] == survivor

    patched = _race(live_server, workspace, [("PATCH", f"/v1/contacts/{survivor}", {"attributes": {f"k{i}": i}})
                                             for i in range(10)])
    assert all(r.status_code == 200 for r in patched)
    assert api.get(f"/v1/contacts/{survivor}").json()["attributes"] == {f"k{i}": i for i in range(10)}

    vip = api.post("/v1/lists", json={"name": "VIP"}).json()["id"]
    joined = _race(live_server, workspace, [("POST", f"/v1/lists/{vip}/contacts", {"contact_ids": [survivor]})] * 8)
    assert all(r.status_code == 200 for r in joined), [r.text for r in joined]
    api.close()
