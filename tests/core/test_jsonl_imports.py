"""JSONL files through the import pipeline: a line a contact in the native API's shape, as
`contacthub export --format jsonl` writes it, so an export restores into any workspace."""

import base64
import json
import uuid

import pytest

from contacthub.core import accounts, contacts, groups, import_jobs, lists, organizations, workspaces
from contacthub.core.actor import Actor
from contacthub.core.attributes import DefinitionInput, create_definition
from contacthub.core.errors import InvalidInput
from contacthub.core.imports import ImportOptions, SourceSpec
from contacthub.core.inputs import ContactInput, WriteOptions
from contacthub.dialects.native.exports import contacts_and_groups, write
from contacthub.dialects.native.schemas import render_contact
from contacthub.repositories.contacts import ContactFilter
from contacthub.settings import Settings
from tests.importfiles import import_file

RICH = {
    "kind": "person", "prefix": "Hon.", "first_name": "Ada", "middle_name": "Augusta", "last_name": "Lovelace",
    "nickname": "Enchantress", "salutation": "Dear Ada", "title": "Countess", "employer": "Analytical Engines",
    "occupation": "Mathematician", "birth_date": "1815-12-10", "notes": "Met at the\nRoyal Society",
    "emails": [{"address": "ada@work.example", "type": "work", "properties": {"doNotEmail": True}},
               {"address": "ada@example.com", "type": "home", "primary": True}],
    "phones": [{"number": "+44 20 7946 0018", "type": "mobile", "primary": True},
               {"number": "+44 20 7946 0019", "extension": "42", "type": "work"}],
    "identifiers": [{"key": "stripe", "value": "cus_123", "properties": {"livemode": True}}],
    "addresses": [{"line1": "12 St James Square", "city": "London", "postal_code": "SW1Y 4JH", "country": "GB",
                   "type": "home", "primary": True, "properties": {"verified": "2024-01-01"}},
                  {"line1": "1 Engine Row", "city": "Cambridge", "type": "work"}],
    "social": {"linkedin": "https://www.linkedin.com/in/ada"},
    "attributes": {"tier": "gold", "score": 42, "prefs": {"tea": "earl grey"}},
    "extra": {"chartmogul": {"custom": 1}},
}


@pytest.fixture
def elsewhere(db) -> Actor:
    """A second, empty workspace: where an export is restored."""
    return fresh_workspace(db)


@pytest.fixture
def run(db, tmp_path, database_url):
    def go(who: Actor, content: str | bytes, name="contacts.jsonl", **options):
        return import_file(db, who, tmp_path, database_url, content, name, **options)
    return go


def exported(db, who: Actor) -> str:
    """The workspace as `contacthub export --format jsonl` writes it."""
    return "".join(write("jsonl", contacts_and_groups(db, who)))


def fresh_workspace(db) -> Actor:
    with db.write() as session:
        made = workspaces.create_workspace(session, f"restore-{uuid.uuid4().hex[:8]}")
    return Actor(made.workspace_id, made.key_id, "cli")


def stored_views(db, who: Actor):
    with db.read() as session:
        return contacts.list_page(session, who, ContactFilter(), None, 200).items


def stored(db, who: Actor) -> dict[str, dict]:
    """Every contact of the workspace as the native API renders it, by id."""
    with db.read() as session:
        views = contacts.list_page(session, who, ContactFilter(), None, 200).items
    return {body["id"]: body for body in map(render_contact, views)}


