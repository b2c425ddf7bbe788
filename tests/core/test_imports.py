"""The import pipeline on both engines: sources, formats, mapping, validation, duplicate
policies, groups, overwrite, and the row outcomes kept on the job."""

import functools
import http.server
import threading
import uuid

import pytest

from contacthub.core import contacts, identity, import_jobs, imports
from contacthub.core.errors import InvalidInput
from contacthub.core.imports import ImportOptions, SourceSpec
from contacthub.core.inputs import ContactInput
from contacthub.repositories.contacts import ContactFilter
from contacthub.settings import Settings
from tests.importfiles import SEED_CSV, data_url, import_file, xlsx_bytes, xlsx_sheets


@pytest.fixture
def run(db, actor, tmp_path, database_url):
    """Imports `content` (written to a file) and answers (job, outcomes by row index)."""
    def go(content, name="contacts.csv", settings=None, **options):
        path = tmp_path / f"{uuid.uuid4().hex}-{name}"
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        job = import_jobs.import_now(db, actor, SourceSpec(path=str(path)), ImportOptions(**options),
                                     settings or Settings(database_url=database_url))
        return job, outcomes(db, actor, job.id)
    return go


def outcomes(db, actor, job_id):
    with db.read() as session:
        return {r.row_index: r for r in import_jobs.row_outcomes(session, actor, job_id, None, -1, 10_000)}


def everyone(db, actor):
    with db.read() as session:
        return contacts.list_page(session, actor, ContactFilter(), None, 200).items


def members_of(db, actor, group_id):
    from sqlalchemy import select

    from contacthub.db.models import Relation

    with db.read() as session:
        return set(session.scalars(select(Relation.to_id).where(
            Relation.workspace_id == actor.workspace_id, Relation.from_id == group_id, Relation.kind == "group_child")))


def test_the_seed_csv_creates_groups_members_and_reports_thor(run, db, actor):
    job, rows = run(SEED_CSV)
    assert job.status == "succeeded"
    assert (job.created, job.invalid, job.processed) == (3, 1, 4)
    assert rows[2].status == "invalid"
    assert rows[2].errors[0]["column"] == "Email" and rows[2].errors[0]["field"] == "email"
    assert dict(rows[2].raw)["Name"] == "Thor"
    people = {v.computed_display_name: v for v in everyone(db, actor)}
    assert set(people) == {"Avengers", "Tony Stark", "Steve Rogers"}
    assert people["Avengers"].kind == "group"
    tony = people["Tony Stark"]
    assert tony.attributes == {"csv_import": "yes"}
    assert [e.normalized for e in tony.emails] == ["tony@starkindustries.com"]
    assert [p.normalized for p in tony.phones] == ["+12125550100"]
    assert tony.addresses[0].line1 == "10880 Malibu Point" and tony.addresses[0].line2 == "Suite 1"
    assert members_of(db, actor, people["Avengers"].id) == {tony.id, people["Steve Rogers"].id}


def test_groups_listed_after_their_members_still_get_them(run, db, actor):
    job, rows = run("Name,Type,Groups,Email\nAda,,Team,ada@example.com\nTeam,group,,\nBob,,Team;Nobody,bob@example.com\n")
    assert job.created == 3
    team = next(v for v in everyone(db, actor) if v.kind == "group")
    assert members_of(db, actor, team.id) == {rows[0].contact_id, rows[2].contact_id}
    assert "no group named 'Nobody'" in rows[2].note
    with db.read() as session:  # what the CLI's summary names
        left_out, total = import_jobs.rows_left_out(session, actor, job.id, 10)
    assert total == 1 and [r.row_index for r in left_out] == [2]


def test_duplicates_inside_the_file_merge_across_batches(run, db, actor, database_url):
    lines = ["Name,Email,Phone"] + [f"P{i},p{i}@example.com," for i in range(7)]
    lines += ["Again,P3@Example.com,+1 415 555 0103", "Same phone,,415-555-0103"]
    settings = Settings(database_url=database_url, import_batch_size=3)
    job, rows = run("\n".join(lines) + "\n", settings=settings)
    assert (job.created, job.merged) == (7, 2)
    assert rows[7].status == "merged" and rows[7].contact_id == rows[3].contact_id
    assert rows[8].contact_id == rows[3].contact_id
    p3 = next(v for v in everyone(db, actor) if v.id == rows[3].contact_id)
    assert [p.normalized for p in p3.phones] == ["+14155550103"]
    assert p3.display_name == "P3"  # filled fields are never overwritten


def test_merge_fills_the_empty_fields_of_an_existing_contact(run, db, actor):
    with db.write() as session:
        existing = contacts.create(session, actor, ContactInput(first_name="Ada", emails=[{"address": "ada@example.com"}]))
    job, rows = run("First Name,Last Name,Email,Phone,City\nAdam,Lovelace,ADA@example.com,+44 20 7946 0958,London\n")
    assert rows[0].status == "merged" and rows[0].contact_id == existing.id
    with db.read() as session:
        ada = contacts.get(session, actor, existing.id)
    assert (ada.first_name, ada.last_name) == ("Ada", "Lovelace")
    assert [p.normalized for p in ada.phones] == ["+442079460958"]
    assert ada.addresses[0].city == "London"
    assert len(everyone(db, actor)) == 1


def open_reviews(db, actor):
    """The workspace's open review pairs, oldest first."""
    with db.read() as session:
        return identity.reviews_page(session, actor, "open", None, 100)


@pytest.mark.parametrize("policy,status,count", [("skip", "skipped", 1), ("create", "created", 2), ("review", "review", 2)])
def test_duplicate_policies(run, db, actor, policy, status, count):
    with db.write() as session:
        existing = contacts.create(session, actor, ContactInput(first_name="Ada", emails=[{"address": "ada@example.com"}]))
    job, rows = run("Name,Email\nAda L,ada@example.com\n", on_duplicate=policy)
    assert rows[0].status == status
    assert str(existing.id) in rows[0].note
    assert len(everyone(db, actor)) == count
    if policy == "skip":
        assert rows[0].contact_id == existing.id
    # a row kept for review waits in the review queue too, scored by the engine, where accepting it merges
    queued = open_reviews(db, actor)
    if policy == "review":
        assert [(r.contact_id, r.candidate_id) for r in queued] == [(rows[0].contact_id, existing.id)]
        assert any(reason["field"] == "email" for reason in queued[0].reasons) and queued[0].score > 0
    else:
        assert queued == []


@pytest.mark.parametrize("policy", ["merge", "skip"])
def test_people_sharing_a_phone_are_not_folded_together(run, db, actor, policy):
    """An office's switchboard or a household's phone on rows of people whose first names
    differ: the rows were merged into the first (Bob's and Carol's names lost), as no other
    write would. Each is created and the pair queued for review; the same person again merges."""
    with db.write() as session:
        carol = contacts.create(session, actor, ContactInput(first_name="Carol", last_name="Clark",
                                                             phones=[{"number": "+1 202 555 0100"}]))
    job, rows = run("First Name,Last Name,Email,Phone\n"
                    "Alice,Adams,alice@acme.example,+1 202 555 0100\n"
                    "Bob,Brown,bob@acme.example,+1 202 555 0100\n"
                    "Alice,Adams,alice@home.example,+1 202 555 0100\n", on_duplicate=policy)
    assert [rows[i].status for i in range(3)] == ["review", "review", "merged" if policy == "merge" else "skipped"]
    assert rows[2].contact_id == rows[0].contact_id  # Alice again: by her first name, the same person
    names = sorted((v.first_name, v.last_name) for v in everyone(db, actor))
    assert names == [("Alice", "Adams"), ("Bob", "Brown"), ("Carol", "Clark")]
    assert {(r.contact_id, r.candidate_id) for r in open_reviews(db, actor)} == {
        (rows[0].contact_id, carol.id), (rows[1].contact_id, rows[0].contact_id)}  # Bob found Alice first


