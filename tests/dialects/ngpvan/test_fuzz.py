"""No NGP VAN create or update body, however odd, gets a 500; a refused one leaves the store as it
was; an accepted one leaves a contact the common model can show (one item per VAN type)."""

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dialects.ngpvan.wire import CONTACTS


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=30))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=8)


def maybe(strategy):
    """Mostly the plausible value, sometimes anything at all."""
    return st.one_of(strategy, strategy, strategy, json_values)


names = maybe(st.one_of(st.sampled_from(["Lefty", "McDonkey", "Ann", "Lee", "", " "]), st.text(max_size=12)))
types = st.sampled_from(["HOME", "WORK", "MAIN", "MOBILE", "OTHER", "FAX", "home", None])
emails = st.lists(st.fixed_dictionaries(
    {"address": maybe(st.sampled_from(["lefty@example.com", "ann@lee.org", "LEFTY@example.com", "bad", "a@b", ""]))},
    optional={"type": maybe(types), "isPrimary": maybe(st.booleans()), "doNotEmail": maybe(st.booleans()),
              "appliedEmailLists": maybe(st.lists(st.fixed_dictionaries({"emailListId": maybe(st.integers())}), max_size=2)),
              "bogus": json_values}), max_size=3)
phones = st.lists(st.fixed_dictionaries(
    {"number": maybe(st.sampled_from(["2025557979", "3014884002", "+44 20 7946 0958", "nope", "123", ""]))},
    optional={"type": maybe(types), "isPrimary": maybe(st.booleans()), "extension": maybe(st.text(max_size=5))}),
    max_size=3)
addresses = st.lists(st.fixed_dictionaries(
    {}, optional={"line1": maybe(st.sampled_from(["1203 12th St", "1 A St"])), "city": names,
                  "stateProvince": maybe(st.just("DC")), "postalCode": maybe(st.just("20005")), "type": maybe(types),
                  "isPrimary": maybe(st.booleans())}), max_size=3)
links = st.lists(st.fixed_dictionaries({"externalSourceTypeId": maybe(st.sampled_from(["13", "15", 7, "bad id"])),
                                        "externalId": maybe(st.one_of(st.text(max_size=8), st.integers()))}), max_size=2)
FIELDS = {
    "type": maybe(st.sampled_from(["INDIVIDUAL", "ORGANIZATION"])),
    "firstName": names, "lastName": names, "middleName": names, "nickName": names, "mailName": names,
    "commonName": names, "officialName": names, "primaryContactFirstName": names,
    "emails": maybe(emails), "phones": maybe(phones), "addresses": maybe(addresses), "externalLinks": maybe(links),
    "contactCodes": maybe(st.lists(st.fixed_dictionaries({"contactCodeId": maybe(st.integers())}), max_size=2)),
    "disclosureFields": maybe(st.lists(st.fixed_dictionaries({"disclosureFieldId": maybe(st.integers())},
                                                             optional={"value": json_values}), max_size=2)),
    "communicationPreferences": maybe(st.dictionaries(st.text(max_size=8), json_values, max_size=2)),
    "employer": names, "occupation": names, "facebookProfileUrl": names,
    "contactId": json_values, "unknownField": json_values,
}
bodies = st.one_of(
    st.fixed_dictionaries({}, optional=FIELDS),
    st.fixed_dictionaries({"type": st.just("INDIVIDUAL"), "firstName": names, "lastName": names},
                          optional={k: v for k, v in FIELDS.items() if k not in ("type", "firstName", "lastName")}),
    json_values,
)


@pytest.fixture
def store(van, workspace):
    native = {"Authorization": f"Bearer {workspace.api_key}"}
    return lambda: van.get("/v1/contacts", params={"limit": 200}, headers=native).json()["data"]


def send(van, body, path):
    return van.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"},
                    follow_redirects=False)


def assert_showable(van, contact_id):
    shown = van.get(f"{CONTACTS}/{contact_id}")
    assert shown.status_code == 200, shown.text
    contact = shown.json()
    assert contact["type"] in ("INDIVIDUAL", "ORGANIZATION")
    for group in ("emails", "phones", "addresses"):
        typed = [item["type"] for item in contact[group] if item["type"] is not None]
        assert len(typed) == len(set(typed)), contact[group]


def assert_refused(response):
    assert 400 <= response.status_code < 500, response.text
    errors = response.json()["errors"]
    assert errors and all(e["code"] and e["text"] for e in errors)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies)
def test_random_create_bodies(van, store, body):
    before = store()
    for path in (CONTACTS, f"{CONTACTS}/findOrCreate"):
        response = send(van, body, path)
        assert response.status_code < 500, response.text
        if response.status_code == 301:
            assert response.headers["Location"].startswith(f"{CONTACTS}/")
            assert store() == before
        elif response.status_code >= 400:
            assert_refused(response)
            assert store() == before
        else:
            assert response.status_code in (200, 201)
            assert_showable(van, response.json()["contactId"])
            return


@pytest.fixture
def target(van):
    response = send(van, {"type": "INDIVIDUAL", "firstName": "Lefty", "lastName": "McDonkey",
                          "emails": [{"address": "lefty@example.com", "type": "MAIN"}]}, CONTACTS)
    return response.json()["contactId"]


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies)
def test_random_update_bodies(van, store, target, body):
    before = store()
    response = send(van, body, f"{CONTACTS}/{target}")
    assert response.status_code < 500, response.text
    if response.status_code >= 300:
        if response.status_code != 301:
            assert_refused(response)
        assert store() == before
    else:
        assert response.json() == {"contactId": target}
        assert_showable(van, target)


PARAMETERS = ["firstName", "lastName", "email", "phone", "commonName", "$top", "$cursor", "$expand", "$skip", "other"]
parameter_values = st.one_of(st.text(max_size=20), st.integers().map(str), st.sampled_from(["emails", "0", "201", ""]))


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(params=st.lists(st.tuples(st.sampled_from(PARAMETERS), parameter_values), max_size=4),
       contact_id=st.one_of(st.text(min_size=1, max_size=40), st.uuids().map(str)))
def test_random_queries_and_ids(van, target, params, contact_id):
    listed = van.get(CONTACTS, params=params)
    assert listed.status_code in (200, 400), listed.text
    assert ("items" in listed.json()) if listed.status_code == 200 else listed.json()["errors"]
    one = van.get(f"{CONTACTS}/{quote(contact_id, safe='')}", params=[p for p in params if p[0] == "$expand"])
    assert one.status_code < 500, one.text