def test_an_export_restores_into_another_workspace_whole(db, actor, elsewhere, run):
    with db.write() as session:
        vip = lists.create(session, actor, lists.ListInput(name="VIP"))
        ada = contacts.create(session, actor, ContactInput(**RICH, lists=[vip.id]))
        babbage = contacts.create(session, actor, ContactInput(kind="organization", organization_name="Babbage & Co",
                                                               phones=[{"number": "+44 20 7946 0100"}]))
        group = contacts.create(session, actor, ContactInput(kind="group", display_name="Friends"),
                                WriteOptions(on_duplicate="create"))
        groups.set_members(session, actor, group.id, [ada.id, babbage.id], [babbage.id])
    original = stored(db, actor)
    # a phone's extension, and the properties of identifiers and addresses, are shown: a restore
    # compares them too
    assert original[str(ada.id)]["phones"][1]["extension"] == "42"
    assert original[str(ada.id)]["identifiers"][0]["properties"] == {"livemode": True}
    assert original[str(ada.id)]["addresses"][0]["properties"] == {"verified": "2024-01-01"}

    job, rows = run(elsewhere, exported(db, actor))

    assert (job.status, job.format, job.created, job.invalid) == ("succeeded", "jsonl", 3, 0), rows
    restored = stored(db, elsewhere)
    # every contact under its own id, creation and change times, every field (address ids too) as it was; the
    # list is the first workspace's
    # (left out, and said so on the row), the group and its members came along by name
    assert set(restored) == set(original)
    original[str(ada.id)]["lists"] = []
    assert restored == original
    ada_row = next(r for r in rows.values() if r.contact_id == ada.id)
    assert ada_row.note == f"left out, not in this workspace: list {vip.id}"
    with db.read() as session:
        assert groups.names_holding(session, elsewhere, [ada.id, babbage.id]) == {
            ada.id: ["Friends"], babbage.id: ["Friends"]}
        # the group's primary contact stays its primary contact (the export's `primary_in`)
        restored_group = contacts.resolve_ids(session, elsewhere, [group.id])[group.id]
        members = groups.members(session, elsewhere, [restored_group])[restored_group]
        assert (set(members.children), members.primary) == ({ada.id, babbage.id}, [babbage.id])
        again = contacts.get(session, elsewhere, ada.id)
    assert {e.value: e.properties for e in again.emails} == {"ada@work.example": {"doNotEmail": True},
                                                            "ada@example.com": {}}
    assert again.extra == {"chartmogul": {"custom": 1}}  # the vendor doors' fields, which the API does not show
    assert again.display_name is None  # the export's display name was only the name's parts joined


def test_contacts_that_share_an_email_or_a_data_source_restore_as_the_contacts_they_were(
        db, actor, elsewhere, run):
    """The exporting store had resolved its people: two of its contacts sharing an email (a
    household's, written with on_duplicate=create) or a data source's identifier stay two."""
    with db.write() as session:
        source = accounts.create_data_source(session, actor, accounts.DataSourceInput(name="billing"))
        shared = {"emails": [{"address": "quill@example.com"}], "identifiers": [{"key": "data_source", "value": str(source.id)}]}
        made = [contacts.create(session, actor, ContactInput(first_name=name, last_name="Quill", **shared),
                                WriteOptions(on_duplicate="create")).id for name in ("Peter", "Gamora")]
        made.append(contacts.create(session, actor, ContactInput(  # the data source's identifier alone
            first_name="Rocket", emails=[{"address": "rocket@example.com"}], identifiers=shared["identifiers"])).id)
    assert {c.id for c in stored_views(db, actor)} == set(made)

    for match in ("exact", "fuzzy"):
        target = elsewhere if match == "exact" else fresh_workspace(db)
        job, rows = run(target, exported(db, actor), match=match)
        assert (job.created, job.merged, job.review) == (3, 0, 0), [(r.status, r.note) for r in rows.values()]
        assert {(c.id, c.first_name) for c in stored_views(db, target)} == {
            (made[0], "Peter"), (made[1], "Gamora"), (made[2], "Rocket")}

    # the same file again: each line is its own contact again, nothing merged across
    job, rows = run(elsewhere, exported(db, actor))
    assert (job.created, job.merged) == (0, 3), [(r.status, r.note) for r in rows.values()]
    assert {r.contact_id for r in rows.values()} == set(made)


