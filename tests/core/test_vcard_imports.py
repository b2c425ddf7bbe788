"""vCard files (.vcf) through the import pipeline: a card a row, as iPhone, Android, Outlook and
Google Contacts export them."""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacthub.core import contacts, groups, import_jobs
from contacthub.core.imports import ImportOptions, SourceSpec
from contacthub.core.vcards import HEADERS, card_rows
from contacthub.repositories.contacts import ContactFilter
from contacthub.settings import Settings
from tests.importfiles import import_file

CRLF = "\r\n"

# An iPhone export (3.0): property groups, preferred values, escaped commas and line breaks, a
# photo folded over lines (and not valid base64: it must not matter), a company card.
IPHONE = CRLF.join([
    "BEGIN:VCARD", "VERSION:3.0", "PRODID:-//Apple Inc.//iPhone OS 17.0//EN",
    "N:Lovelace;Ada;Augusta;Hon.;", "FN:Ada Augusta Lovelace", "ORG:Analytical Engines Ltd;Research",
    "NICKNAME:Enchantress of Numbers,Ada", "BDAY:1815-12-10",
    "TITLE:Mathematician",
    "item1.EMAIL;type=INTERNET:ada@work.example", "item1.X-ABLabel:_$!<Other>!$_",
    "EMAIL;type=INTERNET;type=HOME;type=pref:ada@example.com",
    "TEL;type=CELL;type=VOICE;type=pref:+44 20 7946 0018",
    "item2.ADR;type=HOME;type=pref:;;12 St James\\, Square\\nFlat 3;London;;SW1Y 4JH;United Kingdom",
    "item2.X-ABADR:gb", "NOTE:Met at the\\nRoyal Society", "CATEGORIES:Friends,Science",
    "X-SOCIALPROFILE;type=linkedin;x-user=ada:https://www.linkedin.com/in/ada",
    "X-SOCIALPROFILE;type=myspace:https://myspace.example/ada", "URL:https://ada.example",
    "IMPP;X-SERVICE-TYPE=Skype;type=HOME;type=pref:skype:ada.lovelace",
    "item3.X-ABDATE;type=pref:1835-07-08", "item3.X-ABLabel:_$!<Anniversary>!$_",
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHR",
    " oeHx4dGhwcICQuJyAiLCMcHCg3KSwwMTQ0NB8nOT04MjwuMzQy/2wBDAQkJCQ!!!broken",
    "END:VCARD",
    "BEGIN:VCARD", "VERSION:3.0", "N:;;;;", "FN:Babbage & Co", "ORG:Babbage & Co;",
    "X-ABShowAs:COMPANY", "TEL;type=WORK:+44 20 7946 0100", "END:VCARD",
]) + CRLF

# An Android export (2.1): quoted-printable UTF-8 names, bare types, a soft line break with no
# indent, a card whose END is missing.
ANDROID = CRLF.join([
    "BEGIN:VCARD", "VERSION:2.1",
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;",
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen M=C3=BCller",
    "TEL;CELL;PREF:+49 30 1234567", "EMAIL;HOME:juergen@example.de",
    "NOTE;ENCODING=QUOTED-PRINTABLE:Zeile eins=0D=0AZeile zwei, lang genug f=C3=BCr einen wei=",
    "chen Umbruch",
    "END:VCARD",
    "BEGIN:VCARD", "VERSION:2.1", "N:Hopper;Grace;;;", "TEL;WORK;VOICE:+1 202-555-0100", "BDAY:--1209",
]) + CRLF

# vCard 4.0: an organization, a tel: URI with an extension, PREF=1, a group card.
VCARD4 = "\n".join([
    "BEGIN:VCARD", "VERSION:4.0", "KIND:org", "FN:Acme Corp", "ORG:Acme Corp",
    'TEL;VALUE=uri;TYPE="work,voice";PREF=2:tel:+1-212-555-0100',
    "TEL;VALUE=uri;PREF=1:tel:+1-212-555-0199;ext=42", "EMAIL:info@acme.example", "END:VCARD",
    "BEGIN:VCARD", "VERSION:4.0", "KIND:group", "FN:Suppliers", "END:VCARD",
]) + "\n"