def test_an_address_column_mapped_by_hand_joins_the_address_its_header_names(run, db, actor):
    """Outlook's `Business Street 3`, mapped to address_line2, went into an address of its own,
    which a second line alone does not make: it was lost without a word."""
    job, rows = run("First Name,Business Street,Business City,Business Street 3,Home Street\n"
                    "Maria,Calle Mayor 1,Madrid,Mailstop 4/2100,Rua Augusta 5\n",
                    mapping={"Business Street 3": "address_line2"})
    assert job.created == 1, rows
    [maria] = everyone(db, actor)
    assert sorted((a.line1, a.line2, a.city) for a in maria.addresses) == [
        ("Calle Mayor 1", "Mailstop 4/2100", "Madrid"), ("Rua Augusta 5", None, None)]


def test_every_bad_row_is_reported_and_the_rest_imported(run, db, actor):
    csv_text = (
        "Name,Email,Phone,Type\n"
        "Good,good@example.com,,\n"
        "Bad email,nope,,\n"
        "Bad phone,,12,\n"
        ",,,\n"
        ",,,person\n"
        "Bad type,,,robot\n"
        + "Long," + "x" * 400 + "@example.com,,\n"
    )
    job, rows = run(csv_text)
    assert job.created == 1 and job.invalid == 5
    assert rows[1].errors[0]["column"] == "Email"
    assert rows[2].errors[0]["column"] == "Phone"
    assert 3 not in rows  # a blank line is no contact
    assert rows[4].errors[0]["field"] == "name"
    assert rows[5].errors[0]["column"] == "Type"
    assert rows[6].errors[0]["column"] == "Email"


def test_encodings_delimiters_and_bom(run, db, actor):
    job, _ = run("Name;Email\nJosé Müller;jose@example.com\n".encode("cp1252"), name="latin.csv")
    assert job.created == 1
    job, _ = run("\ufeffName\tEmail\nZoë\tzoe@example.com\n".encode("utf-8"), name="bom.tsv")
    assert job.created == 1
    names = {v.computed_display_name for v in everyone(db, actor)}
    assert names == {"José Müller", "Zoë"}


def test_a_utf8_file_with_a_stray_byte_is_read_as_utf8_and_the_job_says_so(run, db, actor):
    """One cp1252 byte pasted into a UTF-8 file made the whole file cp1252 ("JosÃ©"), silently."""
    content = ("Name,Email,City\r\nJosé Núñez,jose@example.es,Málaga\r\nZoë Ünal,zoe@example.de,Köln\r\n".encode()
               + b"Bad Byte \xe9,bad@example.com,Paris\r\n")
    job, _ = run(content)
    assert (job.created, job.invalid) == (3, 0)
    assert {v.computed_display_name for v in everyone(db, actor)} == {"José Núñez", "Zoë Ünal", "Bad Byte \ufffd"}
    assert job.notes == ["1 byte is not UTF-8 and was replaced with \ufffd (line 4 of the file); "
                         "the rest was read as UTF-8"]
    # a file in cp1252 throughout is read as it is, with nothing to say
    job, _ = run("Name,Email\nRenée Müller,renee@example.com\n".encode("cp1252"))
    assert (job.created, job.notes) == (1, None)
    assert "Renée Müller" in {v.computed_display_name for v in everyone(db, actor)}


def test_a_windows_file_with_line_breaks_and_delimiters_in_quoted_cells(run, db, actor):
    """Excel's CSV in a German or French locale: semicolons, CRLF, a cell on two lines."""
    text = ('Name;Email;Notes\r\nAnna Schmidt;anna@example.de;"Erste Zeile\nZweite Zeile"\r\n'
            'Bernd Meyer;bernd@example.de;"Notiz; mit Semikolon"\r\n')
    for encoding in ("utf-8", "utf-16"):
        job, rows = run(text.replace("@", f"{encoding}@").encode(encoding), name="de.csv")
        assert (job.status, job.created, job.invalid) == ("succeeded", 2, 0), (job.error, rows)
    notes = {v.notes for v in everyone(db, actor)}
    assert notes == {"Erste Zeile\nZweite Zeile", "Notiz; mit Semikolon"}


def test_a_quote_never_closed_is_its_row_s_fault_not_a_quiet_swallow(run, db, actor):
    job, rows = run('Name,Email\nAnn,ann@example.com\n"Bob,bob@example.com\nCid,cid@example.com\n', name="q.csv")
    assert (job.created, job.invalid) == (1, 1), rows
    assert "never closed" in rows[1].errors[0]["reason"]
    assert {v.first_name or v.display_name for v in everyone(db, actor)} == {"Ann"}
    # a quote closed and text after it: that row is refused, the next ones are read
    job, rows = run('Name,Email\n"Dee" Smith,dee@example.com\nEve,eve@example.com\n', name="after.csv")
    assert (job.created, job.invalid) == (1, 1), rows


def test_a_row_with_more_cells_than_the_header_is_refused_not_shifted(run, db, actor):
    """An unquoted comma in a street moved every cell after it one column over: the city was
    stored as the postal code, and so on, silently."""
    job, rows = run("Name,Email,Address,City,Zip\r\nAnn Lee,ann@example.com,12 Oak St, Apt 4,Boston,02134\r\n"
                    "Cat Doe,cat@example.com,5 Pine,Denver,80201,,\r\n")  # empty cells past the header: fine
    assert (job.created, job.invalid) == (1, 1), rows
    assert rows[0].errors == [{"column": "", "field": "row",
                               "reason": "row has 6 cells, the header 5: a comma inside a cell that was not quoted?"}]
    assert dict(rows[0].raw)["City"] == " Apt 4"  # the rejected row shows the cells as read
    assert [(v.computed_display_name, v.addresses[0].city) for v in everyone(db, actor)] == [("Cat Doe", "Denver")]
    job, rows = run("Name;Email;City\nBo;bo@example.com;Linz\nEd;ed@example.com;Graz;x\n")
    assert rows[1].errors[0]["reason"] == "row has 4 cells, the header 3: a semicolon inside a cell that was not quoted?"


def test_a_birth_date_in_the_future_makes_its_row_invalid(run, db, actor):
    job, rows = run("Name,Birthday\nFuture Kid,2099-01-01\nFuture US,12/31/2090\nAda,1815-12-10\n", name="b.csv")
    assert (job.created, job.invalid) == (1, 2), rows
    assert [(rows[i].errors[0]["column"], rows[i].errors[0]["reason"]) for i in (0, 1)] == [
        ("Birthday", "is in the future")] * 2


def test_a_birthday_with_a_time_that_is_none_makes_its_row_invalid(run, db, actor):
    job, rows = run("Name,Birthday\nBad Time,1990-05-17T99:99:99\nAda,1815-12-10T00:00:00Z\n", name="t.csv")
    assert (job.created, job.invalid) == (1, 1), rows
    assert rows[0].errors[0]["column"] == "Birthday"
    assert [v.birth_date.isoformat() for v in everyone(db, actor)] == ["1815-12-10"]


def test_a_label_of_the_user_s_own_is_kept_as_written(run, db, actor):
    job, rows = run("Name,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value\n"
                    "Ada,Custom Thing,ada@example.com,* WORK,ada@work.example\n", name="google.csv")
    assert job.created == 1, rows
    [ada] = everyone(db, actor)
    assert {e.value: e.type for e in ada.emails} == {"ada@example.com": "Custom Thing", "ada@work.example": "work"}


def test_a_person_row_never_merges_into_an_organization_sharing_its_email(run, db, actor):
    with db.write() as session:
        acme = contacts.create(session, actor, ContactInput(kind="organization", organization_name="Acme",
                                                            emails=[{"address": "info@acme.example"}]))
    job, rows = run("Name,Email,Type\nAnn Office,info@acme.example,person\n"
                    "Acme Corp,info@acme.example,organization\n", name="k.csv")
    assert (rows[0].status, rows[1].status) == ("created", "merged"), [(r.status, r.note) for r in rows.values()]
    assert rows[1].contact_id == acme.id and rows[0].contact_id != acme.id


