"""POST /v1/contacts/{id}/erase: a right-to-erasure request. Unlike DELETE, nothing of what the
workspace knew of the person stays: not their merged-away records, not their history's values."""

import json
import uuid

from sqlalchemy import text

from contacthub.core.actor import Actor
from tests.importfiles import import_file

ADA = {"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@example.com"], "phones": ["+442079460958"]}


HANGING = ("contact_points", "addresses", "attribute_values", "identity_keys", "identity_profiles", "identity_claims",
           "list_members")


def rows_of(db, database_url: str, table: str, workspace_id: uuid.UUID, contact_id: str) -> int:
    """How many rows of `table` belong to the contact, read straight from the database."""
    def stored(value: uuid.UUID):  # as the database keeps an id (SQLite: hex text; PostgreSQL: uuid)
        return value.hex if database_url.startswith("sqlite") else value

    with db.read() as session:
        return session.execute(text(f"SELECT count(*) FROM {table} WHERE workspace_id = :ws AND contact_id = :c"),
                               {"ws": stored(workspace_id), "c": stored(uuid.UUID(contact_id))}).scalar()


def everything_said(api) -> str:
    """Every event of the workspace, and the change feed, as text."""
    history = api.get("/v1/events", params={"limit": 200}).json()["data"]
    feed = api.get("/v1/changes", params={"since": 0, "limit": 200}).json()["data"]
    return json.dumps(history) + json.dumps(feed)


def test_a_person_s_records_history_and_traces_go(api, db, workspace, tmp_path, database_url):
    made = api.post("/v1/contacts", json=ADA, headers={"Idempotency-Key": "make-ada"})
    ada = made.json()["id"]
    api.patch(f"/v1/contacts/{ada}", json={"notes": "Met at the Royal Society"})
    twin = api.post("/v1/contacts", params={"on_duplicate": "create"},
                    json={"first_name": "Augusta", "emails": ["augusta@example.com"]}).json()["id"]
    assert api.post(f"/v1/contacts/{ada}/merge", json={"from": twin}).status_code == 200
    # a namesake queued for review beside her, and an import row that matched her by email
    namesake = api.post("/v1/contacts", params={"on_duplicate": "review"},
                        json={"first_name": "Ada", "last_name": "Lovelace", "phones": ["+442079460999"]}).json()
    assert [d["id"] for d in namesake["possible_duplicates"]] == [ada]
    actor = Actor(workspace.workspace_id, workspace.key_id, "cli")
    job, rows = import_file(db, actor, tmp_path, database_url, "Name,Email\nAda L,ada@example.com\n", "a.csv")
    assert rows[0].status == "merged" and "ada@example.com" in rows[0].note
    grace = api.post("/v1/contacts", json={"first_name": "Grace", "emails": ["grace@example.com"]}).json()["id"]
    assert "ada@example.com" in everything_said(api) and "Lovelace" in everything_said(api)

    assert rows_of(db, database_url, "contact_points", workspace.workspace_id, ada) == 3  # two emails, a phone
    assert rows_of(db, database_url, "identity_profiles", workspace.workspace_id, ada) == 2  # hers and the twin's

    # erased through the merged-away id: the person is the contact it merged into
    response = api.post(f"/v1/contacts/{twin}/erase")
    assert response.status_code == 200, response.text
    assert response.json() == {"erased": ada}
    assert api.get(f"/v1/contacts/{ada}").status_code == 404
    assert api.get(f"/v1/contacts/{twin}").status_code == 404
    said = everything_said(api)
    for trace in ("ada@example.com", "augusta@example.com", "Augusta", "Royal Society", "+442079460958"):
        assert trace not in said, trace
    # the history keeps what happened, in its place in the feed; one `erased` event names every id
    ada_events = api.get(f"/v1/contacts/{ada}/events").json()["data"]
    assert [e["action"] for e in ada_events][:2] == ["created", "updated"]
    assert all(e["changes"] == {} and e["before"] is None for e in ada_events if e["action"] != "erased")
    erased = [e for e in api.get("/v1/changes", params={"since": 0, "limit": 200}).json()["data"]
              if e["action"] == "erased"]
    assert [(e["subject_id"], sorted(e["changes"]["ids"])) for e in erased] == [(ada, sorted([ada, twin]))]
    # the review pair and the import note are gone; the namesake and Grace stay as they were
    assert api.get("/v1/duplicates").json()["data"] == []
    outcome = api.get(f"/v1/imports/{job.id}").json()["rows"]["data"][0]
    assert outcome["note"] is None
    # nothing hangs off the erased records in any table (the foreign keys' cascades did their part)
    for table in HANGING:
        for record in (ada, twin):
            assert rows_of(db, database_url, table, workspace.workspace_id, record) == 0, (table, record)
    assert api.get(f"/v1/contacts/{namesake['id']}").status_code == 200
    assert api.get(f"/v1/contacts/{grace}").json()["emails"][0]["address"] == "grace@example.com"
    # a retry of the request that made her does not make her again
    again = api.post("/v1/contacts", json=ADA, headers={"Idempotency-Key": "make-ada"})
    assert again.status_code == 410 and again.json()["error"]["type"] == "gone"