@pytest.fixture
def run(db, actor, tmp_path, database_url):
    def go(content, name="contacts.vcf", **options):
        return import_file(db, actor, tmp_path, database_url, content, name, **options)
    return go


def people(db, actor):
    with db.read() as session:
        return {v.computed_display_name: v for v in contacts.list_page(session, actor, ContactFilter(), None, 200).items}


def test_a_label_of_the_users_own_keeps_its_commas(run, db, actor):
    card = "\r\n".join(["BEGIN:VCARD", "VERSION:3.0", "FN:Ada Lovelace", "item1.TEL:+44 20 7946 0958",
                         "item1.X-ABLabel:Bureau\\, 2ème", "END:VCARD"]) + "\r\n"
    job, rows = run(card)
    assert job.created == 1, rows
    assert [p.type for p in people(db, actor)["Ada Lovelace"].phones] == ["Bureau, 2ème"]


def test_an_iphone_export(run, db, actor):
    job, rows = run(IPHONE, create_groups=True)
    assert (job.status, job.format, job.created, job.invalid) == ("succeeded", "vcf", 2, 0), rows
    stored = people(db, actor)
    ada = stored["Ada Augusta Lovelace"]
    assert (ada.prefix, ada.first_name, ada.middle_name, ada.last_name, ada.employer, ada.title) == (
        "Hon.", "Ada", "Augusta", "Lovelace", "Analytical Engines Ltd", "Mathematician")
    assert (ada.nickname, ada.birth_date.isoformat()) == ("Enchantress of Numbers", "1815-12-10")
    # of the networks known; a messaging service's name too
    assert ada.social == {"linkedin": "https://www.linkedin.com/in/ada", "skype": "ada.lovelace"}
    assert ada.attributes == {"website": "https://ada.example", "anniversary": "1835-07-08"}  # the photo was embedded
    assert ada.notes == "Met at the\nRoyal Society"
    # the preferred first; each with the type its TYPE words (INTERNET and pref name none) or its label name
    assert [(e.normalized, e.type) for e in ada.emails] == [("ada@example.com", "home"), ("ada@work.example", "other")]
    assert [(p.normalized, p.type) for p in ada.phones] == [("+442079460018", "mobile")]
    address = ada.addresses[0]
    assert (address.line1, address.line2, address.city, address.postal_code, address.country, address.type) == (
        "12 St James, Square", "Flat 3", "London", "SW1Y 4JH", "United Kingdom", "home")
    company = stored["Babbage & Co"]
    assert (company.kind, company.organization_name) == ("organization", "Babbage & Co")
    assert {"Friends", "Science"} <= set(stored)  # its categories, created as groups and joined
    assert stored["Friends"].kind == "group"


def test_an_android_export(run, db, actor):
    job, rows = run(ANDROID)
    assert (job.created, job.invalid, job.total_rows) == (2, 0, 2), rows
    stored = people(db, actor)
    jurgen = stored["Jürgen Müller"]
    assert (jurgen.first_name, jurgen.last_name) == ("Jürgen", "Müller")
    assert jurgen.notes == "Zeile eins\nZeile zwei, lang genug für einen weichen Umbruch"
    assert [(p.normalized, p.type) for p in jurgen.phones] == [("+49301234567", "mobile")]  # 2.1's bare CELL
    assert [e.normalized for e in jurgen.emails] == ["juergen@example.de"]
    grace = stored["Grace Hopper"]  # the last card lacks its END: it ends with the file
    assert [p.normalized for p in grace.phones] == ["+12025550100"]
    assert (grace.birth_date, grace.attributes) == (None, {"birthday": "--12-09"})  # a birthday with no year, as ISO writes it


