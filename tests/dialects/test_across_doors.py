"""One store, five doors: a contact written through one door and changed through another keeps
everything the changing door does not model, reads back in every door's own shape, disappears
from every door when deleted through one, resolves to one identity whichever door wrote its
email, and its history names the door of each change."""

import json
import base64
import uuid

import pytest
from fastapi.testclient import TestClient


def _ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response.json()


class Doors:
    """Clients for the five doors of one workspace, each with its own auth scheme."""

    def __init__(self, app, workspace):
        key = workspace.api_key
        self.ws = workspace.workspace_id
        self.native = TestClient(app, headers={"Authorization": f"Bearer {key}"})
        self.bird = TestClient(app, headers={"Authorization": f"AccessKey {key}"})
        self.bird_base = f"/bird/workspaces/{workspace.workspace_id}"
        self.cm = TestClient(app, base_url="http://testserver/chartmogul")
        self.cm.auth = (key, "")
        token = base64.b64encode(f"apiuser:{key}".encode()).decode()
        self.van = TestClient(app, headers={"Authorization": f"Basic {token}"})
        self.px = TestClient(app, headers={"PX-API-KEY": key})

    # ---- reads, each door's own path for one contact
    def get_native(self, cid):
        return _ok(self.native.get(f"/v1/contacts/{cid}"))

    def get_bird(self, cid):
        return _ok(self.bird.get(f"{self.bird_base}/contacts/{cid}"))

    def get_cm(self, cid):
        return _ok(self.cm.get(f"/v1/contacts/con_{cid}"))

    def get_van(self, cid):
        return _ok(self.van.get(f"/ngpvan/v2/contacts/{cid}"))

    def get_px(self, cid):
        return _ok(self.px.get(f"/packagex/v1/contacts/contact_{cid}"))["data"]

    # ---- writes
    def van_create(self, body) -> str:
        return _ok(self.van.post("/ngpvan/v2/contacts", json=body), 201)["contactId"]

    def native_create(self, body) -> str:
        return _ok(self.native.post("/v1/contacts", json=body), 201)["id"]

    def bird_patch(self, cid, body):
        return _ok(self.bird.patch(f"{self.bird_base}/contacts/{cid}", json=body))

    def px_update(self, cid, body):
        return _ok(self.px.post(f"/packagex/v1/contacts/contact_{cid}", json=body))["data"]

    def cm_patch(self, cid, body):
        return _ok(self.cm.patch(f"/v1/contacts/con_{cid}", json=body))

    def van_update(self, cid, body):
        return _ok(self.van.post(f"/ngpvan/v2/contacts/{cid}", json=body))


@pytest.fixture
def doors(app, workspace) -> Doors:
    return Doors(app, workspace)


VAN_RICH = {
    "type": "INDIVIDUAL",
    "firstName": "Lefty", "lastName": "McDonkey", "middleName": "Q", "nickName": "Lef", "salutation": "Dear Lefty",
    "emails": [
        {"address": "lefty@example.com", "type": "MAIN", "doNotEmail": True,
         "appliedEmailLists": [{"emailListId": 12}]},
        {"address": "lefty.work@example.com", "type": "WORK", "isPrimary": True},
    ],
    "phones": [
        {"number": "2025557979", "type": "MOBILE", "isDisclosure": True},
        {"number": "3014884002", "type": "HOME", "extension": "12"},
    ],
    "addresses": [
        {"line1": "1203 12th St", "line2": "Suite 525", "line3": "Floor 5", "city": "Washington",
         "stateProvince": "DC", "postalCode": "20005", "type": "WORK", "isDisclosure": True},
        {"line1": "1 Main St", "city": "Springfield", "stateProvince": "IL", "postalCode": "62701",
         "type": "HOME", "isPrimary": True},
    ],
    "externalLinks": [{"externalSourceTypeId": "13", "externalId": "12345"}],
    "contactCodes": [{"contactCodeId": 37653}],
    "employer": "NGP VAN", "occupation": "Mascot",
    "facebookProfileUrl": "http://facebook.com/lefty",
    "mailName": "Mr. Lefty McDonkey",
}


def _van_parts(contact: dict) -> dict:
    """The parts of a VAN contact a door that does not model them must leave alone."""
    return {name: contact[name] for name in (
        "middleName", "nickName", "salutation", "phones", "addresses", "externalLinks", "contactCodes",
        "employer", "occupation", "facebookProfileUrl", "mailName")}


# ---------------------------------------------------------------- updates keep what they do not touch

def test_van_contact_survives_a_bird_patch(doors):
    cid = doors.van_create(VAN_RICH)
    before_van, before_native = doors.get_van(cid), doors.get_native(cid)
    doors.bird_patch(cid, {"attributes": {"favouriteColour": "green", "firstName": "Lefty"},
                           "addIdentifiers": [{"key": "visitorid", "value": "v-1"}]})
    after_van, after_native = doors.get_van(cid), doors.get_native(cid)
    assert after_van["emails"] == before_van["emails"]
    assert _van_parts(after_van) == _van_parts(before_van)
    assert after_native["emails"] == before_native["emails"]
    assert after_native["addresses"] == before_native["addresses"]
    assert {"key": "visitorid", "value": "v-1"} in after_native["identifiers"]
    assert after_native["attributes"]["favouriteColour"] == "green"


def test_van_contact_survives_a_packagex_update(doors):
    cid = doors.van_create(VAN_RICH)
    before_van, before_native = doors.get_van(cid), doors.get_native(cid)
    doors.px_update(cid, {"notes": "met at the fair", "metadata": {"tier": "gold"}})
    after_van, after_native = doors.get_van(cid), doors.get_native(cid)
    assert after_van["emails"] == before_van["emails"]
    assert _van_parts(after_van) == _van_parts(before_van)
    assert after_native["attributes"] == {"tier": "gold"}
    assert after_native["notes"] == "met at the fair"
    assert (after_native["addresses"], after_native["identifiers"]) == (before_native["addresses"], before_native["identifiers"])


def test_van_contact_survives_a_packagex_round_trip(doors):
    """A PackageX client reads the contact and posts the very same fields back: nothing changes."""
    cid = doors.van_create(VAN_RICH)
    before_van, before_native = doors.get_van(cid), doors.get_native(cid)
    px = doors.get_px(cid)
    doors.px_update(cid, {name: px[name] for name in ("name", "email", "phone", "notes", "type", "metadata")})
    after_van, after_native = doors.get_van(cid), doors.get_native(cid)
    assert after_van["emails"] == before_van["emails"]
    assert _van_parts(after_van) == _van_parts(before_van)
    for name in ("emails", "phones", "addresses", "identifiers", "first_name", "last_name", "kind"):
        assert after_native[name] == before_native[name], name