def test_a_deleted_contact_s_history_is_erased_too_and_unknown_ids_are_404(api):
    ada = api.post("/v1/contacts", json=ADA).json()["id"]
    assert api.delete(f"/v1/contacts/{ada}").status_code == 204
    assert "ada@example.com" in everything_said(api)  # a delete keeps the history
    assert api.post(f"/v1/contacts/{ada}/erase").json() == {"erased": ada}
    assert "ada@example.com" not in everything_said(api)
    # asked again: the same answer, and no second `erased` event on the feed
    assert api.post(f"/v1/contacts/{ada}/erase").json() == {"erased": ada}
    actions = [e["action"] for e in api.get(f"/v1/contacts/{ada}/events").json()["data"]]
    assert actions == ["created", "deleted", "erased"]
    assert api.post(f"/v1/contacts/{uuid.uuid4()}/erase").status_code == 404
    assert api.post("/v1/contacts/nope/erase").status_code == 404


def test_a_person_once_merged_into_another_and_taken_out_leaves_nothing_in_its_history(api):
    keep = api.post("/v1/contacts", json={"first_name": "Keep", "emails": ["keep@example.com"]}).json()["id"]
    gone = api.post("/v1/contacts", params={"on_duplicate": "create"},
                    json={"first_name": "Wilhelmina", "last_name": "Gonesworth", "emails": ["wg@example.com"],
                          "notes": "privnote-1"}).json()["id"]
    api.post(f"/v1/contacts/{keep}/merge", json={"from": gone})
    api.post(f"/v1/contacts/{keep}/unmerge", json={"from": gone})
    assert "Gonesworth" in everything_said(api)
    assert api.post(f"/v1/contacts/{gone}/erase").status_code == 200
    said = everything_said(api)
    assert "Gonesworth" not in said and "wg@example.com" not in said and "privnote-1" not in said
    assert api.get(f"/v1/contacts/{keep}").json()["first_name"] == "Keep"  # the other person stays


def test_what_another_contact_recorded_of_a_record_it_held_goes(api):
    """Fay merged into Olga, Olga's phones (Fay's among them) cleared, Fay taken out again:
    Olga's `updated` event recorded Fay's phone; erasing Fay empties it, not Olga's others."""
    olga = api.post("/v1/contacts", json={"first_name": "Olga", "emails": ["olga@example.com"]}).json()["id"]
    fay = api.post("/v1/contacts", json={"first_name": "Fay", "emails": ["fay@erase.example.com"],
                                         "phones": ["+14155550177"]}).json()["id"]
    api.post(f"/v1/contacts/{olga}/merge", json={"from": fay})
    assert api.patch(f"/v1/contacts/{olga}", json={"phones": []}).status_code == 200
    assert api.patch(f"/v1/contacts/{olga}", json={"notes": "olga's own"}).status_code == 200
    api.post(f"/v1/contacts/{olga}/unmerge", json={"from": fay})
    assert "4155550177" in everything_said(api)

    assert api.post(f"/v1/contacts/{fay}/erase").status_code == 200

    said = everything_said(api)
    assert "4155550177" not in said and "fay@erase.example.com" not in said
    kept = [e["changes"] for e in api.get(f"/v1/contacts/{olga}/events").json()["data"] if e["action"] == "updated"]
    assert {"notes": [None, "olga's own"]} in kept  # what said nothing of Fay stays