def test_a_vcard_4_organization_and_group(run, db, actor):
    job, rows = run(VCARD4)
    assert (job.created, job.invalid) == (2, 0), rows
    stored = people(db, actor)
    acme = stored["Acme Corp"]
    assert acme.kind == "organization"
    # PREF=1 first; the tel: URI's number as given, its extension kept there
    assert [(p.value, p.normalized) for p in acme.phones] == [
        ("+1-212-555-0199 ext. 42", "+12125550199"), ("+1-212-555-0100", "+12125550100")]
    assert stored["Suppliers"].kind == "group"


def test_group_cards_bring_their_members(run, db, actor):
    """iCloud and macOS write a group as a card listing its members' UIDs
    (X-ADDRESSBOOKSERVER-MEMBER), vCard 4 as KIND:group with MEMBER; the group card may come
    before or after the members."""
    content = CRLF.join([
        "BEGIN:VCARD", "VERSION:3.0", "UID:A1B2C3D4-0000-4000-8000-000000000001", "FN:Ada Lovelace",
        "EMAIL:ada@example.com", "CATEGORIES:Science", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "X-ADDRESSBOOKSERVER-KIND:group", "FN:Book Club",
        "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:a1b2c3d4-0000-4000-8000-000000000001",
        "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:A1B2C3D4-0000-4000-8000-000000000002", "END:VCARD",
        "BEGIN:VCARD", "VERSION:4.0", "KIND:group", "FN:Science",
        "MEMBER:urn:uuid:a1b2c3d4-0000-4000-8000-000000000002", "END:VCARD",
        "BEGIN:VCARD", "VERSION:4.0", "UID:urn:uuid:a1b2c3d4-0000-4000-8000-000000000002", "FN:Grace Hopper",
        "TEL:+1 202 555 0100", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "UID:not-a-member", "FN:Alan Turing", "EMAIL:alan@example.org", "END:VCARD",
    ]) + CRLF
    job, rows = run(content)
    assert (job.created, job.invalid) == (5, 0), rows
    with db.read() as session:
        stored = people(db, actor)
        held = groups.names_holding(session, actor, [stored[n].id for n in ("Ada Lovelace", "Grace Hopper", "Alan Turing")])
    assert sorted(held[stored["Ada Lovelace"].id]) == ["Book Club", "Science"]  # its CATEGORIES, and the group's list
    assert sorted(held[stored["Grace Hopper"].id]) == ["Book Club", "Science"]
    assert not held.get(stored["Alan Turing"].id)
    notes = [r.note for r in rows.values() if r.note]
    assert notes == []  # every group named is a card of the file


def test_a_bad_card_is_an_invalid_row_and_the_others_import(run, db, actor):
    content = CRLF.join([
        "BEGIN:VCARD", "VERSION:3.0", "FN:Ada", "EMAIL:ada@example.com", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "FN:Bad", "EMAIL:not-an-email", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "PHOTO:abc", "END:VCARD",
        "BEGIN:VCARD", "VERSION:3.0", "FN:Ada again", "EMAIL:ADA@example.com", "TEL:+1 212 555 0100", "END:VCARD",
    ])
    job, rows = run(content)
    assert (job.created, job.merged, job.invalid) == (1, 1, 2), rows
    assert rows[1].errors[0]["column"] == "Email" and "not a valid email" in rows[1].errors[0]["reason"]
    assert dict(rows[1].raw)["Name"] == "Bad" and dict(rows[1].raw)["Email"] == "not-an-email"  # shown as read
    assert rows[2].errors == [{"column": "", "field": "row", "reason": "the card holds no name, email, phone or address"}]
    ada = people(db, actor)["Ada"]
    assert [p.normalized for p in ada.phones] == ["+12125550100"]  # merged in by email
    assert rows[3].contact_id == ada.id


def test_a_file_with_no_card_fails(run):
    job, rows = run("Name,Email\nAda,ada@example.com\n", name="contacts.vcf")
    assert job.status == "failed" and "no card" in job.error
    assert rows == {}


