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