def test_import_notes_naming_the_person_go(api, db, workspace, tmp_path, database_url):
    """A row created beside the person and queued with them (review) named them in its note."""
    erin = api.post("/v1/contacts", json={"first_name": "Erin", "emails": ["erin@erase.example.com"]}).json()["id"]
    actor = Actor(workspace.workspace_id, workspace.key_id, "cli")
    job, rows = import_file(db, actor, tmp_path, database_url, "Name,Email\nNiamh Other,erin@erase.example.com\n",
                            "r.csv", on_duplicate="review")
    assert erin in (rows[0].note or "")

    assert api.post(f"/v1/contacts/{erin}/erase").status_code == 200

    outcomes = api.get(f"/v1/imports/{job.id}").json()["rows"]["data"]
    assert outcomes[0]["status"] == rows[0].status and erin not in json.dumps(outcomes)
    assert "erin@erase.example.com" not in json.dumps(outcomes)


def test_a_read_only_key_cannot_erase(api, client, read_only_key):
    ada = api.post("/v1/contacts", json=ADA).json()["id"]
    response = client.post(f"/v1/contacts/{ada}/erase", headers={"Authorization": f"Bearer {read_only_key}"})
    assert response.status_code == 403
    assert api.get(f"/v1/contacts/{ada}").status_code == 200


def test_erasing_a_record_already_erased_with_its_person_sends_no_second_event(api):
    p = api.post("/v1/contacts", json={"first_name": "Pee", "emails": ["p@example.com"]}).json()["id"]
    q = api.post("/v1/contacts", json={"first_name": "Queue", "emails": ["q@example.com"]}).json()["id"]
    api.post(f"/v1/contacts/{p}/merge", json={"from": q})
    assert api.post(f"/v1/contacts/{q}/erase").json() == {"erased": p}  # the person q is part of now
    feed = api.get("/v1/changes", params={"since": 0, "limit": 200}).json()["data"]
    # asked again, through either id: the same answer, and no second event
    assert api.post(f"/v1/contacts/{q}/erase").json() == {"erased": p}
    assert api.post(f"/v1/contacts/{p}/erase").json() == {"erased": p}
    again = api.get("/v1/changes", params={"since": 0, "limit": 200}).json()["data"]
    assert [e["action"] for e in again].count("erased") == 1 and len(again) == len(feed)


def test_rows_an_import_refused_that_hold_the_person_s_email_or_phone_are_emptied(
        api, db, workspace, tmp_path, database_url):
    ada = api.post("/v1/contacts", json=ADA).json()["id"]
    actor = Actor(workspace.workspace_id, workspace.key_id, "cli")
    refused = ("Name,Email,Phone,Notes\n"
               "Ada L,ADA@example.com,not a phone,her email\n"  # 0: refused, holds her email (another case)
               "Lady Lovelace,nope,020 7946 0958,her phone as a British file writes it\n"  # 1: her phone, national
               "Bob,bob@example.com,not a phone,someone else\n")  # 2: refused, not hers
    job, rows = import_file(db, actor, tmp_path, database_url, refused, "refused.csv")
    assert [r.status for r in rows.values()] == ["invalid", "invalid", "invalid"]
    before = api.get(f"/v1/imports/{job.id}/rejected.csv").text
    assert "ADA@example.com" in before and "020 7946 0958" in before

    assert api.post(f"/v1/contacts/{ada}/erase").status_code == 200

    lines = api.get(f"/v1/imports/{job.id}/rejected.csv").text.splitlines()
    assert lines[0] == "row_index,Name,Email,Phone,Notes,errors"
    assert [line.split(",")[:5] for line in lines[1:]] == [
        ["0", "", "", "", ""], ["1", "", "", "", ""], ["2", "Bob", "bob@example.com", "not a phone", "someone else"]]
    assert "Lovelace" not in "\n".join(lines) and "her email" not in "\n".join(lines)
    # their outcome and faults stay: the job's counts still add up
    outcomes = api.get(f"/v1/imports/{job.id}").json()["rows"]["data"]
    assert [(o["status"], bool(o["errors"])) for o in outcomes] == [("invalid", True)] * 3


