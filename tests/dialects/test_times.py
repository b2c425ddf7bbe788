"""Dates and times through every door: an instant is kept and shown in UTC whatever offset wrote
it or zone the database runs in; one that cannot be is the door's own 4xx, never a 500."""

import uuid

import pytest
from fastapi.testclient import TestClient

from contacthub.core.actor import Actor
from tests.dialects.test_across_doors import Doors
from tests.importfiles import import_file

# its UTC is in year 0 or 10000: Python's datetime cannot hold it
OUT_OF_RANGE = ["0001-01-01T00:00:00+05:30", "9999-12-31T23:00:00-05:00"]


@pytest.fixture
def doors(app, workspace) -> Doors:
    doors = Doors(app, workspace)
    for key in ("seen", "count"):
        kind = "datetime" if key == "seen" else "integer"
        response = doors.native.post("/v1/attribute-definitions", json={"key": key, "type": kind})
        assert response.status_code == 201, response.text
    return doors


def _contacts(doors) -> int:
    return len(doors.native.get("/v1/contacts").json()["data"])


@pytest.mark.parametrize("moment", OUT_OF_RANGE)
def test_an_instant_out_of_range_in_utc_is_refused_by_every_door(doors, moment):
    source = doors.cm.post("/v1/data_sources", json={"name": "Billing"}).json()["uuid"]
    writes = {
        "native": lambda: doors.native.post("/v1/contacts", json={"first_name": "A", "attributes": {"seen": moment}}),
        "bird": lambda: doors.bird.post(f"{doors.bird_base}/contacts",
                                        json={"displayName": "A", "attributes": {"seen": moment}}),
        "packagex": lambda: doors.px.post("/packagex/v1/contacts", json={"name": "A", "metadata": {"seen": moment}}),
        "chartmogul lead date": lambda: doors.cm.post("/v1/customers", json={
            "data_source_uuid": source, "external_id": "c1", "name": "A", "lead_created_at": moment}),
        "native account": lambda: doors.native.post("/v1/accounts", json={
            "data_source_id": source.removeprefix("ds_"), "external_id": "c2", "name": "A",
            "extra": {"lead_created_at": moment}}),
    }
    for door, write in writes.items():
        response = write()
        assert 400 <= response.status_code < 500, (door, response.status_code, response.text)
    assert _contacts(doors) == 0
    assert doors.cm.get("/v1/customers").json()["entries"] == []


def test_an_import_row_with_an_instant_out_of_range_is_one_invalid_row(doors, db, workspace, database_url, tmp_path):
    actor = Actor(uuid.UUID(str(workspace.workspace_id)), None, "native")
    content = ("Name,Email,metadata.seen\n"
               "Ada,ada@example.com,2024-06-01T10:00:00+05:30\n"
               "Bad,bad@example.com,0001-01-01T00:00:00+05:30\n"
               "Grace,grace@example.com,\n")
    job, rows = import_file(db, actor, tmp_path, database_url, content, "times.csv")
    assert (job.status, job.created, job.invalid) == ("succeeded", 2, 1)
    assert rows[1].status == "invalid" and "out of range" in str(rows[1].errors)
    [ada] = doors.native.get("/v1/contacts", params={"email": "ada@example.com"}).json()["data"]
    assert ada["attributes"]["seen"] == "2024-06-01T04:30:00Z"


def test_a_datetime_attribute_filter_finds_the_instant_whatever_offset_names_it(doors):
    ada = doors.native_create({"first_name": "Ada", "attributes": {"seen": "2024-06-01T10:00:00+05:30", "count": 7}})
    for written in ("2024-06-01T10:00:00+05:30", "2024-06-01T04:30:00Z", "2024-06-01T04:30:00+00:00",
                    "2024-06-01T04:30:00"):
        found = doors.native.get("/v1/contacts", params={"attributes.seen": written}).json()["data"]
        assert [c["id"] for c in found] == [ada], written
    assert [c["id"] for c in doors.native.get("/v1/contacts", params={"attributes.count": "007"}).json()["data"]] == [ada]
    refused = doors.native.get("/v1/contacts", params={"attributes.seen": "last tuesday"})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "attributes.seen"
    assert doors.native.get("/v1/export", params={"attributes.seen": "2024-06-01T10:00:00+05:30"}).text.count("\n") == 1


def test_chartmogul_lead_dates_are_iso_8601_not_seconds_since_1970(doors):
    source = doors.cm.post("/v1/data_sources", json={"name": "Billing"}).json()["uuid"]
    created = doors.cm.post("/v1/customers", json={"data_source_uuid": source, "external_id": "c1", "name": "A",
                                                   "lead_created_at": "20240101"})
    assert created.status_code == 201, created.text
    assert created.json()["lead_created_at"] == "2024-01-01T00:00:00.000Z"  # was 1970-08-23
    lower = doors.cm.post("/v1/customers", json={"data_source_uuid": source, "external_id": "c0", "name": "Z",
                                                 "lead_created_at": "2024-01-01t10:00:00z"})  # ISO 8601 too
    assert lower.status_code == 201 and lower.json()["lead_created_at"] == "2024-01-01T10:00:00.000Z", lower.text
    for bad in (-1, 1704067200, "1704067200", "soon"):
        refused = doors.cm.post("/v1/customers", json={"data_source_uuid": source, "external_id": "c2", "name": "B",
                                                       "lead_created_at": bad})
        assert refused.status_code in (400, 422), (bad, refused.text)
    assert [c["external_id"] for c in doors.cm.get("/v1/customers").json()["entries"]] == ["c1", "c0"]