def test_an_export_restores_organizations_and_their_members(db, actor, elsewhere, run):
    with db.write() as session:
        ada = contacts.create(session, actor, ContactInput(first_name="Ada", emails=[{"address": "ada@example.com"}]))
        acme = contacts.create(session, actor, ContactInput(kind="organization", organization_name="Acme"))
        grace = contacts.create(session, actor, ContactInput(first_name="Grace"))
        organizations.set_members(session, actor, acme.id, [ada.id, grace.id])
    # members' lines before their organization's (a restore must read the organization first)
    backup = "".join(sorted(exported(db, actor).splitlines(keepends=True), key=lambda line: '"organization"' in line))
    assert {json.loads(line)["id"]: json.loads(line)["organizations"] for line in backup.splitlines()} == {
        str(ada.id): [str(acme.id)], str(grace.id): [str(acme.id)], str(acme.id): []}
    assert json.loads(backup.splitlines()[-1])["id"] == str(acme.id)

    job, rows = run(elsewhere, backup)
    assert (job.created, job.invalid) == (3, 0), rows
    assert all(r.note is None for r in rows.values()), [r.note for r in rows.values()]
    with db.read() as session:
        assert set(organizations.members(session, elsewhere, acme.id)) == {ada.id, grace.id}

    # a line naming an organization this workspace lacks (or a contact that is none) still imports
    unknown = uuid.uuid4()
    line = {"first_name": "Alan", "organizations": [str(unknown), str(ada.id)]}
    job, rows = run(elsewhere, json.dumps(line) + "\n")
    assert job.created == 1
    assert rows[0].note == f"left out, not in this workspace: organization {unknown}, {ada.id}"
    bad = run(elsewhere, json.dumps({"first_name": "Bad", "organizations": ["nope"]}) + "\n")[1][0]
    assert bad.status == "invalid" and bad.errors[0]["field"] == "organizations[0]"


def test_an_address_id_held_here_is_made_anew_and_a_bad_change_time_is_refused(db, actor, run):
    with db.write() as session:
        ada = contacts.create(session, actor, ContactInput(**RICH))
    line = json.loads(exported(db, actor))
    twin = dict(line, id=str(uuid.uuid4()), emails=[{"address": "twin@example.com"}], phones=[], identifiers=[],
                first_name="Twin")
    broken = dict(twin, id=str(uuid.uuid4()), emails=[{"address": "broken@example.com"}], updated_at="yesterday")
    job, rows = run(actor, json.dumps(twin) + "\n" + json.dumps(broken) + "\n")
    assert (job.created, job.invalid) == (1, 1), rows
    assert next(r for r in rows.values() if r.status == "invalid").errors[0]["field"] == "updated_at"
    made = stored(db, actor)[twin["id"]]
    assert made["updated_at"] == line["updated_at"]
    held = {a.id for a in ada.addresses}
    assert len(made["addresses"]) == 2 and not held & {uuid.UUID(a["id"]) for a in made["addresses"]}
    assert [a["line1"] for a in stored(db, actor)[str(ada.id)]["addresses"]] == [a["line1"] for a in made["addresses"]]


def test_importing_a_workspace_s_own_export_changes_nothing(db, actor, run):
    with db.write() as session:
        contacts.create(session, actor, ContactInput(**RICH))
        contacts.create(session, actor, ContactInput(first_name="Grace", emails=[{"address": "grace@example.com"}]))
    before = stored(db, actor)
    job, rows = run(actor, exported(db, actor))
    assert (job.created, job.merged) == (0, 2), rows
    assert {r.note for r in rows.values()} == {f"merged: matches contact {r.contact_id} by id {r.contact_id}"
                                               for r in rows.values()}
    assert stored(db, actor) == before


