from datetime import timedelta

from sqlalchemy import select, update

from contacthub.core import idempotency
from contacthub.db.models import IdempotencyRecord
from contacthub.db.types import utcnow


def test_a_repeated_idempotency_key_answers_the_first_response_and_writes_once(api):
    headers = {"Idempotency-Key": "create-ada-1"}
    first = api.post("/v1/contacts", json={"first_name": "Ada"}, headers=headers)
    again = api.post("/v1/contacts", json={"first_name": "Ada"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content  # the same bytes (PostgreSQL's jsonb reordered the keys)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api.get("/v1/contacts").json()["data"]) == 1


def test_an_idempotency_key_reused_for_another_body_is_409(api):
    headers = {"Idempotency-Key": "k-2"}
    api.post("/v1/contacts", json={"first_name": "Ada"}, headers=headers)
    response = api.post("/v1/contacts", json={"first_name": "Bob"}, headers=headers)
    assert response.status_code == 409
    assert len(api.get("/v1/contacts").json()["data"]) == 1


def test_a_blank_or_repeated_idempotency_key_is_refused_not_shared(api):
    """A blank key (a client's unset variable) was a key like any other: every write of the
    workspace sent with it was 409 or a replay for a day; of two keys the first was taken."""
    for blank in ("", "   "):
        answer = api.post("/v1/contacts", json={"first_name": "Ada"}, headers={"Idempotency-Key": blank})
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["details"] == [
            {"field": "Idempotency-Key", "message": "is blank: send a key, or no header"}]
    twice = api.post("/v1/contacts", json={"first_name": "Bob"},
                     headers=[("Idempotency-Key", "a"), ("Idempotency-Key", "b")])
    assert twice.status_code == 422 and "more than once" in twice.text
    assert api.get("/v1/contacts").json()["data"] == []
    assert api.post("/v1/contacts", json={"first_name": "Cy"}, headers={"Idempotency-Key": "a"}).status_code == 201
    # every POST that takes a key alike: an import's too (it answered 202, and replayed the job)
    for headers in ({"Idempotency-Key": " "}, [("Idempotency-Key", "i"), ("Idempotency-Key", "j")]):
        started = api.post("/v1/imports", json={"data_url": "data:text/csv;base64,TmFtZQpBZGEK"}, headers=headers)
        assert started.status_code == 422 and "Idempotency-Key" in started.text, started.text
    assert api.get("/v1/imports").json()["data"] == []


def test_a_key_retried_through_another_host_name_replays(api):
    first = api.post("/v1/contacts", json={"first_name": "Ada"}, headers={"Idempotency-Key": "k-host"})
    again = api.post("/v1/contacts", json={"first_name": "Ada"},
                     headers={"Idempotency-Key": "k-host", "Host": "contacts.internal:8000"})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_every_post_that_writes_takes_an_idempotency_key(api):
    """A retried merge, unmerge, undelete, erase, review decision or list addition answers what
    the first answered (it would be a 409 or a second write without the key)."""
    def twice(path, body=None, key=None):
        headers = {"Idempotency-Key": key or path}
        first, again = (api.post(path, json=body, headers=headers) for _ in range(2))
        assert first.status_code < 300, first.text
        assert (again.status_code, again.json()) == (first.status_code, first.json()), path
        assert again.headers["Idempotent-Replayed"] == "true"
        return first.json()

    ada = api.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@example.com"]}).json()["id"]
    twin = api.post("/v1/contacts", params={"on_duplicate": "create"},
                    json={"first_name": "Ada", "emails": ["ada@example.com"]}).json()["id"]
    twice(f"/v1/contacts/{ada}/merge", {"from": twin})
    twice(f"/v1/contacts/{ada}/unmerge", {"from": twin})
    vip = api.post("/v1/lists", json={"name": "VIP"}).json()["id"]
    assert twice(f"/v1/lists/{vip}/contacts", {"contact_ids": [ada]}) == {"processed": 1}
    other = api.post(f"/v1/lists/{vip}/contacts", json={"contact_ids": [twin]},
                     headers={"Idempotency-Key": f"/v1/lists/{vip}/contacts"})
    assert other.status_code == 409  # the same key for another body
    assert api.delete(f"/v1/contacts/{twin}").status_code == 204
    twice(f"/v1/contacts/{twin}/undelete?on_duplicate=create")
    pair = api.post("/v1/contacts", params={"on_duplicate": "review"},
                    json={"first_name": "Ada", "phones": ["+442079460958"], "emails": ["ada@example.com"]}).json()
    review = api.get("/v1/duplicates").json()["data"][0]["id"]
    twice(f"/v1/duplicates/{review}/reject")
    twice(f"/v1/contacts/{pair['id']}/erase")


def test_a_failed_request_does_not_burn_its_key(api):
    headers = {"Idempotency-Key": "k-3"}
    assert api.post("/v1/contacts", json={"emails": ["bad"]}, headers=headers).status_code == 422
    assert api.post("/v1/contacts", json={"emails": ["good@example.com"]}, headers=headers).status_code == 201


def test_openapi_document_and_docs_page(client):
    spec = client.get("/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/contacts" in spec["paths"] and "/contacts/{contact_id}" in spec["paths"]
    rejected = spec["paths"]["/imports/{import_id}/rejected.csv"]["get"]["responses"]["200"]["content"]
    assert list(rejected) == ["text/csv"]  # as it is answered
    assert client.get("/v1/docs").status_code == 200


def test_answers_past_their_day_are_dropped_as_new_ones_come(api, db, workspace, monkeypatch):
    """Keys are kept 24 h: an answer older than that goes when the workspace stores a new one
    (at most hourly per process), so the table does not grow for ever."""
    for key in ("old", "recent"):
        assert api.post("/v1/contacts", json={"first_name": key}, headers={"Idempotency-Key": key}).status_code == 201
    with db.write() as session:
        session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == "old")
                        .values(created_at=utcnow() - timedelta(hours=25)))
    monkeypatch.setattr(idempotency, "PURGE_EVERY", timedelta(0))
    assert api.post("/v1/contacts", json={"first_name": "new"}, headers={"Idempotency-Key": "new"}).status_code == 201
    with db.read() as session:
        kept = session.scalars(select(IdempotencyRecord.key).where(
            IdempotencyRecord.workspace_id == workspace.workspace_id)).all()
    assert sorted(kept) == ["new", "recent"]