def test_a_merge_into_a_full_contact_names_what_it_left_out(run, db, actor):
    headers = ",".join(["Name"] + [f"Email {i}" for i in range(1, 51)])
    full = ",".join(["Fifty"] + [f"f{i}@example.com" for i in range(1, 51)])
    job, rows = run(f"{headers}\n{full}\n", name="fifty.csv")
    assert job.created == 1, rows
    job, rows = run("Name,Email,Email 2,Phone\nFifty Again,f1@example.com,f51@example.com,+12125550199\n", name="more.csv")
    assert job.merged == 1 and "left out" in rows[0].note and "f51@example.com" in rows[0].note, rows[0].note
    [fifty] = everyone(db, actor)
    assert len(fifty.emails) == 50 and [p.normalized for p in fifty.phones] == ["+12125550199"]
    # two rows of one file, one contact: the second's 51st email is named too
    job, rows = run(f"{headers}\n{full.replace('f', 'g')}\nGifty,g1@example.com,g51@example.com\n".replace("Fifty", "Gifty"),
                    name="inbatch.csv")
    assert (job.created, job.merged) == (1, 1), rows
    assert "g51@example.com" in rows[1].note


def test_a_many_valued_attribute_comes_back_as_its_items(run, db, actor):
    from contacthub.core.attributes import DefinitionInput, create_definition

    with db.write() as session:
        create_definition(session, actor, DefinitionInput(key="tags", type="string", cardinality="many"))
        create_definition(session, actor, DefinitionInput(key="scores", type="integer", cardinality="many"))
    # as `contacthub export --format csv` writes lists (JSON text), and one plain value
    job, rows = run('Name,metadata.tags,metadata.scores\nAda,"[""a"", ""b, c""]","[1, 2]"\nBob,solo,3\n', name="m.csv")
    assert job.created == 2, [(r.status, r.errors) for r in rows.values()]
    assert {v.first_name or v.display_name: v.attributes for v in everyone(db, actor)} == {
        "Ada": {"tags": ["a", "b, c"], "scores": [1, 2]}, "Bob": {"tags": ["solo"], "scores": [3]}}


def test_two_columns_filling_one_field_keep_the_first_that_holds_something(run, db, actor):
    job, rows = run("Name,Company,Company Name,Notes,Notes,metadata.x,metadata.x\n"
                    "Ada,,Analytical Engines,first note,second note,1,2\n", name="twice.csv")
    assert job.created == 1, rows
    [ada] = everyone(db, actor)
    assert (ada.employer, ada.notes, ada.attributes) == ("Analytical Engines", "first note", {"x": "1"})


def test_an_attribute_column_beside_one_of_its_keys_is_refused_naming_both(run, db, actor):
    job, _ = run("Name,metadata.a,metadata.a.b\nAda,1,2\n", name="clash.csv")
    assert job.status == "failed" and "'metadata.a' and 'metadata.a.b'" in job.error, job.error
    assert everyone(db, actor) == []


def test_a_caller_mapping_and_metadata_dot_notation(run, db, actor):
    job, rows = run(
        "Full Name,E-Mail Address,Team,metadata.source.system\nAda,ada@example.com,Blue,crm\n",
        mapping={"e-mail address": "email", "TEAM": "metadata.team"},
    )
    assert job.created == 1
    ada = everyone(db, actor)[0]
    assert [e.normalized for e in ada.emails] == ["ada@example.com"]
    assert ada.attributes == {"team": "Blue", "source": {"system": "crm"}}


# A Google Contacts export (its "Google CSV" format), cut to the columns that matter and a few
# it has that must be left alone (types and labels of points, which are not emails or phones).
GOOGLE_CSV = (
    "Name,Given Name,Additional Name,Family Name,Notes,Group Membership,E-mail 1 - Type,E-mail 1 - Value,"
    "E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Address 1 - Type,Address 1 - Formatted,"
    "Address 1 - Street,Address 1 - City,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Organization 1 - Name,Organization 1 - Title\n"
    "Ada Lovelace,Ada,,Lovelace,Met at the Royal Society,* myContacts ::: Friends ::: * starred,* Home,"
    "ada@example.com ::: ada.lovelace@example.org,Work,ada@work.example.com,Mobile,"
    "+44 20 7946 0958 ::: +44 20 7946 0959,Home,\"12 High St, London\",12 High St,London,,W1 1AA,"
    "United Kingdom,Analytical Engines Ltd,Analyst\n"
)

# An Outlook export ("Comma Separated Values"), cut the same way.
# Its Business and Home address blocks: a row takes, whole, the first with a street or a city
# (Alan's Business block holds only a country).
OUTLOOK_CSV = (
    "First Name,Middle Name,Last Name,Company,Job Title,Business Street,Business City,Business Country/Region,"
    "Home Street,Home City,Business Phone,Home Phone,Mobile Phone,Categories,E-mail Address,E-mail Type,"
    "E-mail Display Name,E-mail 2 Address,Notes\n"
    "Grace,,Hopper,US Navy,Rear Admiral,1 Navy Yard,Washington,,9 Elm St,Arlington,+1 202 555 0100,,"
    "+1 202 555 0101,Friends;Navy,grace@navy.mil,SMTP,Grace Hopper (grace@navy.mil),grace@example.com,Wrote COBOL\n"
    "Alan,,Turing,,,,,United Kingdom,2 Bletchley Rd,Milton Keynes,,+44 1908 640404,,,alan@example.org,SMTP,,,\n"
)


def test_google_and_outlook_exports_import_without_a_mapping(run, db, actor):
    with db.write() as session:
        friends = contacts.create(session, actor, ContactInput(kind="group", display_name="Friends"))
    job, rows = run(GOOGLE_CSV, name="google.csv")
    assert job.created == 1 and not job.invalid, rows
    assert "starred" not in (rows[0].note or "") and "myContacts" not in (rows[0].note or "")
    job, rows = run(OUTLOOK_CSV, name="outlook.csv")
    assert job.created == 2 and not job.invalid, rows
    assert "Navy" in rows[0].note  # no such group: noted, as for any other file
    people = {v.first_name: v for v in everyone(db, actor) if v.kind == "person"}
    ada, grace = people["Ada"], people["Grace"]
    assert (ada.last_name, ada.employer, ada.title, ada.notes) == (
        "Lovelace", "Analytical Engines Ltd", "Analyst", "Met at the Royal Society")
    # each with the type in the column beside it (Google's "* " marks the preferred one)
    assert [(e.normalized, e.type) for e in ada.emails] == [
        ("ada@example.com", "home"), ("ada.lovelace@example.org", "home"), ("ada@work.example.com", "work")]
    assert [(p.normalized, p.type) for p in ada.phones] == [("+442079460958", "mobile"), ("+442079460959", "mobile")]
    address = ada.addresses[0]
    assert (address.line1, address.city, address.postal_code, address.country, address.type) == (
        "12 High St", "London", "W1 1AA", "United Kingdom", "home")
    assert (grace.last_name, grace.employer, grace.title, grace.notes) == ("Hopper", "US Navy", "Rear Admiral", "Wrote COBOL")
    assert [(e.normalized, e.type) for e in grace.emails] == [("grace@navy.mil", None), ("grace@example.com", None)]
    # the type a header names (Outlook's Business Phone is a work number); its E-mail Type (SMTP) names none
    assert [(p.normalized, p.type) for p in grace.phones] == [("+12025550100", "work"), ("+12025550101", "mobile")]
    # every block with a street or a city, whole: the first the primary (never parts of two mixed)
    assert [(a.line1, a.city, a.type, a.primary) for a in grace.addresses] == [
        ("1 Navy Yard", "Washington", "work", True), ("9 Elm St", "Arlington", "home", False)]
    alan = people["Alan"]
    # a Business block holding only a country is no address of its own
    assert [(a.line1, a.city, a.type) for a in alan.addresses] == [("2 Bletchley Rd", "Milton Keynes", "home")]
    assert [p.normalized for p in alan.phones] == ["+441908640404"]
    assert members_of(db, actor, friends.id) == {ada.id, grace.id}