def test_a_line_matching_a_contact_by_email_or_identifier_fills_it_in(db, actor, run):
    with db.write() as session:
        ada = contacts.create(session, actor, ContactInput(first_name="Ada", emails=[{"address": "ada@example.com"}]))
        grace = contacts.create(session, actor, ContactInput(
            first_name="Grace", identifiers=[{"key": "stripe", "value": "cus_9"}]))
    lines = [
        # no id: matched by its email (an initial is no other first name); fills the empty last
        # name, adds a phone and an identifier
        {"first_name": "A.", "last_name": "Lovelace", "emails": [{"address": "ADA@example.com"}],
         "phones": [{"number": "+44 20 7946 0018"}], "identifiers": [{"key": "stripe", "value": "cus_1"}]},
        # an id unknown here, matched by an identifier within its key
        {"id": str(uuid.uuid4()), "last_name": "Hopper", "identifiers": [{"key": "stripe", "value": "cus_9"}]},
        # the same value under another key is another identifier: a new contact
        {"first_name": "Alan", "identifiers": [{"key": "hubspot", "value": "cus_9"}]},
    ]
    job, rows = run(actor, "".join(json.dumps(line) + "\n" for line in lines))
    assert (job.created, job.merged, job.invalid) == (1, 2, 0), rows
    assert [rows[i].contact_id for i in (0, 1)] == [ada.id, grace.id]
    assert rows[1].note == f"merged: matches contact {grace.id} by identifier stripe=cus_9"
    with db.read() as session:
        ada_now = contacts.get(session, actor, ada.id)
        grace_now = contacts.get(session, actor, grace.id)
    assert (ada_now.first_name, ada_now.last_name) == ("Ada", "Lovelace")  # a merge fills, never overwrites
    assert [p.normalized for p in ada_now.phones] == ["+442079460018"]
    assert [(i.key, i.value) for i in ada_now.identifiers] == [("stripe", "cus_1")]
    assert grace_now.last_name == "Hopper"


def test_a_line_merging_into_a_stored_contact_brings_everything_it_carries(db, actor, elsewhere, run):
    with db.write() as session:
        vip = lists.create(session, actor, lists.ListInput(name="VIP"))
        press = lists.create(session, actor, lists.ListInput(name="Press"))
        source = accounts.create_data_source(session, actor, accounts.DataSourceInput(name="Billing"))
        acme = accounts.create_account(session, actor, accounts.AccountInput(data_source_id=source.id,
                                                                             external_id="acme"))
        ada = contacts.create(session, actor, ContactInput(
            first_name="Ada", emails=[{"address": "ada@example.com", "properties": {"verified": True}}],
            identifiers=[{"key": "stripe", "value": "cus_1"}], lists=[press.id], extra={"bird": {"a": 1}}))
    gone = uuid.uuid4()
    line = {"id": str(ada.id), "first_name": "Augusta",
            "emails": [{"address": "ADA@example.com", "properties": {"doNotEmail": True, "verified": False}}],
            "phones": [{"number": "+44 20 7946 0018", "type": "mobile", "properties": {"sms": False}}],
            "identifiers": [{"key": "stripe", "value": "cus_1", "properties": {"live": True}},
                            {"key": "hubspot", "value": "h-7", "properties": {"portal": 3}}],
            "lists": [str(vip.id), str(gone)], "accounts": [{"id": str(acme.id)}],
            "extra": {"bird": {"a": 2}, "ngpvan": {"vanId": 9}}}
    job, rows = run(actor, json.dumps(line) + "\n")

    assert (job.merged, job.invalid) == (1, 0), rows
    assert rows[0].note == f"merged: matches contact {ada.id} by id {ada.id}; left out, not in this workspace: list {gone}"
    with db.read() as session:
        now = contacts.get(session, actor, ada.id)
    assert now.first_name == "Ada"  # a merge fills, never overwrites
    # a stored point keeps its own properties and gains the keys it lacked; new points bring theirs
    assert [(e.value, e.properties) for e in now.emails] == [("ada@example.com", {"verified": True, "doNotEmail": True})]
    assert [(p.normalized, p.type, p.properties) for p in now.phones] == [("+442079460018", "mobile", {"sms": False})]
    assert [(i.key, i.value, i.properties) for i in now.identifiers] == [
        ("stripe", "cus_1", {"live": True}), ("hubspot", "h-7", {"portal": 3})]
    assert set(now.list_ids) == {press.id, vip.id}
    assert [a.id for a in now.accounts] == [acme.id]
    assert now.extra == {"bird": {"a": 1}, "ngpvan": {"vanId": 9}}

    # the same line again changes nothing: everything it carries is already there
    before = stored(db, actor)
    job, rows = run(actor, json.dumps(line) + "\n")
    assert job.merged == 1 and stored(db, actor) == before


