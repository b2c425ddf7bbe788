"""`contacthub dedupe` against a real SQLite file: finds, queues and merges stored duplicates."""

import json

from fastapi.testclient import TestClient

from contacthub.app import create_app
from contacthub.settings import get_settings


def test_dedupe_reports_then_merges(cli):
    key = json.loads(cli("init", "--json").stdout)["api_key"]
    client = TestClient(create_app(get_settings()))
    client.headers["Authorization"] = f"Bearer {key}"
    people = [
        {"first_name": "Robert", "last_name": "Smith", "birth_date": "1970-01-02", "emails": ["bob@example.com"]},
        {"first_name": "Bob", "last_name": "Smith", "birth_date": "1970-01-02"},
        {"first_name": "Alice", "last_name": "Jones", "birth_date": "1981-05-06"},
        {"first_name": "Alice", "last_name": "Jones"},  # a name alone: review, not merge
    ]
    ids = [client.post("/v1/contacts", params={"on_duplicate": "create"}, json=p).json()["id"] for p in people]

    report = cli("dedupe", "--json")
    assert report.exit_code == 0
    found = json.loads(report.stdout)
    assert found["scanned"] == 4 and found["merged"] == 0 and found["duplicates"] == 2
    pairs = {(p["contact_id"], p["duplicate_of"]): p["decision"] for p in found["pairs"]}
    assert pairs == {(ids[1], ids[0]): "merge", (ids[3], ids[2]): "review"}
    assert len(client.get("/v1/contacts").json()["data"]) == 4

    merged = cli("dedupe", "--merge", "--review")
    assert merged.exit_code == 0
    assert "Summary" in merged.stdout
    live = [c["id"] for c in client.get("/v1/contacts").json()["data"]]
    assert live == [ids[0], ids[2], ids[3]]
    queue = client.get("/v1/duplicates").json()["data"]
    assert [(q["contact_id"], q["candidate_id"]) for q in queue] == [(ids[3], ids[2])]
    again = json.loads(cli("dedupe", "--json").stdout)
    assert again["merged"] == 0 and again["scanned"] == 3


def test_dedupe_files_contacts_the_index_has_not_seen(cli):
    from sqlalchemy import create_engine, text

    key = json.loads(cli("init", "--json").stdout)["api_key"]
    client = TestClient(create_app(get_settings()))
    client.headers["Authorization"] = f"Bearer {key}"
    body = {"first_name": "Grace", "last_name": "Hopper", "birth_date": "1906-12-09"}
    ids = [client.post("/v1/contacts", params={"on_duplicate": "create"}, json=body).json()["id"] for _ in range(2)]
    engine = create_engine(get_settings().database_url)
    with engine.begin() as conn:  # as if a bulk path had written them without the index
        for table in ("identity_keys", "identity_profiles", "identity_claims"):
            conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()

    found = json.loads(cli("dedupe", "--json", "--merge").stdout)
    assert found["indexed"] == 2 and found["merged"] == 1
    assert [c["id"] for c in client.get("/v1/contacts").json()["data"]] == [ids[0]]


def test_dedupe_leaves_a_pair_a_reviewer_rejected_apart(cli):
    key = json.loads(cli("init", "--json").stdout)["api_key"]
    client = TestClient(create_app(get_settings()))
    client.headers["Authorization"] = f"Bearer {key}"
    twins = [{"first_name": name, "last_name": "Kelly", "birth_date": "1964-02-21", "phones": ["+12125550199"]}
             for name in ("Mark", "Scott")]
    ids = [client.post("/v1/contacts", params={"on_duplicate": "create"}, json=t).json()["id"] for t in twins]
    assert json.loads(cli("dedupe", "--review", "--json").stdout)["review"] == 1
    pair = client.get("/v1/duplicates").json()["data"][0]
    assert client.post(f"/v1/duplicates/{pair['id']}/reject").status_code == 200
    merged = json.loads(cli("dedupe", "--merge", "--review", "--json").stdout)
    assert merged["merged"] == 0 and merged["review"] == 0
    assert [c["id"] for c in client.get("/v1/contacts").json()["data"]] == ids