# Google Contacts' newer export: `- Label` columns, `Organization Name` beside `Organization Title`.
GOOGLE_NEW_CSV = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,"
    "E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - Label,Address 1 - Formatted,"
    "Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,"
    "Address 1 - Country,Address 1 - Extended Address,Website 1 - Label,Website 1 - Value\n"
    "Ada,Augusta,Lovelace,,,,,,Analytical Engines,Analyst,Research,1815-12-10,Met at the Royal Society,,"
    "* myContacts ::: Friends,* Home,ada@example.com,Work,ada@work.example,Mobile,+44 20 7946 0958,Home,"
    '"12 High St\nLondon",12 High St,London,,,W1 1AA,United Kingdom,,Profile,https://ada.example\n'
)


def test_google_contacts_newer_export(run, db, actor):
    job, rows = run(GOOGLE_NEW_CSV, name="contacts.csv", create_groups=True)
    assert (job.created, job.invalid, rows[0].note) == (1, 0, None), rows
    ada = {v.first_name: v for v in everyone(db, actor)}["Ada"]
    assert (ada.middle_name, ada.employer, ada.title, ada.organization_name, ada.birth_date.isoformat()) == (
        "Augusta", "Analytical Engines", "Analyst", None, "1815-12-10")
    assert ada.attributes == {"website": "https://ada.example"}  # no field of its own: kept as an attribute
    assert [(e.normalized, e.type) for e in ada.emails] == [("ada@example.com", "home"), ("ada@work.example", "work")]
    assert [(p.normalized, p.type) for p in ada.phones] == [("+442079460958", "mobile")]
    assert [(a.line1, a.city, a.postal_code, a.type) for a in ada.addresses] == [("12 High St", "London", "W1 1AA", "home")]
    groups = {v.display_name: v.id for v in everyone(db, actor) if v.kind == "group"}
    assert set(groups) == {"Friends"} and members_of(db, actor, groups["Friends"]) == {ada.id}


def test_headers_of_hand_made_sheets_and_form_tools_and_the_columns_not_imported(run, db, actor):
    job, rows = run("Full Name,Primary Email,Email Address 2,Mobile Number,Cell,Tel,Phone #,msisdn,Address 1,Address 2,"
                    "City,Province/State,ZIP/Postal Code,Company/Organization,Tags,Record ID,Lifecycle Stage\n"
                    "Priya Patel,priya@example.co.uk,priya@work.example,+44 7700 900001,+44 7700 900002,"
                    "+44 20 7946 0003,+44 20 7946 0004,+447700900005,10 Downing St,Flat 2,London,Greater London,"
                    "SW1A 2AA,Acme Ltd,VIP,51,customer\n", create_groups=True)
    assert (job.created, job.invalid) == (1, 0), rows
    people = {v.computed_display_name: v for v in everyone(db, actor)}
    priya = people["Priya Patel"]
    assert [(e.value, e.type) for e in priya.emails] == [("priya@example.co.uk", None), ("priya@work.example", None)]
    assert [(p.normalized, p.type) for p in priya.phones] == [
        ("+447700900001", "mobile"), ("+447700900002", "mobile"), ("+442079460003", None), ("+442079460004", None),
        ("+447700900005", None)]
    address = priya.addresses[0]
    assert (address.line1, address.line2, address.city, address.region, address.postal_code) == (
        "10 Downing St", "Flat 2", "London", "Greater London", "SW1A 2AA")
    assert priya.employer == "Acme Ltd"
    assert members_of(db, actor, people["VIP"].id) == {priya.id}
    assert job.ignored_columns == ["Record ID", "Lifecycle Stage"]
    # Zip5; a column giving the types of the phones beside it is read, not "not imported"
    job, _ = run("Name,Zip5,Phone 1 - Type,Phone 1 - Value,Photo\nAda,02134,Work,+1 212 555 0100,x.png\n")
    assert job.ignored_columns == ["Photo"]
    ada = {v.computed_display_name: v for v in everyone(db, actor)}["Ada"]
    assert (ada.addresses[0].postal_code, ada.phones[0].type) == ("02134", "work")


def test_the_type_a_header_names(run, db, actor):
    job, rows = run("Name,Business Fax,Home Phone,Work Email,Email\n"
                    "Ada,+44 20 7946 0999,+44 20 7946 0998,ada@work.example,ada@example.com\n")
    assert job.created == 1, rows
    ada = everyone(db, actor)[0]
    assert [(p.normalized, p.type) for p in ada.phones] == [("+442079460999", "fax"), ("+442079460998", "home")]
    assert [(e.normalized, e.type) for e in ada.emails] == [("ada@work.example", "work"), ("ada@example.com", None)]


def test_a_type_of_the_users_own_keeps_its_commas_and_a_known_type_wins_in_a_list(run, db, actor):
    """"Bureau, 2ème" came back as "Bureau": the comma split it as vCard's `work,pref` is split."""
    job, rows = run("Name,Phone 1 - Type,Phone 1 - Value,Email Type,Email\n"
                    "Ada,\"Bureau, 2ème\",+44 20 7946 0958,\"pref,WORK\",ada@work.example\n")
    assert job.created == 1, rows
    ada = everyone(db, actor)[0]
    assert [p.type for p in ada.phones] == ["Bureau, 2ème"] and [e.type for e in ada.emails] == ["work"]


def test_a_type_cell_that_names_no_storable_type_is_passed_over(run, db, actor):
    job, rows = run("Name,Phone 1 - Label,Phone 1 - Value\n"
                    f"Ada,bad\x00label ::: {'x' * 51},+44 20 7946 0958 ::: +44 20 7946 0959\n")
    assert (job.status, job.created) == ("succeeded", 1), job.error
    assert [p.type for p in everyone(db, actor)[0].phones] == [None, None]


def test_name_parts_nicknames_and_birthdays(run, db, actor):
    # Google's columns; Outlook's, where Title is the name's and Job Title the job, and 0/0/00 no birthday
    google = ("Name Prefix,Given Name,Additional Name,Family Name,Name Suffix,Nickname,Birthday,E-mail 1 - Value\n"
              "Hon.,Ada,Augusta,Lovelace,,Enchantress,1815-12-10,ada@example.com\n"
              "Dr.,Bad,,Date,,,1815-13-40,bad@example.com\n"
              ",Ann,,Yearless,,,--12-10,ann@example.com\n")
    job, rows = run(google, name="google.csv")
    assert (job.created, job.invalid) == (2, 1), rows
    assert rows[1].errors == [{"column": "Birthday", "field": "birth_date", "reason": "not a date (write it as YYYY-MM-DD)"}]
    outlook = ("Title,First Name,Middle Name,Last Name,Suffix,Job Title,Birthday,E-mail Address\n"
               "Rear Adm.,Grace,Brewster,Hopper,,Computer scientist,12/9/1906,grace@navy.mil\n"
               ",Alan,Mathison,Turing,OBE,,0/0/00,alan@example.org\n")
    job, rows = run(outlook, name="outlook.csv")
    assert (job.created, job.invalid) == (2, 0), rows
    people = {v.first_name: v for v in everyone(db, actor)}
    ada, ann, grace, alan = people["Ada"], people["Ann"], people["Grace"], people["Alan"]
    assert (ada.prefix, ada.middle_name, ada.nickname, ada.birth_date.isoformat()) == (
        "Hon.", "Augusta", "Enchantress", "1815-12-10")
    assert (ann.birth_date, ann.attributes) == (None, {"birthday": "--12-10"})  # no year: kept, not a date
    assert (grace.prefix, grace.middle_name, grace.title, grace.birth_date.isoformat()) == (
        "Rear Adm.", "Brewster", "Computer scientist", "1906-12-09")  # month first: the default region is US
    assert (alan.suffix, alan.birth_date) == ("OBE", None)
    with db.read() as session:
        assert [v.first_name for v in contacts.list_page(session, actor, ContactFilter(q="enchantress"), None, 10).items] == ["Ada"]