def test_van_contact_survives_a_packagex_address_line2_update(doors):
    cid = doors.van_create(VAN_RICH)
    before = doors.get_van(cid)
    doors.px_update(cid, {"address_line2": "Suite 600"})
    after = doors.get_van(cid)
    changed = [a for a in after["addresses"] if a["line2"] == "Suite 600"]
    assert len(changed) == 1
    unchanged = [a for a in after["addresses"] if a["line2"] != "Suite 600"]
    assert unchanged == [a for a in before["addresses"] if a["line1"] != changed[0]["line1"]]
    # the changed one kept its VAN properties
    old = next(a for a in before["addresses"] if a["line1"] == changed[0]["line1"])
    assert {k: v for k, v in changed[0].items() if k != "line2"} == {k: v for k, v in old.items() if k != "line2"}


def test_van_contact_survives_a_chartmogul_patch(doors):
    cid = doors.van_create(VAN_RICH)
    before_van, before_native = doors.get_van(cid), doors.get_native(cid)
    cm = doors.get_cm(cid)
    doors.cm_patch(cid, {"title": "Chief Mascot", "email": cm["email"], "phone": cm["phone"]})
    after_van, after_native = doors.get_van(cid), doors.get_native(cid)
    assert after_native["title"] == "Chief Mascot"
    assert after_van["emails"] == before_van["emails"]
    assert _van_parts(after_van) == _van_parts(before_van)
    for name in ("emails", "phones", "addresses", "identifiers", "social", "extra"):
        assert after_native.get(name) == before_native.get(name), name


def test_van_update_of_external_links_keeps_other_doors_identifiers(doors):
    cid = doors.van_create(VAN_RICH)
    doors.bird_patch(cid, {"addIdentifiers": [{"key": "visitorid", "value": "v-9"}]})
    doors.van_update(cid, {"externalLinks": [{"externalSourceTypeId": "13", "externalId": "555"}]})
    native = doors.get_native(cid)
    assert {"key": "visitorid", "value": "v-9"} in native["identifiers"]
    held = [(i["key"], i["value"]) for i in native["identifiers"]]
    assert ("ngpvan.13", "555") in held and ("ngpvan.13", "12345") not in held
    assert doors.get_van(cid)["externalLinks"] == [{"externalSourceTypeId": "13", "externalId": "555"}]


@pytest.fixture
def rich_native(doors):
    """A native contact with every part: attributes, a list, an account (a ChartMogul customer),
    identifiers, social, birth date, typed emails, phones and addresses."""
    source = doors.cm.post("/v1/data_sources", json={"name": "Billing"}).json()
    customer = doors.cm.post("/v1/customers", json={
        "data_source_uuid": source["uuid"], "external_id": "cus-1", "name": "Acme", "email": "billing@acme.test"}).json()
    account_id = customer["uuid"].removeprefix("cus_")
    list_id = doors.native.post("/v1/lists", json={"name": "VIP"}).json()["id"]
    cid = doors.native_create({
        "first_name": "Ada", "last_name": "Lovelace", "display_name": "Ada Lovelace", "title": "Analyst",
        "employer": "Analytical Engines Ltd", "birth_date": "1815-12-10", "notes": "first programmer",
        "emails": [{"address": "ada@example.com", "type": "work", "primary": True},
                   {"address": "ada@home.example", "type": "home"}],
        "phones": [{"number": "+442079460958", "type": "mobile"}, {"number": "+442079460959", "type": "work"}],
        "addresses": [{"line1": "12 St James's Sq", "city": "London", "postal_code": "SW1Y 4JH", "country": "GB",
                       "type": "work"},
                      {"line1": "1 Home Rd", "city": "London", "country": "GB", "type": "home"}],
        "identifiers": [{"key": "visitorid", "value": "v-123"}, {"key": "crm", "value": "c-1"}],
        "social": {"twitter": "@ada", "linked_in": "ada-l"},
        "attributes": {"tier": "gold", "score": 7},
        "lists": [list_id],
        "accounts": [{"id": account_id, "position": 1}],
    })
    return cid


KEPT = ("kind", "first_name", "last_name", "title", "employer", "birth_date", "notes", "emails", "phones",
        "addresses", "identifiers", "social", "attributes", "lists", "accounts", "display_name")


def _unchanged(before: dict, after: dict, *, but: tuple = ()) -> None:
    for name in KEPT:
        if name not in but:
            assert after[name] == before[name], name


def test_native_contact_survives_a_bird_patch(doors, rich_native):
    before = doors.get_native(rich_native)
    doors.bird_patch(rich_native, {"attributes": {"colour": "blue"}})
    after = doors.get_native(rich_native)
    _unchanged(before, after, but=("attributes",))
    assert after["attributes"] == {**before["attributes"], "colour": "blue"}


def test_native_contact_survives_a_bird_round_trip(doors, rich_native):
    """A Bird client reads the contact and patches back its attributes as read."""
    before = doors.get_native(rich_native)
    bird = doors.get_bird(rich_native)
    doors.bird_patch(rich_native, {"attributes": bird["attributes"], "displayName": bird["computedDisplayName"]})
    after = doors.get_native(rich_native)
    _unchanged(before, after)


def test_native_contact_survives_a_packagex_update(doors, rich_native):
    before = doors.get_native(rich_native)
    doors.px_update(rich_native, {"name": "Ada King", "notes": "countess"})
    after = doors.get_native(rich_native)
    _unchanged(before, after, but=("display_name", "notes"))
    assert after["display_name"] == "Ada King" and after["notes"] == "countess"


def test_native_contact_survives_a_packagex_round_trip(doors, rich_native):
    before = doors.get_native(rich_native)
    px = doors.get_px(rich_native)
    doors.px_update(rich_native, {name: px[name] for name in ("name", "email", "phone", "notes", "type", "metadata")})
    _unchanged(before, doors.get_native(rich_native))


def test_native_contact_survives_a_chartmogul_patch(doors, rich_native):
    before = doors.get_native(rich_native)
    doors.cm_patch(rich_native, {"title": "Countess"})
    after = doors.get_native(rich_native)
    _unchanged(before, after, but=("title",))
    assert after["title"] == "Countess"


def test_native_contact_survives_a_chartmogul_round_trip(doors, rich_native):
    before = doors.get_native(rich_native)
    cm = doors.get_cm(rich_native)
    doors.cm_patch(rich_native, {name: cm[name] for name in (
        "first_name", "last_name", "title", "email", "phone", "linked_in", "twitter", "notes", "position")})
    _unchanged(before, doors.get_native(rich_native))


def test_native_contact_survives_a_van_update(doors, rich_native):
    before = doors.get_native(rich_native)
    doors.van_update(rich_native, {"occupation": "Mathematician",
                                   "externalLinks": [{"externalSourceTypeId": "7", "externalId": "x1"}]})
    after = doors.get_native(rich_native)
    _unchanged(before, after, but=("identifiers",))
    assert after["occupation"] == "Mathematician"
    assert after["identifiers"] == before["identifiers"] + [
        {"key": "ngpvan.7", "value": "x1", "properties": {"externalSourceTypeId": "7", "externalId": "x1"}}]