def test_duplicates_inside_the_file_follow_the_policy(db, actor, run):
    ada_id = str(uuid.uuid4())
    lines = [{"id": ada_id, "first_name": "Ada", "emails": [{"address": "ada@example.com"}]},
             {"first_name": "Ada", "last_name": "Lovelace", "emails": [{"address": "ada@example.com"}]},
             {"id": ada_id, "nickname": "Countess"}]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    job, rows = run(actor, text)
    assert (job.created, job.merged) == (1, 2), [(r.status, r.note, r.errors) for r in rows.values()]
    with db.read() as session:
        ada = contacts.get(session, actor, uuid.UUID(ada_id))
    assert (ada.first_name, ada.last_name, ada.nickname) == ("Ada", "Lovelace", "Countess")

    job, rows = run(actor, text, on_duplicate="skip")
    assert (job.created, job.skipped) == (0, 3), rows
    job, rows = run(actor, text, on_duplicate="create")
    assert job.created == 3, rows
    made = {r.contact_id for r in rows.values()}
    assert len(made) == 3 and uuid.UUID(ada_id) not in made  # the id is taken: the copies get their own


def test_a_line_may_write_emails_and_phones_as_plain_strings_as_the_api_takes_them(db, actor, run):
    job, rows = run(actor, json.dumps({"first_name": "J", "emails": ["j@example.com"], "phones": ["+1 202 555 0100"]})
                    + "\n")
    assert (job.created, job.invalid) == (1, 0), [(r.status, r.errors) for r in rows.values()]
    with db.read() as session:
        [made] = contacts.list_page(session, actor, ContactFilter(), None, 10).items
    assert ([e.value for e in made.emails], [p.normalized for p in made.phones]) == (["j@example.com"], ["+12025550100"])


def test_bad_lines_are_invalid_rows_and_the_others_import(db, actor, run):
    with db.write() as session:
        create_definition(session, actor, DefinitionInput(key="age", type="integer"))
    content = "\n".join([
        json.dumps({"first_name": "Ada", "emails": [{"address": "ada@example.com"}]}),
        "",
        "not json",
        "[1, 2]",
        json.dumps({"first_name": "B", "emails": [{"address": "b@"}]}),
        json.dumps({"first_name": "C", "favourite": "tea"}),
        json.dumps({"id": "not-a-uuid", "first_name": "D"}),
        json.dumps({"first_name": "E", "attributes": {"age": "old"}}),
        json.dumps({"notes": "nobody"}),
        json.dumps({"first_name": "F", "groups": "Friends"}),
        json.dumps({"first_name": "G" * 201, "created_at": "yesterday"}),
        json.dumps({"first_name": "Grace", "phones": [{"number": "+1 202 555 0100"}]}),
    ]) + "\n"
    job, rows = run(actor, content)
    assert (job.created, job.invalid, job.processed) == (2, 9, 11), rows
    assert 1 not in rows  # a blank line: no row, but counted, so an index is its line number less one
    faults = {i: [(e["field"], e["reason"]) for e in r.errors] for i, r in rows.items() if r.status == "invalid"}
    assert faults[2][0][0] == "contact" and faults[2][0][1].startswith("not valid JSON")
    assert faults[3] == [("contact", "each line must be one JSON object: a contact")]
    assert faults[4][0][0] == "emails[0].address"
    assert faults[5] == [("favourite", "Extra inputs are not permitted")]
    assert faults[6] == [("id", "must be a UUID")]
    assert faults[7][0][0] == "attributes.age"  # only the store knows the definition: checked as the API does
    assert faults[8] == [("contact", "a contact needs a name, an email, a phone or an identifier")]
    assert faults[9] == [("groups", "must be a list of group names")]
    assert [f[0] for f in faults[10]] == ["created_at", "first_name"]
    assert rows[4].raw == [["contact", json.dumps({"first_name": "B", "emails": [{"address": "b@"}]})]]
    with db.read() as session:
        names = {v.first_name for v in contacts.list_page(session, actor, ContactFilter(), None, 50).items}
    assert names == {"Ada", "Grace"}