def test_a_lead_date_before_year_1000_reads_back_in_every_door(doors):
    source = doors.cm.post("/v1/data_sources", json={"name": "Billing"}).json()["uuid"]
    created = doors.cm.post("/v1/customers", json={"data_source_uuid": source, "external_id": "c1", "name": "A",
                                                   "lead_created_at": "0999-06-01T00:00:00Z"})
    assert created.status_code == 201, created.text
    uuid_ = created.json()["uuid"]
    assert doors.cm.get(f"/v1/customers/{uuid_}").json()["lead_created_at"] == "0999-06-01T00:00:00.000Z"
    [account] = doors.native.get("/v1/accounts").json()["data"]
    assert account["extra"]["lead_created_at"] == "0999-06-01T00:00:00.000Z"


def test_native_birth_dates_are_dates_not_numbers(doors):
    made = doors.native.post("/v1/contacts", json={"first_name": "Ada", "birth_date": "19900517"})
    assert made.status_code == 201, made.text
    assert made.json()["birth_date"] == "1990-05-17"
    for number in (0, 1704067200, "1704067200"):
        refused = doors.native.post("/v1/contacts", json={"first_name": "Bo", "birth_date": number})
        assert refused.status_code == 422, (number, refused.text)
    assert _contacts(doors) == 1


def test_packagex_order_by_created_at_follows_the_restored_times(doors, db, workspace, database_url, tmp_path):
    import json

    actor = Actor(uuid.UUID(str(workspace.workspace_id)), None, "native")
    lines = [{"kind": "person", "first_name": name, "created_at": moment, "updated_at": moment}
             for name, moment in (("Late", "2020-01-01T00:00:00Z"), ("Early", "1990-01-01T00:00:00Z"),
                                  ("Middle", "2010-01-01T00:00:00Z"))]
    job, _ = import_file(db, actor, tmp_path, database_url, "\n".join(map(json.dumps, lines)), "backup.jsonl")
    assert job.created == 3
    for direction, expected in (("asc", ["Early", "Middle", "Late"]), ("desc", ["Late", "Middle", "Early"])):
        page = doors.px.get("/packagex/v1/contacts", params={"order_by": "created_at", "direction": direction}).json()
        assert [c["name"] for c in page["data"]] == expected


def test_a_restored_line_with_impossible_times_is_an_invalid_row(doors, db, workspace, database_url, tmp_path):
    import json

    actor = Actor(uuid.UUID(str(workspace.workspace_id)), None, "native")
    lines = [{"first_name": "Future", "created_at": "2999-01-01T00:00:00Z"},
             {"first_name": "Backwards", "created_at": "2020-01-01T00:00:00Z", "updated_at": "2010-01-01T00:00:00Z"},
             {"first_name": "Fine", "created_at": "2010-01-01T00:00:00+02:00", "updated_at": "2020-01-01T00:00:00Z"}]
    job, rows = import_file(db, actor, tmp_path, database_url, "\n".join(map(json.dumps, lines)), "backup.jsonl")
    assert (job.created, job.invalid) == (1, 2)
    assert [e["reason"] for e in rows[0].errors] == ["is in the future"]
    assert [(e["field"], e["reason"]) for e in rows[1].errors] == [("updated_at", "is before created_at")]
    [fine] = doors.native.get("/v1/contacts").json()["data"]
    assert fine["created_at"] == "2009-12-31T22:00:00Z"


def test_event_changes_write_times_as_the_rest_of_the_api(doors):
    ada = doors.native_create({"first_name": "Ada", "attributes": {"seen": "2024-06-01T10:00:00+05:30"}})
    events = doors.native.get(f"/v1/contacts/{ada}/events").json()["data"]
    text = str(events)
    assert "+00:00" not in text and "2024-06-01T04:30:00Z" in text


def test_a_database_in_another_time_zone_shows_times_in_utc(database_url, tmp_path):
    """A PostgreSQL server (or PGTZ) in Asia/Kolkata answered every read with +05:30 (the POST
    said Z), and vCard's REV wrote the local time with a Z."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps no time zone")
    import sqlalchemy as sa

    from contacthub.app import create_app
    from contacthub.core import workspaces
    from contacthub.db.engine import Database
    from contacthub.settings import Settings

    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    name = admin.url.database
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET timezone TO \'Asia/Kolkata\''))
    try:
        db = Database(database_url)
        with db.write() as session:
            key = workspaces.create_workspace(session).api_key
        client = TestClient(create_app(Settings(database_url=database_url), db),
                            headers={"Authorization": f"Bearer {key}"})
        made = client.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@example.com"]}).json()
        read = client.get(f"/v1/contacts/{made['id']}").json()
        assert read["created_at"] == made["created_at"] and read["created_at"].endswith("Z")
        listed = client.get("/v1/contacts").json()["data"][0]
        assert listed["updated_at"] == made["updated_at"]
        vcard = client.get("/v1/export", params={"format": "vcf"}).text
        rev = next(line for line in vcard.splitlines() if line.startswith("REV:"))
        assert rev == "REV:" + made["updated_at"][:19].replace("-", "").replace(":", "") + "Z"
        db.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" RESET timezone'))
        admin.dispose()