def test_a_birthday_without_its_year_is_kept_as_the_birthday_attribute(run, db, actor, database_url):
    """Mailchimp's Birthday field is MM/DD: it failed the whole row."""
    job, rows = run("Email Address,First Name,Birthday\njane@example.com,Jane,07/14\nbob@example.com,Bob,31/12\n"
                    "cid@example.com,Cid,14.07.\ndee@example.com,Dee,13/13\neve@example.com,Eve,02/30\n")
    assert (job.created, job.invalid) == (3, 2), rows
    assert [rows[i].errors for i in (3, 4)] == [
        [{"column": "Birthday", "field": "birth_date", "reason": "not a date (write it as YYYY-MM-DD)"}]] * 2
    assert {v.first_name: (v.birth_date, v.attributes) for v in everyone(db, actor)} == {
        "Jane": (None, {"birthday": "--07-14"}), "Bob": (None, {"birthday": "--12-31"}),
        "Cid": (None, {"birthday": "--07-14"})}
    # the day first where the default region writes it so
    job, _ = run("Email,First Name,Birthday\nflo@example.com,Flo,03/04\n", settings=Settings(
        database_url=database_url, default_region="GB"))
    assert {v.first_name: v.attributes for v in everyone(db, actor)}["Flo"] == {"birthday": "--04-03"}


def test_a_merge_fills_an_empty_birth_date(run, db, actor):
    with db.write() as session:
        contacts.create(session, actor, ContactInput(first_name="Ada", emails=[{"address": "ada@example.com"}]))
    job, _ = run("Email,Birthday,Nickname\nada@example.com,10.12.1815,Ada L\n")
    assert job.merged == 1
    ada = everyone(db, actor)[0]
    assert (ada.birth_date.isoformat(), ada.nickname) == ("1815-12-10", "Ada L")


def test_labels_become_groups_when_asked(run, db, actor):
    job, rows = run(GOOGLE_CSV, name="google.csv", create_groups=True)
    assert (job.created, rows[0].note) == (1, None)
    job, rows = run(OUTLOOK_CSV, name="outlook.csv", create_groups=True)
    assert job.created == 2 and rows[0].note is None
    groups = {v.display_name: v.id for v in everyone(db, actor) if v.kind == "group"}
    assert set(groups) == {"Friends", "Navy"}  # not Google's own `* myContacts` / `* starred`
    people = {v.first_name: v.id for v in everyone(db, actor) if v.kind == "person"}
    assert members_of(db, actor, groups["Friends"]) == {people["Ada"], people["Grace"]}
    assert members_of(db, actor, groups["Navy"]) == {people["Grace"]}


def test_a_bad_value_among_several_in_one_cell_fails_its_row(run, db, actor):
    job, rows = run("Name,E-mail 1 - Value\nAda,ada@example.com ::: not-an-email\n")
    assert job.invalid == 1
    assert rows[0].errors == [{"column": "E-mail 1 - Value", "field": "email",
                               "reason": "not a valid email address: An email address must have an @-sign."}]
    assert everyone(db, actor) == []


def test_several_emails_or_phones_in_one_cell_separated_as_other_exports_do(run, db, actor):
    """HubSpot's `Additional email addresses` is `a@x.com;b@y.com`: the row was refused."""
    job, rows = run("First Name,Email,Additional email addresses,Phone Number\n"
                    "Brian,bh@hubspot.example.com,brian@gmail.com;bh2@hubspot.example.com,+1 617 555 0101; +1 617 555 0102\n"
                    'Ann,ann@example.com,"a2@example.com, a3@example.com;",+1 212 555 0100;ext=7\n'
                    "Bad,bad@example.com,fine@example.com;not-an-email,\n")
    assert (job.created, job.invalid) == (2, 1), rows
    assert rows[2].errors == [{"column": "Additional email addresses", "field": "email",
                               "reason": "not a valid email address: An email address must have an @-sign."}]
    people = {v.first_name: v for v in everyone(db, actor)}
    assert [e.value for e in people["Brian"].emails] == ["bh@hubspot.example.com", "brian@gmail.com",
                                                          "bh2@hubspot.example.com"]
    assert [p.normalized for p in people["Brian"].phones] == ["+16175550101", "+16175550102"]
    assert [e.value for e in people["Ann"].emails] == ["ann@example.com", "a2@example.com", "a3@example.com"]
    assert [p.normalized for p in people["Ann"].phones] == ["+12125550100"]  # ";ext=" is the phone's own


def test_mailchimp_tags_are_groups_read_as_its_quoted_list(run, db, actor):
    job, rows = run('Email Address,First Name,TAGS\njane@example.com,Jane,"""Customer"",""Newsletter, Weekly"""\n'
                    "bob@example.com,Bob,Customer\n"
                    'cid@example.com,Cid,"Friends ::: Poets, Painters"\n', create_groups=True)
    assert (job.created, job.invalid) == (3, 0), rows
    everybody = everyone(db, actor)
    groups = {v.display_name: v.id for v in everybody if v.kind == "group"}
    assert set(groups) == {"Customer", "Newsletter, Weekly", "Friends", "Poets, Painters"}
    people = {v.first_name: v.id for v in everybody if v.kind == "person"}
    assert members_of(db, actor, groups["Customer"]) == {people["Jane"], people["Bob"]}
    assert members_of(db, actor, groups["Newsletter, Weekly"]) == {people["Jane"]}
    assert members_of(db, actor, groups["Poets, Painters"]) == {people["Cid"]}  # Google's ::: cuts there alone


def test_limits_of_a_multi_value_cell_hold_for_each_value(run, db, actor):
    many = " ::: ".join(f"ada.lovelace.{i}@analytical-engines.example" for i in range(10))  # 469 characters
    too_many = " ::: ".join(f"grace{i}@example.com" for i in range(51))
    job, rows = run("Name,E-mail 1 - Value,Labels\n"
                    f"Ada,{many},Friends\n"
                    f"Grace,{too_many},\n"
                    f"Alan,alan@example.com,{'x' * 301}\n")
    assert (job.created, job.invalid) == (1, 2), rows
    assert len(everyone(db, actor)[0].emails) == 10
    assert rows[1].errors == [{"column": "", "field": "email", "reason": "more than 50 emails"}]
    assert rows[2].errors == [{"column": "Labels", "field": "groups", "reason": "a group name longer than 300 characters"}]


def test_social_profiles(run, db, actor):
    with db.write() as session:
        contacts.create(session, actor, ContactInput(first_name="Ada", emails=[{"address": "ada@example.com"}],
                                                     social={"twitter": "@ada_stored"}))
    job, rows = run("Name,Email,LinkedIn,Twitter,social.mastodon,URL\n"
                    "Ada,ada@example.com,https://linkedin.com/in/ada,@ada_file,@ada@mastodon.example,https://ada.example\n"
                    "Grace,grace@navy.mil,,@grace,,\n"
                    "Grace H,GRACE@navy.mil,https://linkedin.com/in/grace,@other,,\n"
                    f"Alan,alan@example.org,{'x' * 501},,,\n")
    assert (job.created, job.merged, job.invalid) == (1, 2, 1), rows
    assert rows[3].errors == [{"column": "LinkedIn", "field": "social.linkedin", "reason": "longer than 500 characters"}]
    people = {v.first_name or v.display_name: v for v in everyone(db, actor)}
    # a merge adds the networks the contact lacks and keeps the ones it has; a bare URL is no profile
    assert people["Ada"].social == {"twitter": "@ada_stored", "linkedin": "https://linkedin.com/in/ada",
                                    "mastodon": "@ada@mastodon.example"}
    assert people["Ada"].attributes == {"website": "https://ada.example"}
    assert people["Grace"].social == {"twitter": "@grace", "linkedin": "https://linkedin.com/in/grace"}
    job, _ = run("Who,Profile\nAlan,https://github.com/alan\n", mapping={"Who": "name", "Profile": "social.github"})
    assert job.created == 1
    assert {v.display_name: v.social for v in everyone(db, actor)}["Alan"] == {"github": "https://github.com/alan"}
    with pytest.raises(ValueError, match="social.<network>"):
        ImportOptions(mapping={"Profile": "social."})


