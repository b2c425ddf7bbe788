"""No body, however odd, gets a 500 from the Bird door; a refused one is answered in Bird's
envelope ({"code", "message", "details"}) and leaves the store as it was. Bodies use Bird's own
field names so they reach past the schema into the mapping and the core."""

import uuid

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from contacthub.dialects.bird.errors import CODES
from tests.dialects.fuzzing import (
    FUZZ, JSON, fuzz, any_text, bodies, emails, hostile_text, json_values, loose, native_contacts, phones, raw_json,
    same_json, url_text,
)

path_text = st.text(st.characters(min_codepoint=0x21, blacklist_categories=("Cs", "Cc"), blacklist_characters="/?#%"),
                    min_size=1, max_size=40)


@pytest.fixture
def targets(bird, client, db, make_account):
    """What the bodies point at: a contact with identifiers, a list, an account, and another
    workspace's contact and list."""
    from contacthub.core import workspaces

    contact = bird.post(bird.ws + "/contacts", json={
        "displayName": "Ada", "identifiers": [{"key": "emailaddress", "value": "ada@example.com"},
                                              {"key": "visitorid", "value": "v-1"}]}).json()
    own_list = bird.post(bird.ws + "/lists", json={"name": "Friends"}).json()
    with db.write() as session:
        other = workspaces.create_workspace(session, "bird-fuzz-other")
    theirs_ws = f"/bird/workspaces/{other.workspace_id}"
    auth = {"Authorization": f"AccessKey {other.api_key}"}
    theirs = client.post(theirs_ws + "/contacts", json={"displayName": "Theirs"}, headers=auth).json()
    their_list = client.post(theirs_ws + "/lists", json={"name": "Theirs"}, headers=auth).json()
    return {
        "contacts": [contact["id"], theirs["id"], str(uuid.uuid4()), "nope"],
        "lists": [own_list["id"], their_list["id"], str(uuid.uuid4())],
        "accounts": [make_account(), str(uuid.uuid4())],
    }


def check(response, bird, workspace, before):
    assert response.status_code < 500, response.text
    if response.status_code == 204:
        return None
    body = response.json()
    event(f"{response.status_code} {str(body.get('message', ''))[:70]}")
    if response.status_code >= 400:
        assert set(body) == {"code", "message", "details"}, body
        assert body["code"] == CODES[response.status_code] and isinstance(body["message"], str) and body["message"]
        assert isinstance(body["details"], dict)
        assert all(isinstance(k, str) and isinstance(v, list) and all(isinstance(m, str) for m in v)
                   for k, v in body["details"].items()), body
        if before is not None:
            assert native_contacts(bird, workspace.api_key) == before
    return body


IDENTIFIER_KEYS = ["emailaddress", "phonenumber", "visitorid", "EmailAddress", "custom_id", "a:b.c-d", "", "bad key",
                   "k" * 65]


def identifiers(max_size=3):
    one = st.fixed_dictionaries(
        {"key": loose(st.sampled_from(IDENTIFIER_KEYS), any_text),
         "value": loose(emails, phones, any_text, hostile_text)},
        optional={"properties": loose(st.dictionaries(any_text, json_values, max_size=3))},
    )
    return loose(st.lists(one, max_size=max_size))


def id_lists(pool):
    return loose(st.lists(loose(st.sampled_from(pool), any_text, odds=8), max_size=4), odds=8)


def attributes():
    keys = st.sampled_from(["displayName", "firstName", "lastName", "emailaddress", "tier", "", "k" * 65, "x"])
    values = st.one_of(json_values, st.lists(st.one_of(st.booleans(), st.integers(), any_text), max_size=3))
    return loose(st.dictionaries(st.one_of(keys, any_text), values, max_size=4))


def refs():
    return st.fixed_dictionaries({"key": loose(st.sampled_from(IDENTIFIER_KEYS)), "value": loose(emails, any_text)})


def patch_fields(t):
    return {
        "displayName": loose(any_text, hostile_text), "attributes": attributes(),
        "addIdentifiers": identifiers(), "removeIdentifiers": loose(st.lists(refs(), max_size=3)),
        "identifiers": identifiers(), "addToLists": id_lists(t["lists"]), "removeFromLists": id_lists(t["lists"]),
        "listIds": id_lists(t["lists"]), "addToAccounts": id_lists(t["accounts"]),
        "removeFromAccounts": id_lists(t["accounts"]), "accountIds": id_lists(t["accounts"]),
        "companyRefs": loose(st.lists(any_text, max_size=3)), "somethingElse": loose(any_text),
    }