def test_a_deleted_person_s_refused_import_rows_are_emptied_when_erased(api, db, workspace, tmp_path, database_url):
    ada = api.post("/v1/contacts", json=ADA).json()["id"]
    assert api.delete(f"/v1/contacts/{ada}").status_code == 204
    actor = Actor(workspace.workspace_id, workspace.key_id, "cli")
    job, _ = import_file(db, actor, tmp_path, database_url, "Name,Email,Phone\nAda,ada@example.com,nope\n", "r.csv")

    assert api.post(f"/v1/contacts/{ada}/erase").status_code == 200

    assert "ada@example.com" not in api.get(f"/v1/imports/{job.id}/rejected.csv").text


def test_a_person_of_thousands_of_records_is_erased_within_sqlite_s_expression_limits(db, workspace):
    """The notes and kept answers naming any of a person's ids were matched with one OR of all
    of them: past 1,000 ids SQLite refuses the statement ("Expression tree is too large")."""
    from contacthub.repositories import erasure as repo

    ids = [uuid.uuid4() for _ in range(1500)]
    with db.write() as session:
        repo.blank_import_notes(session, workspace.workspace_id, ids)
        repo.blank_answers(session, workspace.workspace_id, ids, 410)


def test_a_merge_answer_showing_the_person_and_what_the_survivor_recorded_of_them_go(api, db, database_url):
    """A merge's answer (kept for its Idempotency-Key) shows the survivor holding the person's
    email and phone, under the survivor's id: replayed after the erasure it gave them back; and
    the survivor's history kept the person's notes and address it had held. On SQLite the
    write-ahead log holds no copy of them afterwards."""
    xavier = api.post("/v1/contacts", json={"first_name": "Xavier", "emails": ["xavier@example.com"]}).json()["id"]
    zelda = api.post("/v1/contacts", params={"on_duplicate": "create"}, json={
        "first_name": "Zelda", "emails": ["Zelda.Q@erase.example.org"], "phones": ["+44 7911 123459"],
        "notes": "zeldas-private-note", "addresses": [{"line1": "13 Dulcinea Close", "postal_code": "ZT1 3DC"}]}).json()
    merged = api.post(f"/v1/contacts/{xavier}/merge", json={"from": zelda["id"]}, headers={"Idempotency-Key": "m-1"})
    assert merged.status_code == 200 and "zelda.q@erase.example.org" in merged.text.lower()
    assert api.patch(f"/v1/contacts/{xavier}", json={"notes": "xavier's own", "addresses": []}).status_code == 200
    api.post(f"/v1/contacts/{xavier}/unmerge", json={"from": zelda["id"]})
    assert "Dulcinea" in everything_said(api)

    assert api.post(f"/v1/contacts/{zelda['id']}/erase").status_code == 200

    replay = api.post(f"/v1/contacts/{xavier}/merge", json={"from": zelda["id"]}, headers={"Idempotency-Key": "m-1"})
    assert replay.status_code == 410 and "zelda" not in replay.text.lower() and "7911123459" not in replay.text
    said = everything_said(api)
    assert "Dulcinea" not in said and "zeldas-private-note" not in said and "ZT1 3DC" not in said
    assert api.get(f"/v1/contacts/{xavier}").json()["notes"] == "xavier's own"  # Xavier stays himself
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        for name in (path, path + "-wal"):
            assert not _file_holds(name, b"zeldas-private-note"), name