def test_van_organization_keeps_its_kind_through_a_packagex_round_trip(doors):
    """PackageX knows person and group only: an organization reads as type person, and writing
    that back must not turn it into a person."""
    cid = doors.van_create({"type": "ORGANIZATION", "commonName": "Acme Corp",
                            "emails": [{"address": "hello@acme-corp.example.com", "type": "WORK"}]})
    px = doors.get_px(cid)
    assert px["name"] == "Acme Corp"
    doors.px_update(cid, {name: px[name] for name in ("name", "email", "phone", "notes", "type", "metadata")})
    native = doors.get_native(cid)
    assert native["kind"] == "organization"
    van = doors.get_van(cid)
    assert van["type"] == "ORGANIZATION" and van["commonName"] == "Acme Corp"


def test_packagex_address_round_trip_keeps_address_properties(doors):
    cid = doors.van_create(VAN_RICH)
    before = doors.get_van(cid)
    px = doors.get_px(cid)
    doors.px_update(cid, {"address": px["address"]})
    after = doors.get_van(cid)
    assert after["addresses"] == before["addresses"]


def test_chartmogul_new_email_keeps_the_other_emails_as_they_were(doors):
    """ChartMogul shows one email, the primary one: a new email takes its place (and is the
    primary); the others keep their VAN type and flags."""
    cid = doors.van_create(VAN_RICH)
    before = doors.get_van(cid)
    assert doors.get_cm(cid)["email"] == "lefty.work@example.com"  # the primary, second in VAN's list
    doors.cm_patch(cid, {"email": "lefty.new@example.com"})
    after = doors.get_van(cid)
    assert [e["address"] for e in after["emails"]] == ["lefty@example.com", "lefty.new@example.com"]
    assert after["emails"][0] == before["emails"][0]
    assert [e["isPrimary"] for e in after["emails"]] == [False, True]
    assert doors.get_cm(cid)["email"] == "lefty.new@example.com"


def test_packagex_new_phone_keeps_the_other_phones_as_they_were(doors):
    cid = doors.van_create(VAN_RICH)
    before = doors.get_van(cid)
    doors.px_update(cid, {"phone": "+12025550100"})
    after = doors.get_van(cid)
    assert after["phones"][0]["number"] == "+12025550100"
    assert after["phones"][1:] == before["phones"][1:]


# ---------------------------------------------------------------- every door reads in its own shape

VAN_INDIVIDUAL_KEYS = {"contactId", "type", "prefix", "firstName", "middleName", "lastName", "suffix", "nickName",
                       "salutation", "mailName", "spouseName", "emails", "phones", "addresses", "externalLinks",
                       "contactCodes", "employer", "occupation", "facebookProfileUrl", "disclosureFields",
                       "communicationPreferences", "dateCreated", "dateModified"}
PX_KEYS = {"object", "id", "organization_id", "name", "email", "phone", "notes", "address", "type", "metadata",
           "created_at", "updated_at", "group_contacts", "referenced_contacts"}
CM_KEYS = {"uuid", "customer_uuid", "customer_external_id", "data_source_uuid", "position", "first_name",
           "last_name", "title", "email", "phone", "linked_in", "twitter", "notes", "custom", "external_id"}
BIRD_KEYS = {"id", "computedDisplayName", "createdAt", "updatedAt", "workspaceId", "featuredIdentifiers",
             "attributes", "identifierCount", "accountIds", "listIds", "companyRefs", "isAnonymous"}


def _written_everywhere(doors) -> dict[str, str]:
    """One contact written through each door: door -> core id."""
    ids = {"native": doors.native_create({"first_name": "Nat", "last_name": "Ive", "emails": ["nat@example.com"],
                                          "phones": ["+14155550101"], "attributes": {"a": 1}})}
    response = doors.bird.post(f"{doors.bird_base}/contacts", json={
        "displayName": "Bea Bird", "identifiers": [{"key": "emailaddress", "value": "bea@example.com"},
                                                   {"key": "visitorid", "value": "v-77"}],
        "attributes": {"firstName": "Bea", "plan": "pro"}})
    assert response.status_code == 201, response.text
    ids["bird"] = response.json()["id"]
    source = doors.cm.post("/v1/data_sources", json={"name": "Billing"}).json()
    response = doors.cm.post("/v1/contacts", json={"data_source_uuid": source["uuid"], "first_name": "Cam",
                                                   "last_name": "Mogul", "email": "cam@example.com",
                                                   "external_id": "ext-1"})
    assert response.status_code == 201, response.text
    ids["chartmogul"] = response.json()["uuid"].removeprefix("con_")
    ids["ngpvan"] = doors.van_create(VAN_RICH)
    response = doors.px.post("/packagex/v1/contacts", json={
        "name": "Pax Ton", "email": "pax@example.com", "phone": "+14155550199",
        "address": {"line1": "9 Elm St", "city": "Austin", "state": "TX", "postal_code": "73301", "country": "US"},
        "metadata": {"vip": True}})
    assert response.status_code == 200, response.text
    ids["packagex"] = response.json()["data"]["id"].removeprefix("contact_")
    response = doors.px.post("/packagex/v1/contacts", json={"name": "Pax Group", "type": "group"})
    ids["packagex group"] = response.json()["data"]["id"].removeprefix("contact_")
    ids["bare native"] = doors.native_create({"identifiers": [{"key": "crm", "value": "only-this"}]})
    return ids


def _is_uuid(text) -> bool:
    try:
        uuid.UUID(text)
    except (TypeError, ValueError):
        return False
    return True


def test_every_door_reads_every_other_doors_contact_in_its_own_shape(doors):
    for origin, cid in _written_everywhere(doors).items():
        native = doors.get_native(cid)
        assert native["id"] == cid

        bird = doors.get_bird(cid)
        assert set(bird) == BIRD_KEYS, origin
        assert bird["id"] == cid and bird["workspaceId"] == str(doors.ws)
        assert isinstance(bird["attributes"], dict) and isinstance(bird["isAnonymous"], bool)
        assert all(set(f) == {"key", "value"} and isinstance(f["value"], str) for f in bird["featuredIdentifiers"])
        assert all(_is_uuid(i) for i in bird["listIds"] + bird["accountIds"])
        assert bird["createdAt"].endswith("Z") and bird["updatedAt"].endswith("Z")

        cm = doors.get_cm(cid)
        assert set(cm) == CM_KEYS, origin
        assert cm["uuid"] == f"con_{cid}"
        assert isinstance(cm["custom"], dict)
        assert cm["data_source_uuid"] is None or cm["data_source_uuid"].startswith("ds_")
        assert cm["customer_uuid"] is None or cm["customer_uuid"].startswith("cus_")

        van = doors.get_van(cid)
        assert van["contactId"] == cid
        assert van["type"] in ("INDIVIDUAL", "ORGANIZATION")
        if van["type"] == "INDIVIDUAL":
            assert set(van) == VAN_INDIVIDUAL_KEYS, origin
        for name in ("emails", "phones", "addresses", "externalLinks", "contactCodes", "disclosureFields"):
            assert isinstance(van[name], list), (origin, name)
        assert all(isinstance(e["address"], str) and isinstance(e["isPrimary"], bool)
                   and isinstance(e["doNotEmail"], bool) for e in van["emails"])
        assert all(isinstance(p["number"], str) and isinstance(p["isPrimary"], bool) for p in van["phones"])
        assert sum(e["isPrimary"] for e in van["emails"]) == (1 if van["emails"] else 0)

        px = doors.get_px(cid)
        assert set(px) == PX_KEYS, origin
        assert px["object"] == "contact" and px["id"] == f"contact_{cid}"
        assert px["organization_id"].startswith("organization_")
        assert px["type"] in ("person", "group")
        assert isinstance(px["metadata"], dict)
        assert isinstance(px["created_at"], int) and isinstance(px["updated_at"], int)
        assert px["address"] is None or px["address"]["id"].startswith("address_")
        assert set(px["group_contacts"]) == {"children", "primary"}