def test_utf16_and_a_data_url_with_the_vcard_type(db, actor, database_url):
    content = CRLF.join(["BEGIN:VCARD", "VERSION:3.0", "FN:Zoë Ångström", "EMAIL:zoe@example.com", "END:VCARD"])
    data = base64.b64encode(content.encode("utf-16")).decode()
    for mime in ("text/vcard", "application/octet-stream"):  # by its type, or by its first bytes
        job = import_jobs.import_now(db, actor, SourceSpec(data_url=f"data:{mime};base64,{data}"), ImportOptions(),
                                     Settings(database_url=database_url))
        assert (job.status, job.format) == ("succeeded", "vcf")
    assert list(people(db, actor)) == ["Zoë Ångström"]


def cells(*lines):
    return [{h: c for h, c in zip(HEADERS, row) if c} for row in card_rows(line + "\r\n" for line in lines)]


def test_content_lines_as_the_rfcs_write_them():
    assert cells(
        "junk before any card",
        "BEGIN:VCARD", "VERSION:3.0",
        "FN:Ada",
        "\tLovelace",  # folded with a tab: the tab goes, as a space would
        'EMAIL;X-NOTE="work: main";TYPE=internet:ada@example.com',  # a quoted parameter holding ":"
        "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen;;;",
        "ADR;TYPE=work:PO Box 12;;;Springfield;IL;62701;USA",
        "X-UNKNOWN;WHATEVER:ignored",
        "END:VCARD",
        "BEGIN:VCARD", "FN:Next", "CATEGORIES:A\\,B,C",
    ) == [
        {"Name": "AdaLovelace", "First Name": "Jürgen", "Last Name": "Müller", "Email": "ada@example.com",
         "Email - Type": "internet",
         "Address 1 - Street": "PO Box 12", "Address 1 - City": "Springfield", "Address 1 - Region": "IL",
         "Address 1 - Postal Code": "62701", "Address 1 - Country": "USA", "Address 1 - Type": "work"},
        {"Name": "Next", "Groups": "A,B ::: C"},
    ]


def test_messaging_anniversaries_and_photos():
    """IMPP (and the older X-AIM, X-SKYPE… properties) as social profiles under the service's
    name; an anniversary and a photo's URL as attributes; an embedded photo passed over."""
    assert cells(
        "BEGIN:VCARD", "VERSION:3.0", "FN:Ada",
        "IMPP;X-SERVICE-TYPE=Skype;type=HOME:skype:ada.lovelace?call",
        "item1.IMPP;X-SERVICE-TYPE=AIM;type=pref:aim:goim?screenname=ada1815",
        "IMPP;X-SERVICE-TYPE=Jabber:xmpp:ada@jabber.example",
        "IMPP;X-SERVICE-TYPE=Jabber:xmpp:second@jabber.example",  # one per service: the first kept
        "IMPP;X-SERVICE-TYPE=Unheard:x-apple:nobody",  # a service of none of the known names
        "X-ICQ:123456", "X-GOOGLE-TALK:ada@gmail.example",
        "item2.X-ABDATE:1843-07-08", "item2.X-ABLabel:_$!<Anniversary>!$_",
        "item3.X-ABDATE:1840-01-01", "item3.X-ABLabel:_$!<Other>!$_",
        "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD",
        "END:VCARD",
        "BEGIN:VCARD", "VERSION:4.0", "FN:Grace", "IMPP:sip:grace@voip.example", "ANNIVERSARY:19410609",
        "PHOTO:https://photos.example/grace.jpg", "END:VCARD",
        "BEGIN:VCARD", "VERSION:2.1", "FN:Alan", "X-ANNIVERSARY:--0623", "X-SKYPE-USERNAME:alan.t",
        "PHOTO;VALUE=uri:http://photos.example/alan.png", "END:VCARD",
    ) == [
        {"Name": "Ada", "social.skype": "ada.lovelace", "social.aim": "ada1815", "social.xmpp": "ada@jabber.example",
         "social.icq": "123456", "social.googletalk": "ada@gmail.example", "metadata.anniversary": "1843-07-08"},
        {"Name": "Grace", "social.sip": "grace@voip.example", "metadata.anniversary": "1941-06-09",
         "metadata.photo": "https://photos.example/grace.jpg"},
        {"Name": "Alan", "social.skype": "alan.t", "metadata.anniversary": "--06-23",
         "metadata.photo": "http://photos.example/alan.png"},
    ]