# LinkedIn's Connections.csv: notes above the header row.
LINKEDIN_CSV = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing. '
    'You will only see email addresses for connections who have allowed it, at https://www.linkedin.com/psettings"\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Ada,Lovelace,https://www.linkedin.com/in/ada,ada@example.com,Analytical Engines,Analyst,01 Jan 2024\n"
    "Grace,Hopper,https://www.linkedin.com/in/grace,,US Navy,Rear Admiral,02 Feb 2024\n"
)


def test_notes_above_the_header_row_are_skipped(run, db, actor):
    job, rows = run(LINKEDIN_CSV, name="Connections.csv")
    assert (job.status, job.created, job.invalid) == ("succeeded", 2, 0)
    assert job.total_rows == 2
    people = {v.first_name: v for v in everyone(db, actor)}
    assert rows[0].contact_id == people["Ada"].id and rows[1].contact_id == people["Grace"].id
    assert (people["Grace"].employer, people["Grace"].title) == ("US Navy", "Rear Admiral")
    assert [e.normalized for e in people["Ada"].emails] == ["ada@example.com"]
    assert people["Grace"].social == {"linkedin": "https://www.linkedin.com/in/grace"}  # its URL, in this file
    # a mapped column is looked for below the notes as well
    job, rows = run(LINKEDIN_CSV, mapping={"Connected On": "metadata.connected"}, on_duplicate="skip")
    assert (job.status, job.skipped, job.created) == ("succeeded", 1, 1)  # Grace has no email to match by
    assert rows[0].contact_id == people["Ada"].id
    assert rows[1].raw is None and rows[1].status == "created"


def test_a_file_whose_header_row_is_not_found_fails_naming_its_first_row(run):
    job, _ = run("Notes:\nnothing here\n\nalso nothing\n" + "Ada,ada@example.com\n" * 12)
    assert job.status == "failed"
    assert "no column names a contact" in job.error and "'Notes:'" in job.error


def test_a_mapping_naming_a_missing_column_fails_the_job(run):
    job, rows = run("Name\nAda\n", mapping={"Nope": "email"})
    assert job.status == "failed" and "Nope" in job.error
    assert rows == {}


def test_xlsx_files(run, db, actor):
    content = xlsx_bytes([["Name", "Email", "Phone"], ["Ada", "ada@example.com", 2125550100], ["Bob", None, "x"]])
    job, rows = run(content, name="people.xlsx")
    assert (job.created, job.invalid, job.format) == (1, 1, "xlsx")
    ada = everyone(db, actor)[0]
    assert [p.normalized for p in ada.phones] == ["+12125550100"]


def test_a_spreadsheet_with_a_title_above_its_header_row(run, db, actor):
    content = xlsx_bytes([["Customer list, March"], [], ["Name", "Email"], ["Ada", "ada@example.com"]])
    job, rows = run(content, name="customers.xlsx")
    assert (job.status, job.created, job.total_rows) == ("succeeded", 1, 1)
    assert rows[0].contact_id == everyone(db, actor)[0].id


def test_a_workbook_whose_first_sheet_is_empty_imports_its_next_sheet(run, db, actor):
    content = xlsx_sheets([[], [["Name", "Email"], ["Ada", "ada@example.com"]], [["Other"], ["x"]]])
    job, rows = run(content, name="book.xlsx")
    assert (job.status, job.created) == ("succeeded", 1)
    assert [v.computed_display_name for v in everyone(db, actor)] == ["Ada"]


def test_overwrite_replaces_the_workspace_contacts(run, db, actor):
    with db.write() as session:
        contacts.create(session, actor, ContactInput(first_name="Old", emails=[{"address": "old@example.com"}]))
    job, _ = run("Name,Email\nNew,new@example.com\nOld again,old@example.com\n", overwrite=True)
    assert job.status == "succeeded" and job.created == 2
    assert {v.computed_display_name for v in everyone(db, actor)} == {"New", "Old again"}


def test_a_failed_overwrite_keeps_the_old_contacts(run, db, actor, monkeypatch, database_url):
    with db.write() as session:
        contacts.create(session, actor, ContactInput(first_name="Old"))
    calls = []
    original = imports._Importer.run_batch

    def failing(self, session, batch):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, session, batch)

    monkeypatch.setattr(imports._Importer, "run_batch", failing)
    settings = Settings(database_url=database_url, import_batch_size=1)
    job, rows = run("Name\nA\nB\nC\n", settings=settings, overwrite=True)
    assert job.status == "failed" and job.created == 0
    assert rows == {}
    assert [v.computed_display_name for v in everyone(db, actor)] == ["Old"]