# ---------------------------------------------------------------- deletes reach every door

def _not_found_everywhere(doors, cid) -> None:
    response = doors.native.get(f"/v1/contacts/{cid}")
    assert response.status_code == 404 and response.json()["error"]["type"]
    response = doors.bird.get(f"{doors.bird_base}/contacts/{cid}")
    assert response.status_code == 404 and response.json()["code"] == "NotFound"
    response = doors.cm.get(f"/v1/contacts/con_{cid}")
    assert response.status_code == 404 and response.json()["code"] == 404
    response = doors.van.get(f"/ngpvan/v2/contacts/{cid}")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "NOT_FOUND"
    response = doors.px.get(f"/packagex/v1/contacts/contact_{cid}")
    body = response.json()
    assert response.status_code == 404 and body["status"] == 404 and body["errors"] and body["data"] is None
    # and no door's list shows it
    assert cid not in [c["id"] for c in doors.native.get("/v1/contacts").json()["data"]]
    assert cid not in [c["id"] for c in doors.bird.get(f"{doors.bird_base}/contacts?limit=100").json()["results"]]
    assert f"con_{cid}" not in [c["uuid"] for c in doors.cm.get("/v1/contacts").json()["entries"]]
    assert cid not in [c["contactId"] for c in doors.van.get("/ngpvan/v2/contacts").json()["items"]]
    assert f"contact_{cid}" not in [c["id"] for c in doors.px.get("/packagex/v1/contacts?limit=100").json()["data"]]


@pytest.mark.parametrize("door", ["native", "bird", "chartmogul", "packagex"])
def test_a_delete_through_one_door_is_a_404_in_every_door(doors, door):
    cid = doors.van_create(VAN_RICH)
    list_id = doors.bird.post(f"{doors.bird_base}/lists", json={"name": "Donors"}).json()["id"]
    doors.bird_patch(cid, {"addToLists": [list_id]})
    group = doors.px.post("/packagex/v1/contacts", json={"name": "Volunteers", "type": "group"}).json()["data"]
    doors.px_update(group["id"].removeprefix("contact_"), {"group_contacts": {"children": [f"contact_{cid}"]}})
    assert doors.bird.get(f"{doors.bird_base}/lists/{list_id}").json()["contactCount"] == 1
    response = {
        "native": lambda: doors.native.delete(f"/v1/contacts/{cid}"),
        "bird": lambda: doors.bird.delete(f"{doors.bird_base}/contacts/{cid}"),
        "chartmogul": lambda: doors.cm.delete(f"/v1/contacts/con_{cid}"),
        "packagex": lambda: doors.px.delete(f"/packagex/v1/contacts/contact_{cid}"),
    }[door]()
    assert response.status_code in (200, 204), response.text
    _not_found_everywhere(doors, cid)
    # memberships went with it
    assert doors.bird.get(f"{doors.bird_base}/lists/{list_id}").json()["contactCount"] == 0
    assert doors.native.get(f"/v1/lists/{list_id}/contacts").json()["data"] == []
    assert doors.get_px(group["id"].removeprefix("contact_"))["group_contacts"]["children"] == []
    # and an update through any door is a 404 too
    assert doors.bird.patch(f"{doors.bird_base}/contacts/{cid}", json={"displayName": "x"}).status_code == 404
    assert doors.cm.patch(f"/v1/contacts/con_{cid}", json={"title": "x"}).status_code == 404
    assert doors.van.post(f"/ngpvan/v2/contacts/{cid}", json={"employer": "x"}).status_code == 404
    assert doors.px.post(f"/packagex/v1/contacts/contact_{cid}", json={"notes": "x"}).status_code == 404
    assert doors.native.patch(f"/v1/contacts/{cid}", json={"notes": "x"}).status_code == 404


def test_lists_are_one_concept_in_native_and_bird(doors, rich_native):
    native_list = doors.get_native(rich_native)["lists"][0]
    bird = doors.get_bird(rich_native)
    assert bird["listIds"] == [native_list]
    members = doors.bird.get(f"{doors.bird_base}/lists/{native_list}/contacts").json()["results"]
    assert [m["id"] for m in members] == [rich_native]
    second = doors.bird.post(f"{doors.bird_base}/lists", json={"name": "Second"}).json()["id"]
    doors.bird_patch(rich_native, {"addToLists": [second], "removeFromLists": [native_list]})
    assert doors.get_native(rich_native)["lists"] == [second]
    assert [c["id"] for c in doors.native.get(f"/v1/lists/{second}/contacts").json()["data"]] == [rich_native]
    # a PackageX group is a contact holding contacts, not a list: it lists as a contact everywhere
    group = doors.px.post("/packagex/v1/contacts", json={"name": "Team", "type": "group"}).json()["data"]
    gid = group["id"].removeprefix("contact_")
    doors.px_update(gid, {"group_contacts": {"children": [f"contact_{rich_native}"]}})
    assert doors.get_native(gid)["kind"] == "group"
    assert doors.get_native(rich_native)["lists"] == [second]
    assert [r["id"] for r in doors.get_px(rich_native)["referenced_contacts"]] == [group["id"]]
    listed = doors.px.get(f"/packagex/v1/contacts?child=contact_{rich_native}").json()["data"]
    assert [g["id"] for g in listed] == [group["id"]]


# ---------------------------------------------------------------- one identity, whichever door wrote it

def test_an_email_written_through_bird_is_the_same_identity_in_native(doors):
    response = doors.bird.post(f"{doors.bird_base}/contacts", json={
        "displayName": "Grace Hopper", "identifiers": [{"key": "emailaddress", "value": "Grace@Example.com"}],
        "attributes": {"firstName": "Grace", "lastName": "Hopper"}})
    assert response.status_code == 201
    cid = response.json()["id"]
    refused = doors.native.post("/v1/contacts", json={"first_name": "G", "emails": ["grace@example.com"]})
    assert refused.status_code == 409 and refused.json()["error"]["details"]
    merged = doors.native.post("/v1/contacts?on_duplicate=merge",
                               json={"first_name": "Grace", "last_name": "Hopper", "emails": ["GRACE@example.com"]})
    assert merged.status_code == 200 and merged.json()["merged_into"] == cid
    assert doors.native.get("/v1/contacts?email=grace@example.com").json()["data"][0]["id"] == cid
    assert len(doors.native.get("/v1/contacts?email=grace@example.com").json()["data"]) == 1