def test_apples_birthday_without_a_year_is_no_birth_date(run, db, actor):
    """iPhone and iCloud write a birthday with no year as 1604-05-17 marked X-APPLE-OMIT-YEAR:
    it was stored as a birth in 1604 (and two people born on one day and month then look alike)."""
    card = CRLF.join(["BEGIN:VCARD", "VERSION:3.0", "FN:Ada Lovelace",
                      "BDAY;X-APPLE-OMIT-YEAR=1604;VALUE=date:1604-05-17",
                      "item1.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-06-15", "item1.X-ABLabel:_$!<Anniversary>!$_",
                      "END:VCARD",
                      "BEGIN:VCARD", "VERSION:3.0", "FN:Grace Hopper", "BDAY;VALUE=date:1906-12-09", "END:VCARD"]) + CRLF
    job, rows = run(card)
    assert job.created == 2, rows
    ada, grace = people(db, actor)["Ada Lovelace"], people(db, actor)["Grace Hopper"]
    assert (ada.birth_date, ada.attributes) == (None, {"birthday": "--05-17", "anniversary": "--06-15"})
    assert grace.birth_date.isoformat() == "1906-12-09"


def test_a_birthday_with_a_time_that_is_none_is_refused_as_in_a_csv(run, db, actor):
    card = CRLF.join(["BEGIN:VCARD", "VERSION:3.0", "FN:Bad Time", "BDAY:1990-05-17T99:99", "END:VCARD",
                      "BEGIN:VCARD", "VERSION:3.0", "FN:Good Time", "BDAY:1990-05-17T00:00:00Z", "END:VCARD"]) + CRLF
    job, rows = run(card)
    assert (job.created, job.invalid) == (1, 1), rows
    assert rows[0].errors[0]["column"] == "Birthday"
    assert people(db, actor)["Good Time"].birth_date.isoformat() == "1990-05-17"


LINE = st.one_of(
    st.sampled_from(["BEGIN:VCARD", "END:VCARD", "VERSION:2.1", "N:;;;;", "ADR:;;;", "TEL;CELL:", "EMAIL:", ""]),
    st.builds(lambda name, params, value: f"{name}{params}:{value}",
              st.sampled_from(["FN", "N", "EMAIL", "TEL", "ADR", "ORG", "NOTE", "BDAY", "CATEGORIES", "item1.EMAIL",
                               "item1.X-ABLabel", "X-SOCIALPROFILE", "KIND", "NICKNAME", "IMPP", "X-AIM",
                               "item1.X-ABDATE", "ANNIVERSARY", "PHOTO"]),
              st.sampled_from(["", ";TYPE=pref", ";ENCODING=QUOTED-PRINTABLE;CHARSET=nonsense", ';X="a:b', ";PREF=x",
                               ";TYPE=linkedin", ";CHARSET=UTF-8;QUOTED-PRINTABLE", ";X-SERVICE-TYPE=Skype",
                               ";VALUE=uri"]),
              st.text(max_size=30)),
    st.text(max_size=40).map(lambda text: " " + text),  # a folded line
    st.text(max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, max_size=25))
def test_any_text_reads_as_cards_without_failing(lines):
    """Whatever a file holds, reading it gives rows of HEADERS' width (a bad card is a bad row,
    never a failed import)."""
    for row in card_rows(line + "\r\n" for line in lines):
        assert len(row) == len(HEADERS) and all(isinstance(cell, str) for cell in row)