def test_data_url_and_web_url_sources(db, actor, tmp_path, database_url):
    allowed = Settings(database_url=database_url, import_allow_private_urls=True)
    job = import_jobs.import_now(db, actor, SourceSpec(data_url=data_url(SEED_CSV)), ImportOptions(), allowed)
    assert job.created == 3 and job.source_kind == "data_url"

    (tmp_path / "people.csv").write_text("Name,Email\nWeb,web@example.com\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        job = import_jobs.import_now(db, actor, SourceSpec(url=url + "/people.csv"), ImportOptions(), allowed)
        assert job.created == 1
        with pytest.raises(InvalidInput, match="404"):
            import_jobs.import_now(db, actor, SourceSpec(url=url + "/missing.csv"), ImportOptions(), allowed)
        refused = Settings(database_url=database_url)
        with pytest.raises(InvalidInput, match="private or local"):
            import_jobs.import_now(db, actor, SourceSpec(url=url + "/people.csv"), ImportOptions(), refused)
        tiny = Settings(database_url=database_url, import_allow_private_urls=True, import_max_bytes=10)
        with pytest.raises(InvalidInput, match="larger than"):
            import_jobs.import_now(db, actor, SourceSpec(url=url + "/people.csv"), ImportOptions(), tiny)
    finally:
        server.shutdown()


@pytest.mark.parametrize("bad", ["data:text/csv;base64,!!!", "not a data url", "data:image/png;base64,iVBORw0KGgo="])
def test_bad_data_urls_are_refused(db, actor, database_url, bad):
    with pytest.raises(InvalidInput):
        import_jobs.import_now(db, actor, SourceSpec(data_url=bad), ImportOptions(), Settings(database_url=database_url))


def test_queued_jobs_are_run_by_a_worker(db, actor, database_url):
    settings = Settings(database_url=database_url)
    with db.write() as session:
        job = import_jobs.create_job(session, actor, SourceSpec(data_url=data_url(SEED_CSV)), ImportOptions(), settings)
    assert job.status == "queued"
    done = None
    while True:  # other tests' jobs may be queued too; run until ours is done
        ran = import_jobs.work_once(db, "test", settings)
        if ran is None:
            break
        if ran.id == job.id:
            done = ran
    assert done is not None and done.status == "succeeded" and done.created == 3
    assert outcomes(db, actor, job.id)[2].status == "invalid"


def test_two_workers_never_claim_the_same_job(db, actor, database_url):
    import concurrent.futures

    settings = Settings(database_url=database_url)
    with db.write() as session:
        jobs = {import_jobs.create_job(session, actor, SourceSpec(data_url=data_url("Name\nA\n")), ImportOptions(),
                                       settings).id for _ in range(4)}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        claimed = [c for c in pool.map(lambda i: import_jobs.claim_next(db, f"w{i}"), range(8)) if c is not None]
    ids = [job_id for _, job_id in claimed]
    assert len(ids) == len(set(ids))  # each job went to one worker
    # at least our four were queued, so eight claims took at least four (the store is shared
    # with other tests, whose queued jobs may be claimed before ours: oldest first)
    assert len(ids) >= len(jobs)
    for workspace_id, job_id in claimed:
        import_jobs.run_job(db, workspace_id, job_id, settings=settings)


def test_imported_contacts_are_known_to_the_identity_engine(run, db, actor):
    from contacthub.core import identity
    from contacthub.core.inputs import WriteOptions

    job, rows = run("First Name,Last Name,Email,Phone,Address\n"
                    "Grace,Hopper,grace@navy.mil,+1 202 555 0100,1 Navy Yard Washington\n")
    assert job.status == "succeeded"
    imported = rows[0].contact_id
    with db.read() as session:
        assert identity.index_missing(session, actor, None, 10) == []  # nothing left unfiled
        found = identity.match(session, actor, ContactInput(first_name="Grace", last_name="Hopper",
                                                            emails=[{"address": "Grace@Navy.mil"}]))
    assert found and found[0][0].id == imported
    # A later write of the same person through the engine merges into the imported contact.
    with db.write() as session:
        outcome = identity.write(session, actor, ContactInput(first_name="Grace", last_name="Hopper",
                                                              emails=[{"address": "grace@navy.mil"}]), "merge",
                                 WriteOptions())
    assert outcome.created is False and outcome.contact.id == imported


def test_a_rebinding_name_cannot_point_the_fetch_into_our_network(tmp_path, monkeypatch):
    """The name is checked once and the download goes to the address that was checked: a DNS
    answer that changes to a loopback address between check and connect reaches nothing."""
    import socket

    from contacthub.core import import_sources

    (tmp_path / "secret.csv").write_text("Name\nInternal\n")
    seen = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def do_GET(self):
            seen.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"])  # the first answer is public; every later one is loopback

    def rebinding(host, *args, **kwargs):
        if host != "files.example":
            return real(host, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    try:
        with pytest.raises(InvalidInput, match="could not be fetched|did not answer"):
            import_sources.fetch_url(f"http://files.example:{port}/secret.csv", max_bytes=10_000, timeout=1.0,
                                     max_redirects=0, allow_private=False)
    finally:
        server.shutdown()
    assert seen == []


def test_a_server_that_trickles_its_file_is_cut_off_at_the_time_limit(tmp_path):
    """The limit is for the whole download, not each read: a line every 0.2 s never makes a
    read wait long, and would keep the import waiting for as long as the server likes."""
    import time

    from contacthub.core import import_sources

    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            try:
                self.wfile.write(b"Name\n")
                for i in range(50):
                    self.wfile.write(f"P{i}\n".encode())
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass  # the client hung up: what the test wants

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(InvalidInput, match="did not answer within 1 seconds"):
            import_sources.fetch_url(f"http://127.0.0.1:{server.server_address[1]}/slow.csv", max_bytes=10_000,
                                     timeout=1.0, max_redirects=0, allow_private=True)
        assert time.monotonic() - started < 3
    finally:
        server.shutdown()


def test_a_running_job_is_taken_over_only_once_its_lease_ran_out(db, actor, database_url):
    from datetime import timedelta

    from contacthub.db.types import utcnow
    from contacthub.repositories import imports as repo

    settings = Settings(database_url=database_url)
    with db.write() as session:
        job = import_jobs.create_job(session, actor, SourceSpec(data_url=data_url("Name\nA\n")), ImportOptions(), settings)

    def claim_ours(worker):
        while True:
            claimed = import_jobs.claim_next(db, worker, settings)
            if claimed is None or claimed[1] == job.id:
                return claimed
            import_jobs.run_job(db, claimed[0], claimed[1], settings=settings)  # another test's: run it

    assert claim_ours("first") is not None
    assert claim_ours("second") is None  # running on a live lease: left alone
    with db.write() as session:  # its worker stopped renewing the lease
        repo.set_job(session, actor.workspace_id, job.id, lease_until=utcnow() - timedelta(seconds=1))
    assert claim_ours("second") is not None
    with db.read() as session:
        assert import_jobs.get_job(session, actor, job.id).claimed_by == "second"
    assert import_jobs.run_job(db, actor.workspace_id, job.id, settings=settings).created == 1


def test_a_worker_that_stalled_past_its_lease_leaves_the_job_to_the_one_that_took_it_over(db, actor, database_url):
    """A worker paused (SIGSTOP, a long GC, a laptop lid) past its lease wakes to find the job
    another's: it writes nothing more to it, and above all does not mark it failed."""
    from datetime import timedelta

    from contacthub.db.types import utcnow
    from contacthub.repositories import imports as repo

    settings = Settings(database_url=database_url, import_batch_size=2)
    csv = "Name,Email\n" + "".join(f"Stall {i},stall{i}@example.com\n" for i in range(6))
    with db.write() as session:
        job = import_jobs.create_job(session, actor, SourceSpec(data_url=data_url(csv)), ImportOptions(), settings)
        repo.take_job(session, job, "sleeper", utcnow(), utcnow() + timedelta(minutes=5))
    taken_over = []

    def stall_then_lose_it(processed, *_):
        if processed and not taken_over:  # after its first batch, the sleeper's lease runs out
            with db.write() as session:
                repo.set_job(session, actor.workspace_id, job.id, lease_until=utcnow() - timedelta(seconds=1))
                current = repo.get_job(session, actor.workspace_id, job.id)
                taken_over.append(repo.take_job(session, current, "rescuer", utcnow(), utcnow() + timedelta(minutes=5)))

    stale = import_jobs.run_job(db, actor.workspace_id, job.id, settings=settings, progress=stall_then_lose_it)
    assert taken_over == [True]
    assert (stale.status, stale.error, stale.claimed_by, stale.processed) == ("running", None, "rescuer", 2)
    finished = import_jobs.run_job(db, actor.workspace_id, job.id, settings=settings)
    assert (finished.status, finished.error, finished.processed, finished.created) == ("succeeded", None, 6, 6)
    assert sorted(outcomes(db, actor, job.id)) == list(range(6))


@pytest.mark.parametrize("held_after", [1, 3])  # a batch waits; so do the job's closing writes
def test_a_batch_that_finds_the_store_busy_waits_rather_than_failing_the_job(db, actor, database_url, held_after):
    """Another writer holding the store past WRITE_WAIT_SECONDS (an overwrite import of another
    process) made the job fail for good, its file gone; a batch now waits it out, and so do the
    writes that close the job once its rows are in."""
    import threading
    import time

    from contacthub.db.engine import Database
    from tests.dialects.native.test_busy_store import held_elsewhere

    if not database_url.startswith("sqlite"):
        pytest.skip("the workspace's lock on PostgreSQL is held the same way (tested on SQLite's one lock)")
    impatient = Database(database_url, 0.3)
    settings = Settings(database_url=database_url, import_batch_size=1)
    csv = "Name,Email\n" + "".join(f"Busy {i},busy{i}@example.com\n" for i in range(3))
    with impatient.write() as session:
        job = import_jobs.create_job(session, actor, SourceSpec(data_url=data_url(csv)), ImportOptions(), settings)
    released = threading.Event()

    def hold_once(processed, *_):
        if processed == held_after and not released.is_set():
            def hold():
                with held_elsewhere(database_url, "", {}):
                    time.sleep(1.0)
                released.set()
            threading.Thread(target=hold).start()
            time.sleep(0.1)  # the other writer has the store before the next batch begins

    finished = import_jobs.run_job(impatient, actor.workspace_id, job.id, settings=settings, progress=hold_once)
    assert released.is_set()
    assert (finished.status, finished.error, finished.created) == ("succeeded", None, 3)


def test_an_import_whose_process_was_killed_is_resumed_by_a_worker(db, actor, tmp_path, database_url):
    """A real crash: `contacthub import` is killed (SIGKILL) mid-way. Its committed batches stay;
    once its lease runs out a worker takes the job over and writes only the rows still missing."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    total = 6000
    path = tmp_path / "many.csv"
    path.write_text("Name,Email\n" + "".join(f"Person {i},p{i}@crash.example\n" for i in range(total)))
    env = {**os.environ, "CONTACTHUB_DATABASE_URL": database_url, "CONTACTHUB_IMPORT_BATCH_SIZE": "50",
           "CONTACTHUB_IMPORT_LEASE_SECONDS": "1"}
    command = [str(Path(sys.executable).parent / "contacthub"), "import", str(path),
               "--workspace", str(actor.workspace_id), "--json"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    job = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with db.read() as session:
            jobs = import_jobs.jobs_page(session, actor, None, 10)
        job = next((j for j in jobs if j.source.endswith("many.csv")), None)
        if job is not None and job.processed >= 200:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    process.wait()
    with db.read() as session:
        job = import_jobs.get_job(session, actor, job.id)
    assert job.status == "running" and 200 <= job.processed < total, (job.status, job.processed)
    written_before = job.processed

    time.sleep(1.2)  # the dead worker's lease runs out
    settings = Settings(database_url=database_url)
    finished = None
    while finished is None or finished.id != job.id:
        finished = import_jobs.work_once(db, "rescuer", settings)
        assert finished is not None
    assert finished.status == "succeeded" and finished.claimed_by == "rescuer"
    assert finished.processed == finished.created == finished.total_rows == total
    rows = outcomes(db, actor, job.id)
    assert sorted(rows) == list(range(total)) and {r.status for r in rows.values()} == {"created"}
    with db.read() as session:
        assert contacts.count(session, actor, ContactFilter(q="@crash.example")) == total  # nobody twice
    assert written_before < total


def test_fuzzy_matching_finds_the_same_person_without_a_shared_email_or_phone(run, db, actor):
    """match=fuzzy: a row that shares no email or phone with anyone is scored by the identity
    engine; the same name at the same address is the same person. match=exact (the default)
    leaves it a new contact."""
    with db.write() as session:
        ada = contacts.create(session, actor, ContactInput(
            first_name="Ada", last_name="Lovelace", emails=[{"address": "ada@fuzzy.example"}],
            addresses=[{"line1": "12 St James's Square", "city": "London", "postal_code": "SW1Y 4JH"}]))
    csv_text = ("First Name,Last Name,Email,Address,City,Postal Code\n"
                "Ada,Lovelace,countess@fuzzy.example,12 St James's Square,London,SW1Y 4JH\n"
                "Grace,Hopper,grace@fuzzy.example,1 Navy Yard,Washington,20374\n"
                "Ada,Lovelace,other-ada@fuzzy.example,,,\n")  # a namesake elsewhere: not enough

    job, rows = run(csv_text, match="fuzzy")
    assert (job.merged, job.created) == (1, 2)
    assert rows[0].status == "merged" and rows[0].contact_id == ada.id and "likeness score" in rows[0].note
    assert rows[1].status == rows[2].status == "created" and rows[2].contact_id != ada.id
    with db.read() as session:
        emails = [p.normalized for p in contacts.get(session, actor, ada.id).emails]
    assert emails == ["ada@fuzzy.example", "countess@fuzzy.example"]

    second = (csv_text.replace("countess", "countess2").replace("other-ada", "other-ada2")
              .replace("Grace,Hopper,grace@fuzzy.example,1 Navy Yard,Washington,20374",
                       "Alan,Turing,alan@fuzzy.example,Bletchley Park,Milton Keynes,MK3 6EB"))
    job, rows = run(second, match="fuzzy", on_duplicate="review")
    assert rows[0].status == "review" and rows[0].contact_id != ada.id and "possible duplicate" in rows[0].note
    assert rows[2].status == "review"  # a namesake: not enough to merge, worth a look
    assert rows[1].status == "created" and "possible duplicate" not in (rows[1].note or "")

    job, rows = run(csv_text.replace("countess", "countess3").replace("grace@", "grace3@")
                    .replace("other-ada", "other-ada3"))
    assert rows[0].status == "created" and rows[0].contact_id != ada.id  # exact matching only


def test_fuzzy_matching_within_one_batch(run, db, actor):
    """match=fuzzy also compares a row with the earlier rows of its own batch (not yet written):
    the same name at the same address under another email merges into the first; the merged
    contact carries both emails. match=exact leaves them two people."""
    csv_text = ("First Name,Last Name,Email,Address,City,Postal Code\n"
                "Mary,Somerville,mary@batch.example,1 Hanover Square,London,W1S 1HT\n"
                "Ada,Lovelace,ada@batch.example,12 St James's Square,London,SW1Y 4JH\n"
                "Mary,Somerville,m.somerville@batch.example,1 Hanover Square,London,W1S 1HT\n"
                "Mary,Somerville,another-mary@batch.example,9 Elm Road,Leeds,LS1 1AA\n")
    job, rows = run(csv_text, match="fuzzy")
    assert (job.created, job.merged) == (3, 1)
    assert rows[2].status == "merged" and rows[2].contact_id == rows[0].contact_id
    assert "likeness score" in rows[2].note
    assert rows[3].status == "created" and rows[3].contact_id != rows[0].contact_id  # a namesake elsewhere
    with db.read() as session:
        mary = contacts.get(session, actor, rows[0].contact_id)
    assert [p.normalized for p in mary.emails] == ["mary@batch.example", "m.somerville@batch.example"]

    caroline = (csv_text.replace("@batch", "@review-batch").replace("Mary,Somerville", "Caroline,Herschel")
                .replace("1 Hanover Square,London,W1S 1HT", "19 New King Street,Bath,BA1 2BL"))
    job, rows = run(caroline, match="fuzzy", on_duplicate="review")
    assert rows[0].status == "created" and rows[2].status == "review"
    assert f"matches contact {rows[0].contact_id} by likeness score" in rows[2].note
    # the pair of one batch (both written by it) waits in the review queue
    assert (rows[2].contact_id, rows[0].contact_id) in [(r.contact_id, r.candidate_id) for r in open_reviews(db, actor)]

    job, rows = run(csv_text.replace("@batch", "@exact-batch"))
    assert (job.created, job.merged) == (4, 0)


def test_an_unknown_match_mode_is_refused():
    with pytest.raises(Exception, match="exact"):
        ImportOptions(match="sometimes")


def _broken_workbooks() -> dict[str, bytes]:
    import io
    import zipfile

    good = xlsx_bytes([["Name"], ["Ada"]])
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as z:
        z.writestr("a.txt", "x")
    cut_sheet = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as zin, zipfile.ZipFile(cut_sheet, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[:len(data) // 2] if "sheet1" in item.filename else data)
    # (bytes that are no workbook at all are read as whatever their content looks like: not here)
    return {"truncated.xlsx": good[:len(good) // 2],
            "zip-of-text.xlsx": not_a_workbook.getvalue(), "cut-sheet.xlsx": cut_sheet.getvalue(),
            "garbage.xls": b"\xd0\xcf\x11\xe0" + b"\x7e" * 3000}


@pytest.mark.parametrize("name", sorted(_broken_workbooks()))
def test_a_broken_spreadsheet_fails_its_import_saying_so(db, actor, tmp_path, database_url, name):
    job, rows = import_file(db, actor, tmp_path, database_url, _broken_workbooks()[name], name)
    assert job.status == "failed" and job.error.startswith("the spreadsheet cannot be read"), job.error
    assert rows == {}


def test_copies_left_by_a_killed_import_are_swept_once_stale(tmp_path, monkeypatch):
    """kill -9 mid-import left its copy of the file in the temporary folder for good (`serve`
    and `worker` now sweep those older than any import runs)."""
    import os
    import tempfile
    import time

    from contacthub.core import import_sources

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / f"{import_sources.COPY_PREFIX}old"
    fresh = tmp_path / f"{import_sources.COPY_PREFIX}running"
    other = tmp_path / "someone-elses-file"
    for path in (stale, fresh, other):
        path.write_text("Name\nA\n")
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    assert import_sources.sweep_stale_copies() == 1
    assert not stale.exists() and fresh.exists() and other.exists()