def _file_holds(path: str, text: bytes) -> bool:
    """Whether the file holds `text`, read by another process: closing a file this process opened
    drops every POSIX lock the process holds on it, its SQLite connections' too, and another
    process then took the store for unused (a killed import's worker found it "malformed")."""
    import subprocess
    import sys

    found = subprocess.run([sys.executable, "-c", "import os, sys; sys.exit(0 if os.path.exists(sys.argv[1]) and "
                            "sys.argv[2].encode() in open(sys.argv[1], 'rb').read() else 1)", path, text.decode()])
    return found.returncode == 0


QUINN = {"first_name": "Quinn", "emails": ["quinn@private.io"], "phones": ["+12025550191"],
         "notes": "quinn private notes"}


def test_a_contact_that_took_her_record_in_through_another_keeps_nothing_of_her(api):
    """Quinn merged into X, X merged into W, then both taken out again: W's `merged` event names
    Quinn only among the records it repointed, yet its before-state held X as it was, her
    email, phone and notes in it; they were left on the feed after her erasure."""
    quinn = api.post("/v1/contacts", json=QUINN).json()["id"]
    x = api.post("/v1/contacts", json={"first_name": "Xander"}).json()["id"]
    w = api.post("/v1/contacts", json={"first_name": "Wanda"}).json()["id"]
    assert api.post(f"/v1/contacts/{x}/merge", json={"from": quinn}).status_code == 200
    assert api.post(f"/v1/contacts/{w}/merge", json={"from": x}).status_code == 200
    assert api.post(f"/v1/contacts/{w}/unmerge", json={"from": x}).status_code == 200
    assert api.post(f"/v1/contacts/{x}/unmerge", json={"from": quinn}).status_code == 200
    assert "quinn private notes" in json.dumps(api.get(f"/v1/contacts/{w}/events").json())

    assert api.post(f"/v1/contacts/{quinn}/erase").status_code == 200

    _nothing_of_quinn_said(api, absorbers=(w,))
    assert api.get(f"/v1/contacts/{w}").json()["first_name"] == "Wanda"  # W and X stay themselves
    assert api.get(f"/v1/contacts/{x}").json()["first_name"] == "Xander"


def test_her_values_go_from_every_contact_of_a_deeper_chain_and_from_what_they_recorded_meanwhile(api):
    """Quinn into X, X into W, W into V: V's `merged` event names her among the repointed
    records; V, holding her phone meanwhile, cleared it (its `updated` event said it). Every
    one of them is taken apart again, then she is erased."""
    quinn = api.post("/v1/contacts", json=QUINN).json()["id"]
    x, w, v = (api.post("/v1/contacts", json={"first_name": name}).json()["id"] for name in ("Xander", "Wanda", "Vera"))
    for survivor, loser in ((x, quinn), (w, x), (v, w)):
        assert api.post(f"/v1/contacts/{survivor}/merge", json={"from": loser}).status_code == 200
    assert api.patch(f"/v1/contacts/{v}", json={"phones": [], "title": "Editor"}).status_code == 200
    for survivor, loser in ((v, w), (w, x), (x, quinn)):
        assert api.post(f"/v1/contacts/{survivor}/unmerge", json={"from": loser}).status_code == 200
    assert "2025550191" in json.dumps(api.get(f"/v1/contacts/{v}/events").json())

    assert api.post(f"/v1/contacts/{quinn}/erase").status_code == 200

    _nothing_of_quinn_said(api, absorbers=(x, w, v))
    assert api.get(f"/v1/contacts/{v}").json()["title"] == "Editor"


def _nothing_of_quinn_said(api, absorbers) -> None:
    """No trace of Quinn anywhere the API says anything, and each of the `absorbers`' `merged`
    events (each took her record in, directly or inside another) says only that it happened."""
    said = everything_said(api)
    for trace in ("quinn@private.io", "2025550191", "quinn private notes"):
        assert trace not in said, trace
    for absorber in absorbers:
        merged = [e for e in api.get(f"/v1/contacts/{absorber}/events").json()["data"] if e["action"] == "merged"]
        assert [(e["changes"], e["before"]) for e in merged] == [({}, None)], absorber