def test_a_mapping_is_refused_for_jsonl(run, actor):
    job, _ = run(actor, json.dumps({"first_name": "Ada"}) + "\n", mapping={"Name": "first_name"})
    assert job.status == "failed" and "mapping applies to the columns" in job.error


def test_jsonl_is_told_by_its_content_type_or_name(db, actor, database_url):
    line = json.dumps({"first_name": "Ada", "emails": [{"address": "ada@example.com"}]}) + "\n"
    encoded = base64.b64encode(line.encode()).decode()
    job = import_jobs.import_now(db, actor, SourceSpec(data_url=f"data:application/x-ndjson;base64,{encoded}"),
                                 ImportOptions(), Settings(database_url=database_url))
    assert (job.status, job.format, job.created) == ("succeeded", "jsonl", 1)
    array = base64.b64encode(b"[" + line.encode() + b"]").decode()
    with pytest.raises(InvalidInput, match="one contact object per line"):
        import_jobs.import_now(db, actor, SourceSpec(data_url=f"data:application/json;base64,{array}"),
                               ImportOptions(), Settings(database_url=database_url))


# ---------------------------------------------------------------- hostile lines

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.dialects.fuzzing import emails, fuzz, hostile_text, json_values, loose, phones, uuids  # noqa: E402

_lines = st.fixed_dictionaries({}, optional={
    "id": loose(uuids), "created_at": loose(st.datetimes().map(lambda d: d.isoformat()), hostile_text),
    "kind": loose(st.sampled_from(["person", "organization", "group"])),
    "first_name": loose(hostile_text), "display_name": loose(hostile_text),
    "organization_name": loose(hostile_text), "birth_date": loose(st.dates().map(str)),
    "emails": loose(st.lists(st.fixed_dictionaries({"address": emails}), max_size=3)),
    "phones": loose(st.lists(st.fixed_dictionaries({"number": phones}), max_size=3)),
    "identifiers": loose(st.lists(st.fixed_dictionaries({"key": loose(st.sampled_from(["crm", "a b"])),
                                                         "value": hostile_text}), max_size=2)),
    "addresses": loose(st.lists(st.fixed_dictionaries({"id": loose(uuids), "line1": hostile_text}), max_size=2)),
    "attributes": json_values, "social": json_values, "extra": json_values, "groups": json_values,
    "lists": loose(st.lists(uuids, max_size=2)), "accounts": json_values, "unknown": json_values,
})


@fuzz(15)
@given(lines=st.lists(st.one_of(_lines.map(json.dumps), hostile_text, json_values.map(json.dumps)), min_size=1,
                      max_size=6))
def test_any_jsonl_file_imports_without_failing(db, actor, tmp_path, database_url, lines):
    """Whatever the lines hold, the import succeeds and every line is an outcome: created,
    merged, or invalid with its reasons; nothing half-written (the contacts made are whole)."""
    content = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")  # a lone surrogate: bytes no UTF-8 has
    job, rows = import_file(db, actor, tmp_path, database_url, content, "hostile.jsonl")
    assert job.status == "succeeded", job.error
    assert set(rows) <= set(range(len(lines)))
    for row in rows.values():
        assert row.status in ("created", "merged", "invalid")
        assert (row.status == "invalid") == bool(row.errors)
        if row.status != "invalid":
            with db.read() as session:
                assert contacts.get(session, actor, row.contact_id).id == row.contact_id