def test_an_email_added_through_a_bird_patch_is_the_same_identity_in_native(doors):
    cid = doors.native_create({"first_name": "Alan", "last_name": "Turing"})
    doors.bird_patch(cid, {"addIdentifiers": [{"key": "emailaddress", "value": "alan@example.com"},
                                              {"key": "phonenumber", "value": "+442079460000"}]})
    match = doors.native.post("/v1/contacts/match", json={"emails": ["alan@example.com"]}).json()["data"]
    assert match and match[0]["contact"]["id"] == cid
    merged = doors.native.post("/v1/contacts?on_duplicate=merge",
                               json={"first_name": "Alan", "last_name": "Turing", "emails": ["alan@example.com"]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged_into"] == cid
    van = doors.van.post("/ngpvan/v2/contacts", json={"type": "INDIVIDUAL", "firstName": "Alan", "lastName": "Turing",
                                                      "phones": [{"number": "+442079460000", "type": "MOBILE"}]})
    assert van.status_code == 200 and van.json()["contactId"] == cid
    assert len(doors.native.get("/v1/contacts?email=alan@example.com").json()["data"]) == 1


def test_an_identifier_added_one_by_one_through_bird_is_the_same_identity_in_native(doors):
    cid = doors.native_create({"first_name": "Kat", "last_name": "Johnson"})
    response = doors.bird.post(f"{doors.bird_base}/contacts/{cid}/identifiers",
                               json={"key": "emailaddress", "value": "kat@example.com"})
    assert response.status_code == 201
    merged = doors.native.post("/v1/contacts?on_duplicate=merge",
                               json={"first_name": "Kat", "last_name": "Johnson", "emails": ["kat@example.com"]})
    assert merged.status_code == 200 and merged.json()["merged_into"] == cid


def test_an_email_written_through_native_is_found_by_every_door(doors):
    cid = doors.native_create({"first_name": "Mary", "last_name": "Jackson", "emails": ["Mary@Example.com"],
                               "phones": ["+14155550123"]})
    found = doors.bird.post(f"{doors.bird_base}/contacts/search",
                            json={"identifier": {"key": "emailaddress", "value": "mary@example.com"}}).json()
    assert [c["id"] for c in found["results"]] == [cid]
    upsert = doors.bird.patch(f"{doors.bird_base}/contacts/identifiers/emailaddress/MARY@example.com",
                              json={"attributes": {"team": "langley"}})
    assert upsert.status_code == 200 and upsert.json()["id"] == cid
    conflict = doors.bird.post(f"{doors.bird_base}/contacts", json={
        "displayName": "Other", "identifiers": [{"key": "phonenumber", "value": "+14155550123"}]})
    assert conflict.status_code == 409 and conflict.json()["code"] == "ResourceAlreadyExists"
    van = doors.van.post("/ngpvan/v2/contacts/findOrCreate", json={
        "type": "INDIVIDUAL", "firstName": "Mary", "lastName": "Jackson", "emails": [{"address": "mary@example.com"}]})
    assert van.status_code == 200 and van.json()["contactId"] == cid
    assert doors.van.get("/ngpvan/v2/contacts?email=MARY@example.com").json()["count"] == 1
    px = doors.px.post("/packagex/v1/contacts", json={"name": "Mary", "email": "mary@EXAMPLE.com",
                                                      "options": {"match_contacts": True}})
    assert px.status_code == 200 and px.json()["data"]["id"] == f"contact_{cid}"
    assert [c["uuid"] for c in doors.cm.get("/v1/contacts?email=mary@example.com").json()["entries"]] == [f"con_{cid}"]
    assert len(doors.native.get("/v1/contacts?email=mary@example.com").json()["data"]) == 1


# ---------------------------------------------------------------- the history names the doors

def test_the_history_names_the_door_of_each_change(doors):
    cid = doors.van_create(VAN_RICH)
    doors.bird_patch(cid, {"attributes": {"tier": "gold"}})
    doors.px_update(cid, {"notes": "via packagex"})
    doors.cm_patch(cid, {"title": "via chartmogul"})
    doors.van_update(cid, {"employer": "via ngpvan"})
    response = doors.native.patch(f"/v1/contacts/{cid}", json={"nickname": "via native"})
    assert response.status_code == 200
    events = doors.native.get(f"/v1/contacts/{cid}/events").json()["data"]
    assert [(e["action"], e["door"]) for e in events] == [
        ("created", "ngpvan"), ("updated", "bird"), ("updated", "packagex"), ("updated", "chartmogul"),
        ("updated", "ngpvan"), ("updated", "native")]
    assert events[2]["changes"]["notes"] == [None, "via packagex"]
    assert events[3]["changes"]["title"] == [None, "via chartmogul"]
    assert doors.bird.delete(f"{doors.bird_base}/contacts/{cid}").status_code == 204
    everything = doors.native.get("/v1/events?limit=200").json()["data"]
    deleted = [e for e in everything if e["subject_id"] == cid and e["action"] == "deleted"]
    assert [e["door"] for e in deleted] == ["bird"]
    assert deleted[0]["before"]["employer"] == "via ngpvan"


# ---------------------------------------------------------------- merges keep what either side knew

def test_a_merge_keeps_the_van_flags_of_an_email_both_contacts_have(doors):
    """The older contact has the email bare (written through native); the newer one has it with
    NGP VAN's type and doNotEmail. Merging the newer into the older keeps the flags, and an
    unmerge gives each its own back."""
    older = doors.native_create({"first_name": "Rosa", "last_name": "Parks", "emails": ["rosa@example.com"]})
    newer = doors.native.post("/v1/contacts?on_duplicate=create", json={"first_name": "Rosa", "last_name": "Parks"})
    newer = newer.json()["id"]
    doors.van_update(newer, {"emails": [{"address": "rosa@example.com", "type": "HOME", "doNotEmail": True,
                                         "appliedEmailLists": [{"emailListId": 3}]}],
                             "phones": [{"number": "2025550111", "type": "MOBILE", "isDisclosure": True}]})
    before_older = doors.get_van(older)["emails"]
    van_newer = doors.get_van(newer)
    response = doors.native.post(f"/v1/contacts/{older}/merge", json={"from": newer})
    assert response.status_code == 200, response.text
    merged = doors.get_van(older)
    assert merged["emails"] == [{"address": "rosa@example.com", "type": "HOME", "isPrimary": True,
                                 "doNotEmail": True, "appliedEmailLists": [{"emailListId": 3}]}]
    assert merged["phones"] == [{**van_newer["phones"][0], "isPrimary": True}]
    response = doors.native.post(f"/v1/contacts/{older}/unmerge", json={"from": newer})
    assert response.status_code == 200, response.text
    assert doors.get_van(older)["emails"] == before_older
    assert doors.get_van(newer)["emails"] == van_newer["emails"]


def test_a_bird_patch_of_account_ids_keeps_chartmogul_positions(doors):
    source = doors.cm.post("/v1/data_sources", json={"name": "Billing"}).json()
    customer = doors.cm.post("/v1/customers", json={
        "data_source_uuid": source["uuid"], "external_id": "cus-9", "name": "Acme", "email": "billing@example.com"}).json()
    ids = []
    for name in ("First", "Second", "Third"):
        response = doors.cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                                 json={"data_source_uuid": source["uuid"], "first_name": name})
        assert response.status_code == 201, response.text
        ids.append(response.json()["uuid"].removeprefix("con_"))
    assert [doors.get_cm(i)["position"] for i in ids] == [1, 2, 3]
    # a Bird client writes back the accounts it read
    doors.bird_patch(ids[2], {"accountIds": doors.get_bird(ids[2])["accountIds"]})
    assert [doors.get_cm(i)["position"] for i in ids] == [1, 2, 3]
    # a contact joining the account through Bird goes after the last, as through ChartMogul
    newcomer = doors.bird.post(f"{doors.bird_base}/contacts", json={"displayName": "Fourth"}).json()["id"]
    doors.bird_patch(newcomer, {"addToAccounts": [customer["uuid"].removeprefix("cus_")]})
    assert doors.get_cm(newcomer)["position"] == 4
    assert [doors.get_cm(i)["position"] for i in ids] == [1, 2, 3]
    members = doors.cm.get(f"/v1/customers/{customer['uuid']}/contacts").json()["entries"]
    assert [m["position"] for m in members] == [1, 2, 3, 4]


def test_renaming_an_organization_through_any_door_renames_it_everywhere(doors):
    cid = doors.van_create({"type": "ORGANIZATION", "commonName": "Acme Corp"})
    doors.px_update(cid, {"name": "Acme Inc"})
    assert doors.get_van(cid)["commonName"] == "Acme Inc"
    assert doors.get_native(cid)["display_name"] == "Acme Inc"
    doors.bird_patch(cid, {"displayName": "Acme Holdings"})
    assert doors.get_van(cid)["commonName"] == "Acme Holdings"
    assert doors.get_px(cid)["name"] == "Acme Holdings"
    doors.van_update(cid, {"commonName": "Acme Group"})
    assert doors.get_px(cid)["name"] == "Acme Group"
    assert doors.get_bird(cid)["computedDisplayName"] == "Acme Group"
    assert doors.get_native(cid)["display_name"] == "Acme Group"
    # a PackageX group renamed through NGP VAN (which shows it as an organization)
    group = doors.px.post("/packagex/v1/contacts", json={"name": "Volunteers", "type": "group"}).json()["data"]
    gid = group["id"].removeprefix("contact_")
    assert doors.get_van(gid)["commonName"] == "Volunteers"
    doors.van_update(gid, {"commonName": "Volunteer Corps"})
    assert doors.get_px(gid)["name"] == "Volunteer Corps"


def test_a_packagex_address_written_back_with_a_change_keeps_the_change(doors):
    """A PackageX client reads the address (with its id), changes the city and posts it back."""
    cid = doors.van_create(VAN_RICH)
    address = doors.get_px(cid)["address"]
    doors.px_update(cid, {"address": {**address, "city": "Arlington"}})
    after = doors.get_px(cid)["address"]
    assert after == {**address, "city": "Arlington", "formatted_address": after["formatted_address"]}
    assert "Arlington" in after["formatted_address"]
    van = doors.get_van(cid)["addresses"]
    assert [a for a in van if a["city"] == "Arlington"][0]["isDisclosure"] is True  # its VAN flags stay


def _van_writable(contact: dict) -> dict:
    return {k: v for k, v in contact.items() if k not in ("contactId", "dateCreated", "dateModified")}


def test_a_van_client_writes_back_what_it_read_of_a_native_contact(doors):
    """Free-text types written through native read as VAN enums, one item per type (a second
    item whose type reads as the same enum shows none), so a VAN client can post the read back;
    the stored types, the address ids (which PackageX shows) and everything else stay."""
    cid = doors.native_create({
        "first_name": "Ada", "last_name": "  Lovelace ", "salutation": "Dear Ada ",  # kept as written
        "emails": [{"address": "a@example.com", "type": "work"}, {"address": "b@example.com", "type": "office"},
                   {"address": "c@example.com", "type": "lab"}],
        "phones": [{"number": "+442079460958", "type": "cell"}, {"number": "+442079460959", "type": "cell"}],
        "addresses": [{"line1": "1 A St", "city": "London", "type": "work",
                       "country": "United Kingdom of Great Britain and Northern Ireland"},  # 52: native takes 100
                      {"line1": "2 B St", "city": "London", "type": "studio"}],
    })
    before, px_address = doors.get_native(cid), doors.get_px(cid)["address"]["id"]
    van = doors.get_van(cid)
    assert [e["type"] for e in van["emails"]] == ["WORK", "OTHER", None]
    assert [p["type"] for p in van["phones"]] == ["OTHER", None]
    doors.van_update(cid, _van_writable(van))
    after = doors.get_native(cid)
    assert [(e["address"], e["type"]) for e in after["emails"]] == [(e["address"], e["type"]) for e in before["emails"]]
    assert [(p["number"], p["type"]) for p in after["phones"]] == [(p["number"], p["type"]) for p in before["phones"]]
    # (VAN's flags at the defaults a read shows, posted back, are not stored on the contact:
    # the write-back changes nothing, and records nothing)
    assert after["addresses"] == before["addresses"] and after["emails"] == before["emails"]
    assert after["phones"] == before["phones"]
    history = doors.native.get(f"/v1/contacts/{cid}/events").json()["data"]
    assert [e["action"] for e in history] == ["created"], json.dumps(history[-1]["changes"])
    assert (after["last_name"], after["salutation"]) == ("  Lovelace ", "Dear Ada ")
    assert doors.get_px(cid)["address"]["id"] == px_address
    assert doors.get_van(cid) == {**van, "dateModified": doors.get_van(cid)["dateModified"]}


def test_a_bird_upsert_writing_back_what_it_read_keeps_the_contact_as_it_was(doors, rich_native):
    before = doors.get_native(rich_native)
    bird = doors.get_bird(rich_native)
    response = doors.bird.patch(f"{doors.bird_base}/contacts/identifiers/emailaddress/ada@example.com",
                                json={"attributes": bird["attributes"]})
    assert response.status_code == 200 and response.json()["id"] == rich_native
    _unchanged(before, doors.get_native(rich_native))


def test_a_packagex_round_trip_stores_no_name_of_its_own(doors):
    """PackageX shows a VAN individual's first and last name as its name; writing that back stores
    nothing, so a later rename through NGP VAN shows in PackageX too."""
    cid = doors.van_create(VAN_RICH)
    px = doors.get_px(cid)
    assert px["name"] == "Lefty McDonkey"
    doors.px_update(cid, {"name": px["name"], "notes": "n"})
    doors.van_update(cid, {"firstName": "Leftie"})
    assert doors.get_px(cid)["name"] == "Leftie McDonkey"
    assert doors.get_native(cid)["display_name"] == "Leftie McDonkey"
    # a contact with nothing to show as its name (only an identifier) is written back as read
    bare = doors.native_create({"identifiers": [{"key": "crm", "value": "c-9"}]})
    shown = doors.get_px(bare)
    assert shown["name"] is None
    doors.px_update(bare, {name: shown[name] for name in ("name", "email", "phone", "notes", "type", "metadata")})
    assert doors.px.post(f"/packagex/v1/contacts/contact_{cid}", json={"name": ""}).status_code == 400


# ---------------------------------------------------------------- one person, one contact: the review queue

def _queued(doors) -> list[tuple[str, str, set[str]]]:
    """The open review pairs: (contact, candidate, the fields their reasons name)."""
    return [(d["contact_id"], d["candidate_id"], {r["field"] for r in d["reasons"]})
            for d in _ok(doors.native.get("/v1/duplicates"))["data"]]


def test_a_door_that_keeps_a_second_holder_of_an_email_or_phone_queues_the_pair(doors):
    """PackageX and NGP VAN let two contacts hold the same email or phone (their vendors do); the
    write stands, and the pair waits in the review queue to be merged or kept apart."""
    ada = doors.native_create({"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@example.com"],
                               "phones": ["+442079460958"]})
    assert _queued(doors) == []
    # a PackageX create (no matching asked for) of the same email
    made = _ok(doors.px.post("/packagex/v1/contacts", json={"name": "A. Lovelace", "email": "ada@example.com"}))
    twin = made["data"]["id"].removeprefix("contact_")
    assert twin != ada
    assert [(c, k, "email" in why) for c, k, why in _queued(doors)] == [(twin, ada, True)]

    # a fresh email and phone queue nothing
    grace = doors.px.post("/packagex/v1/contacts", json={"name": "Grace", "email": "grace@example.com",
                                                          "phone": "+12025550100"}).json()["data"]["id"]
    assert len(_queued(doors)) == 1
    # until a PackageX update gives Grace Ada's phone
    doors.px_update(grace.removeprefix("contact_"), {"phone": "+442079460958"})
    assert (grace.removeprefix("contact_"), ada) in [(c, k) for c, k, _ in _queued(doors)]

    # an NGP VAN update giving a third contact Ada's email
    van = doors.van_create({"type": "INDIVIDUAL", "firstName": "Augusta", "lastName": "King", "emails": [{"address": "augusta@example.com"}]})
    doors.van_update(van, {"emails": [{"address": "ada@example.com", "type": "MAIN"}]})
    assert doors.get_van(van)["emails"][0]["address"] == "ada@example.com"  # as VAN keeps it
    pairs = {(c, k) for c, k, _ in _queued(doors)}
    grace = grace.removeprefix("contact_")
    # with each contact holding the email before it: Ada and the PackageX twin
    assert pairs == {(twin, ada), (grace, ada), (van, ada), (van, twin)}
    # the same update again queues nothing twice
    doors.van_update(van, {"emails": [{"address": "ada@example.com", "type": "MAIN"}]})
    assert len(_queued(doors)) == 4