@FUZZ
@given(data=st.data())
def test_random_creates_never_cause_a_server_error(bird, workspace, targets, data):
    fields = {k: v for k, v in patch_fields(targets).items()
              if k in ("attributes", "identifiers", "listIds", "accountIds", "companyRefs", "somethingElse")}
    body = data.draw(bodies(
        st.fixed_dictionaries({"displayName": st.text(min_size=1, max_size=20)}, optional=fields),
        st.fixed_dictionaries({}, optional={"displayName": loose(any_text, hostile_text), **fields}),
    ), label="body")
    before = native_contacts(bird, workspace.api_key)
    content = body if isinstance(body, bytes) else raw_json(body)
    response = bird.post(bird.ws + "/contacts", content=content, headers=JSON)
    out = check(response, bird, workspace, before)
    if response.status_code == 201:
        assert same_json(bird.get(f"{bird.ws}/contacts/{out['id']}").json(), out)


@FUZZ
@given(data=st.data())
def test_random_updates_never_cause_a_server_error(bird, workspace, targets, data):
    body = data.draw(bodies(st.fixed_dictionaries({}, optional=patch_fields(targets))), label="body")
    target = data.draw(st.one_of(st.sampled_from(targets["contacts"]), path_text), label="target")
    before = native_contacts(bird, workspace.api_key)
    content = body if isinstance(body, bytes) else raw_json(body)
    response = bird.patch(f"{bird.ws}/contacts/{target}", content=content, headers=JSON)
    check(response, bird, workspace, before)


@FUZZ
@given(data=st.data())
def test_random_upserts_never_cause_a_server_error(bird, workspace, targets, data):
    """PATCH …/contacts/identifiers/{key}/{value}: creates or updates, by strategy."""
    fields = patch_fields(targets)
    fields["strategy"] = loose(st.sampled_from(["strict_alias", "first_alias", "first", "nope"]))
    body = data.draw(bodies(st.fixed_dictionaries({}, optional=fields)), label="body")
    key = data.draw(st.one_of(st.sampled_from(["emailaddress", "phonenumber", "visitorid", "custom_id"]), path_text))
    value = data.draw(st.one_of(st.sampled_from(["ada@example.com", "new@example.com", "+14155550100", "v-1"]),
                                path_text, st.just("a/b@example.com")))
    strategy = data.draw(st.one_of(st.none(), st.sampled_from(["strict_alias", "first_alias", "first"]), path_text))
    before = native_contacts(bird, workspace.api_key)
    content = body if isinstance(body, bytes) else raw_json(body)
    response = bird.patch(f"{bird.ws}/contacts/identifiers/{key}/{value}", content=content, headers=JSON,
                          params={"strategy": strategy} if strategy else None)
    check(response, bird, workspace, before)


@FUZZ
@given(data=st.data())
def test_random_identifier_list_and_search_bodies_never_cause_a_server_error(bird, workspace, targets, data):
    """The other writes that take a body: add / delete an identifier, list members, search."""
    contact = data.draw(st.sampled_from(targets["contacts"]), label="contact")
    list_id = data.draw(st.sampled_from(targets["lists"]), label="list")
    method, path, fields = data.draw(st.sampled_from([
        ("POST", f"/contacts/{contact}/identifiers", "identifier"),
        ("DELETE", f"/contacts/{contact}/identifiers", "ref"),
        ("POST", f"/lists/{list_id}/contacts", "members"),
        ("DELETE", f"/lists/{list_id}/contacts", "members"),
        ("POST", "/contacts/search", "search"),
    ]), label="route")
    shapes = {
        "identifier": st.fixed_dictionaries({"key": loose(st.sampled_from(IDENTIFIER_KEYS)),
                                             "value": loose(emails, phones, any_text)},
                                            optional={"properties": json_values}),
        "ref": refs(),
        "members": st.fixed_dictionaries({}, optional={"contacts": id_lists(targets["contacts"]),
                                                       "identifiers": loose(st.lists(refs(), max_size=3))}),
        "search": st.fixed_dictionaries({"identifier": loose(refs())}),
    }
    body = data.draw(bodies(shapes[fields]), label="body")
    before = native_contacts(bird, workspace.api_key)
    content = body if isinstance(body, bytes) else raw_json(body)
    response = bird.request(method, bird.ws + path, content=content, headers=JSON)
    check(response, bird, workspace, before)


PARAMS = ["limit", "pageToken", "nextPageToken", "reverse", "attribute", "unknown"]
param_values = st.one_of(url_text, st.integers().map(str), st.sampled_from(
    ["0", "-1", "1", "100", "101", "true", "false", "yes", "2", "1.5", "99999999999999999999", "\x00", "%",
     "eyJpZCI6ICJ4In0=", "AAAA", "a" * 500]))


@fuzz(10)
@given(params=st.lists(st.tuples(st.sampled_from(PARAMS), param_values), max_size=5),
       path=st.sampled_from(["/contacts", "/lists", "/contacts/{contact}/identifiers", "/contacts/{contact}/lists",
                             "/lists/{list}/contacts"]))
def test_random_list_parameters_never_cause_a_server_error(bird, workspace, targets, params, path):
    path = path.format(contact=targets["contacts"][0], list=targets["lists"][0])
    response = bird.get(bird.ws + path, params=params)
    body = check(response, bird, workspace, None)
    if response.status_code == 200:
        assert isinstance(body["results"], list)
