"""GET /v1/contacts/{id}/vcard: a contact as a vCard an address book reads, and reads back."""

import uuid

from contacthub.core import groups, workspaces
from contacthub.core.actor import Actor
from contacthub.core.vcards import HEADERS, card_rows

ADA = {
    "prefix": "Hon.", "first_name": "Ada", "middle_name": "Augusta", "last_name": "Lovelace", "nickname": "Ada",
    "title": "Analyst", "employer": "Analytical Engines; Ltd", "birth_date": "1815-12-10",
    "notes": "Met at the Royal Society,\nLondon",
    "emails": [{"address": "ada@work.example", "type": "work"}, {"address": "ada@example.com", "primary": True}],
    "phones": [{"number": "+44 20 7946 0958", "type": "mobile"}],
    "addresses": [{"line1": "12 St James's Sq", "line2": "Flat 3", "city": "London", "postal_code": "SW1Y 4JH",
                   "country": "GB", "type": "home"}],
    "social": {"linkedin": "https://linkedin.com/in/ada"},
}


def test_a_contact_as_a_vcard(api, db, workspace):
    ada = api.post("/v1/contacts", json=ADA).json()
    team = api.post("/v1/contacts", json={"kind": "group", "display_name": "Engine, Team"}).json()
    with db.write() as session:
        groups.set_members(session, Actor(workspace.workspace_id, workspace.key_id, "native"),
                           uuid.UUID(team["id"]), [uuid.UUID(ada["id"])], None)
    response = api.get(f"/v1/contacts/{ada['id']}/vcard")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/vcard; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{ada["id"]}.vcf"'
    lines = response.content.decode().split("\r\n")
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:3.0"] and lines[-2:] == ["END:VCARD", ""]
    assert "EMAIL;TYPE=INTERNET,pref:ada@example.com" in lines  # the primary first, and preferred
    assert "EMAIL;TYPE=INTERNET,WORK:ada@work.example" in lines
    assert "TEL;TYPE=CELL,pref:+44 20 7946 0958" in lines  # as it was given
    assert "ORG:Analytical Engines\\; Ltd" in lines and "CATEGORIES:Engine\\, Team" in lines
    [card] = [{h: c for h, c in zip(HEADERS, row) if c} for row in card_rows(lines)]
    assert card == {
        "Name": "Ada Lovelace", "Prefix": "Hon.", "First Name": "Ada", "Middle Name": "Augusta",
        "Last Name": "Lovelace", "Nickname": "Ada", "Birthday": "1815-12-10",
        "Email": "ada@example.com ::: ada@work.example", "Email - Type": "internet,pref ::: internet,work",
        "Phone": "+44 20 7946 0958", "Phone - Type": "cell,pref",
        "Company": "Analytical Engines; Ltd", "Title": "Analyst", "Notes": "Met at the Royal Society,\nLondon",
        "Groups": "Engine, Team ::: ", "Address 1 - Street": "12 St James's Sq", "Address 1 - Extended Address": "Flat 3",
        "Address 1 - City": "London", "Address 1 - Postal Code": "SW1Y 4JH", "Address 1 - Country": "GB", "Address 1 - Type": "home,pref",
        "social.linkedin": "https://linkedin.com/in/ada",
    }
    group_card = api.get(f"/v1/contacts/{team['id']}/vcard").text
    assert "X-ADDRESSBOOKSERVER-KIND:group\r\n" in group_card


def test_messaging_an_anniversary_and_a_photo_go_out_and_come_back(api):
    grace = api.post("/v1/contacts", json={
        "first_name": "Grace", "social": {"skype": "grace.h", "xmpp": "grace@jabber.example", "github": "ghopper"},
        "attributes": {"anniversary": "1930-06-15", "photo": "https://photos.example/grace.jpg"}}).json()
    lines = api.get(f"/v1/contacts/{grace['id']}/vcard").text.split("\r\n")
    assert "IMPP;X-SERVICE-TYPE=Skype:skype:grace.h" in lines
    assert "IMPP;X-SERVICE-TYPE=Jabber:xmpp:grace@jabber.example" in lines
    assert "X-SOCIALPROFILE;TYPE=github:ghopper" in lines
    assert "X-ANNIVERSARY:1930-06-15" in lines and "PHOTO;VALUE=uri:https://photos.example/grace.jpg" in lines
    [card] = [{h: c for h, c in zip(HEADERS, row) if c} for row in card_rows(lines)]
    assert {h: card[h] for h in card if h.startswith(("social.", "metadata."))} == {
        "social.github": "ghopper", "social.skype": "grace.h", "social.xmpp": "grace@jabber.example",
        "metadata.anniversary": "1930-06-15", "metadata.photo": "https://photos.example/grace.jpg"}


def test_a_type_vcard_has_no_word_for_is_a_label(api):
    lab = api.post("/v1/contacts", json={"first_name": "Grace", "phones": [
        {"number": "+1 202 555 0100", "type": "Lab"}, {"number": "+1 202 555 0101", "type": "fax"}]}).json()
    lines = api.get(f"/v1/contacts/{lab['id']}/vcard").text.split("\r\n")
    assert lines[lines.index("item1.TEL;TYPE=pref:+1 202 555 0100") + 1] == "item1.X-ABLabel:Lab"
    assert "TEL;TYPE=FAX:+1 202 555 0101" in lines
    [card] = [dict(zip(HEADERS, row)) for row in card_rows(lines)]
    assert card["Phone - Type"] == "Lab,pref ::: fax"  # read back: the label, then its TYPE words


def test_unknown_and_foreign_contacts_have_no_vcard(api, client, db):
    mine = api.post("/v1/contacts", json={"first_name": "Mine"}).json()["id"]
    with db.write() as session:
        other = workspaces.create_workspace(session, "other")
    foreign = client.get(f"/v1/contacts/{mine}/vcard", headers={"Authorization": f"Bearer {other.api_key}"})
    assert foreign.status_code == 404 and foreign.json()["error"]["type"] == "not_found"
    assert api.get("/v1/contacts/not-an-id/vcard").status_code == 404
    assert client.get(f"/v1/contacts/{mine}/vcard", headers={"Authorization": "Bearer nope"}).status_code == 401