def test_contacts_of_one_chartmogul_data_source_are_not_one_person(doors):
    """Every contact of a ChartMogul data source carries the source as an identifier: that says
    nothing of who someone is, so it neither conflicts, nor matches, nor queues a pair."""
    source = _ok(doors.cm.post("/v1/data_sources", json={"name": "Billing"}), 201)["uuid"]
    ada = _ok(doors.cm.post("/v1/contacts", json={"data_source_uuid": source, "first_name": "Ada",
                                                  "email": "ada@example.com"}), 201)["uuid"].removeprefix("con_")
    _ok(doors.cm.post("/v1/contacts", json={"data_source_uuid": source, "first_name": "Grace",
                                            "email": "grace@example.com"}), 201)
    read = doors.get_native(ada)
    assert [i["key"] for i in read["identifiers"]] == ["data_source"]
    # a native client writing back what it read keeps the contact as it was
    assert _ok(doors.native.patch(f"/v1/contacts/{ada}", json={"identifiers": read["identifiers"]}))["id"] == ada
    # a record carrying only the source is nobody in particular: a merge finds no match
    alan = doors.native.post("/v1/contacts", params={"on_duplicate": "merge"},
                             json={"first_name": "Alan", "identifiers": read["identifiers"]})
    assert alan.status_code == 201, alan.text
    # nor does a PackageX update of a source's contact queue the others for review
    doors.px_update(ada, {"notes": "met at the Royal Society"})
    assert _queued(doors) == []


@pytest.mark.parametrize("door, path", [
    ("native", "/v1/contacts"), ("native", "/v1/imports"), ("native", "/v1/contacts/batch/upsert"),
    ("bird", "/contacts"), ("cm", "/v1/customers"), ("van", "/ngpvan/v2/contacts"), ("px", "/packagex/v1/contacts"),
])
def test_a_body_nested_past_any_reader_s_depth_is_a_400_in_every_door(doors, door, path):
    client = getattr(doors, door)
    url = doors.bird_base + path if door == "bird" else path
    response = client.post(url, content=b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert _ok(doors.native.get("/v1/contacts"))["data"] == []


def test_a_filter_given_empty_is_no_filter_in_every_door(doors):
    doors.native_create({"first_name": "Ada", "emails": ["ada@example.com"]})
    source = _ok(doors.cm.post("/v1/data_sources", json={"name": "Billing"}), 201)
    _ok(doors.cm.post("/v1/customers", json={"data_source_uuid": source["uuid"], "external_id": "c-1",
                                               "name": "Acme"}), 201)

    def same(client, path, empty: dict):
        everything, unfiltered = _ok(client.get(path)), _ok(client.get(path, params=empty))
        assert unfiltered == everything and everything, (path, empty)

    same(doors.native, "/v1/contacts", {"kind": "", "identifier": "", "name": "", "q": ""})
    exported = doors.native.get("/v1/export", params={"kind": ""})  # streamed: the same file
    assert exported.status_code == 200 and exported.text == doors.native.get("/v1/export").text
    same(doors.cm, "/v1/customers", {"external_id": "", "data_source_uuid": ""})
    same(doors.cm, "/v1/data_sources", {"name": ""})
    same(doors.px, "/packagex/v1/contacts", {"type": "", "child": "", "search": ""})
    same(doors.van, "/ngpvan/v2/contacts", {"firstName": "", "email": ""})


@pytest.mark.parametrize("namesakes", [0, 6, 25])
def test_the_holder_of_a_shared_email_is_queued_however_many_namesakes_score_higher(doors, namesakes):
    """A household's email on Ana Pool while five Ana Pools are stored: the pair with the email's
    holder (Lea, another first name) was never queued, the namesakes took every place, so the
    email sat on two contacts with nothing linking them."""
    for i in range(namesakes):
        doors.native_create({"first_name": "Ana", "last_name": "Pool", "emails": [f"ana{i}@example.com"]})
    holders = {door: doors.native_create({"first_name": "Lea", "last_name": "Ng", "emails": [f"{door}@home.example"]})
               for door in ("packagex", "ngpvan", "native")}
    made = {
        "packagex": _ok(doors.px.post("/packagex/v1/contacts", json={
            "name": "Ana Pool", "email": "packagex@home.example"}))["data"]["id"].removeprefix("contact_"),
        "ngpvan": str(doors.van_create({"type": "INDIVIDUAL", "firstName": "Ana", "lastName": "Pool",
                                        "emails": [{"address": "ngpvan@home.example"}]})),
        "native": _ok(doors.native.post("/v1/contacts", params={"on_duplicate": "merge"}, json={
            "first_name": "Ana", "last_name": "Pool", "emails": ["native@home.example"]}), 201)["id"],
    }
    queued = doors.native.get("/v1/duplicates", params={"limit": 200}).json()["data"]
    pairs = {(q["contact_id"], q["candidate_id"]) for q in queued}
    for door in made:
        assert (made[door], holders[door]) in pairs, door


def test_a_blank_filter_is_no_filter_and_blanks_around_one_are_no_part_of_it(doors):
    """`?email=%20` listed nothing in ChartMogul, PackageX `search=%20` left out names without a
    space, NGP VAN `commonName=%20` listed organizations only, and `name=%20ann%20` found no Ann."""
    source = _ok(doors.cm.post("/v1/data_sources", json={"name": "Billing"}), 201)["uuid"]
    customer = _ok(doors.cm.post("/v1/customers", json={"data_source_uuid": source, "external_id": "c1",
                                                        "name": "Acme"}), 201)["uuid"]
    _ok(doors.cm.post("/v1/contacts", json={"data_source_uuid": source, "customer_uuid": customer,
                                            "first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"}), 201)
    doors.native_create({"kind": "group", "display_name": "Board"})
    doors.native_create({"kind": "organization", "organization_name": "Initech"})
    cm_all = [c["uuid"] for c in doors.cm.get("/v1/contacts").json()["entries"]]
    for params in ({"email": " "}, {"external_id": " "}, {"customer_external_id": " "}):
        assert [c["uuid"] for c in doors.cm.get("/v1/contacts", params=params).json()["entries"]] == cm_all, params
    px_total = doors.px.get("/packagex/v1/contacts").json()["pagination"]["total_count"]
    for search in (" ", "   "):
        assert doors.px.get("/packagex/v1/contacts", params={"search": search}).json()["pagination"]["total_count"] \
            == px_total
    van_all = doors.van.get("/ngpvan/v2/contacts").json()["count"]
    assert doors.van.get("/ngpvan/v2/contacts", params={"commonName": " "}).json()["count"] == van_all
    assert doors.van.get("/ngpvan/v2/contacts", params={"lastName": " lee "}).json()["count"] == 1
    ann = [c["first_name"] for c in doors.native.get("/v1/contacts", params={"name": " ann "}).json()["data"]]
    assert ann == ["Ann"]


def test_a_phone_a_door_kept_unchecked_is_found_by_the_phone_filters(doors):
    """ChartMogul keeps a contact's phone as given (+1234567890 is no valid number): the native
    and NGP VAN phone filters refused to look for it (422, 400), so no door could find it."""
    source = _ok(doors.cm.post("/v1/data_sources", json={"name": "Billing"}), 201)["uuid"]
    customer = _ok(doors.cm.post("/v1/customers", json={"data_source_uuid": source, "external_id": "c1",
                                                        "name": "Acme"}), 201)["uuid"]
    made = _ok(doors.cm.post("/v1/contacts", json={"data_source_uuid": source, "customer_uuid": customer,
                                                   "first_name": "Odd", "phone": "+1234567890"}), 201)
    contact_id = made["uuid"].removeprefix("con_")
    found = doors.native.get("/v1/contacts", params={"phone": "+1234567890"})
    assert [c["id"] for c in _ok(found)["data"]] == [contact_id]
    assert _ok(doors.van.get("/ngpvan/v2/contacts", params={"phone": "+1 234 567 890"}))["count"] == 1
    refused = doors.native.get("/v1/contacts", params={"phone": "none"})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "phone"


def test_a_page_size_not_written_in_digits_is_refused_in_every_door(doors):
    """`limit=5_0` was a page of 50, and `+5` or ` 5` passed as 5 (numbers read
    as Python reads them); each door now refuses them in its own envelope, digits alone pass."""
    doors.native_create({"first_name": "Ada"})
    pages = [
        (doors.native, "/v1/contacts", "limit", 422), (doors.native, "/v1/events", "limit", 422),
        (doors.native, "/v1/changes", "since", 422),
        (doors.bird, f"{doors.bird_base}/contacts", "limit", 422), (doors.cm, "/v1/customers", "per_page", 422),
        (doors.van, "/ngpvan/v2/contacts", "$top", 400), (doors.px, "/packagex/v1/contacts", "limit", 400),
        (doors.px, "/packagex/v1/contacts", "page", 400),
    ]
    for client, path, name, status in pages:
        for written in ("5_0", "+5", " 5", "5.0"):
            answer = client.get(path, params={name: written})
            assert answer.status_code == status, (path, name, written, answer.text)
            assert "written in digits" in answer.text or written == "5.0", (path, written, answer.text)
        assert client.get(path, params={name: "1"}).status_code == 200, (path, name)
        beyond = client.get(path, params={name: str(2**63)})
        assert beyond.status_code == status, (path, name, beyond.text)
    job = doors.native.post("/v1/imports", json={"data_url": "data:text/csv;base64,TmFtZQpBZGEK"}).json()
    for after in (str(2**63), str(-2**63 - 1)):  # (past a database integer: it was a 500 on both engines)
        rows = doors.native.get(f"/v1/imports/{job['id']}", params={"after": after})
        assert rows.status_code == 422 and "at most" in rows.text, rows.text


def test_an_option_given_blank_is_the_option_not_given_in_every_door(doors):
    """`/v1/duplicates?status=`, Bird's `reverse=` and PackageX's `order_by=` or `direction=` were
    4xx, while a filter given blank is no filter: a form's empty field is no choice made."""
    for first in ("Ada", "Bob"):
        doors.native_create({"first_name": first})

    def same(client, path, blank: dict):
        assert _ok(client.get(path, params=blank)) == _ok(client.get(path)), (path, blank)

    same(doors.native, "/v1/duplicates", {"status": ""})
    same(doors.bird, f"{doors.bird_base}/contacts", {"reverse": ""})
    same(doors.px, "/packagex/v1/contacts", {"order_by": "", "direction": " "})
    assert doors.native.get("/v1/duplicates", params={"status": "opened"}).status_code == 422  # a wrong one still is
    assert doors.px.get("/packagex/v1/contacts", params={"direction": "up"}).status_code == 400
