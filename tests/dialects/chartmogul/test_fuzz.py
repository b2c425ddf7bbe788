"""No body, however odd, gets a 500 from the ChartMogul door; a refused one is answered in its
envelope ({"code", "message", "param", "errors"}) and leaves the store as it was. Bodies use
ChartMogul's own field names so they reach past the schema into the mapping and the core."""

import uuid

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.dialects.fuzzing import (
    FUZZ, JSON, fuzz, any_text, bodies, emails, hostile_text, json_values, loose, native_contacts, phones, raw_json,
    same_json, url_text,
)

path_text = st.text(st.characters(min_codepoint=0x21, blacklist_categories=("Cs", "Cc"), blacklist_characters="/?#%"),
                    min_size=1, max_size=40)


@pytest.fixture
def targets(cm, client, db, define, source, customer):
    """What the bodies point at: typed custom attributes, a data source, a customer with a contact,
    and another workspace's data source, customer and contact."""
    from contacthub.core import workspaces

    for key, type_ in (("tier", "string"), ("seats", "integer"), ("vip", "boolean"), ("since", "datetime"),
                       ("score", "decimal")):
        define(key, type_)
    contact = cm.post("/v1/contacts", json={"data_source_uuid": source["uuid"], "customer_uuid": customer["uuid"],
                                            "first_name": "Ada", "email": "ada@example.com", "external_id": "c1"})
    assert contact.status_code == 201, contact.text
    loose_contact = cm.post("/v1/contacts", json={"data_source_uuid": source["uuid"], "email": "grace@example.com"})
    with db.write() as session:
        other = workspaces.create_workspace(session, "cm-fuzz-other")
    auth = (other.api_key, "")
    their_source = client.post("/chartmogul/v1/data_sources", json={"name": "Theirs"}, auth=auth).json()
    their_customer = client.post("/chartmogul/v1/customers", auth=auth, json={
        "data_source_uuid": their_source["uuid"], "external_id": "t1"}).json()
    their_contact = client.post("/chartmogul/v1/contacts", auth=auth, json={
        "data_source_uuid": their_source["uuid"], "customer_uuid": their_customer["uuid"], "first_name": "T"}).json()
    return {
        "sources": [source["uuid"], source["uuid"].removeprefix("ds_"), their_source["uuid"], f"ds_{uuid.uuid4()}"],
        "customers": [customer["uuid"], customer["uuid"].removeprefix("cus_"), their_customer["uuid"],
                      f"cus_{uuid.uuid4()}"],
        "contacts": [contact.json()["uuid"], loose_contact.json()["uuid"], their_contact["uuid"],
                     f"con_{uuid.uuid4()}", "con_nope"],
    }


def snapshot(cm, native, workspace) -> tuple:
    customers = cm.get("/v1/customers", params={"per_page": 200}).json()["entries"]
    members = cm.get("/v1/contacts", params={"per_page": 200}).json()["entries"]
    return native_contacts(native, workspace.api_key), customers, members, cm.get("/v1/data_sources").json()


def check(response, cm, native, workspace, before):
    assert response.status_code < 500, response.text
    body = response.json()
    event(f"{response.status_code} {str(body.get('message', ''))[:70]}")
    if response.status_code >= 400:
        assert set(body) == {"code", "message", "param", "errors"}, body
        assert body["code"] == response.status_code and isinstance(body["message"], str) and body["message"]
        assert body["param"] is None or isinstance(body["param"], str)
        assert isinstance(body["errors"], dict) and all(isinstance(k, str) for k in body["errors"]), body
        if before is not None:
            assert snapshot(cm, native, workspace) == before
    return body


CUSTOM_KEYS = ["tier", "seats", "vip", "since", "score", "undefined", "bad key", "", "Tier"]
custom_values = st.one_of(json_values, st.sampled_from(["gold", "12", "t", "f", "1", "0", "yes", "2024-01-02T03:04:05Z",
                                                        "2024-13-45", "1.5", "1e999", "NaN"]))


def custom():
    entry = st.fixed_dictionaries({"key": loose(st.sampled_from(CUSTOM_KEYS), any_text)},
                                  optional={"value": custom_values, "source": any_text})
    return loose(st.lists(entry, max_size=3),
                 st.dictionaries(st.one_of(st.sampled_from(CUSTOM_KEYS), any_text), custom_values, max_size=3))


def contact_fields():
    return {
        "first_name": loose(any_text, hostile_text), "last_name": loose(any_text, hostile_text),
        "title": loose(any_text, hostile_text), "email": loose(emails, hostile_text), "phone": loose(phones),
        "linked_in": loose(any_text, hostile_text), "twitter": loose(any_text), "notes": loose(any_text, hostile_text),
        "custom": custom(), "unknown": json_values,
        "external_id": loose(any_text, hostile_text, st.just("c1")),
        "position": loose(st.integers(-5, 5), st.integers(), st.sampled_from([2**63, -(2**63) - 1, 2**31])),
    }


@FUZZ
@given(data=st.data())
def test_random_contact_creates_never_cause_a_server_error(cm, native, workspace, targets, data):
    fields = contact_fields()
    fields["customer_uuid"] = loose(st.sampled_from(targets["customers"]), any_text, st.none())
    body = data.draw(bodies(
        st.fixed_dictionaries({"data_source_uuid": st.sampled_from(targets["sources"])}, optional=fields),
        st.fixed_dictionaries({}, optional={"data_source_uuid": loose(st.sampled_from(targets["sources"]), any_text),
                                            **fields}),
    ), label="body")
    under = data.draw(st.one_of(st.none(), st.sampled_from(targets["customers"]), path_text), label="customer")
    path = "/v1/contacts" if under is None else f"/v1/customers/{under}/contacts"
    before = snapshot(cm, native, workspace)
    content = body if isinstance(body, bytes) else raw_json(body)
    response = cm.post(path, content=content, headers=JSON)
    out = check(response, cm, native, workspace, before)
    if response.status_code == 201:
        assert same_json(cm.get(f"/v1/contacts/{out['uuid']}").json(), out)


@FUZZ
@given(data=st.data())
def test_random_contact_updates_never_cause_a_server_error(cm, native, workspace, targets, data):
    body = data.draw(bodies(st.fixed_dictionaries({}, optional=contact_fields())), label="body")
    target = data.draw(st.one_of(st.sampled_from(targets["contacts"]), path_text), label="target")
    before = snapshot(cm, native, workspace)
    content = body if isinstance(body, bytes) else raw_json(body)
    response = cm.patch(f"/v1/contacts/{target}", content=content, headers=JSON)
    check(response, cm, native, workspace, before)


def timestamps():
    return loose(st.sampled_from(["2024-01-02T03:04:05Z", "2024-01-02", "1700000000", "2024-13-45T99:00:00Z", "",
                                  "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]), st.integers())


@FUZZ
@given(data=st.data())
def test_random_customer_and_data_source_creates_never_cause_a_server_error(cm, native, workspace, targets, data):
    primary = st.fixed_dictionaries({}, optional={k: v for k, v in contact_fields().items()
                                                  if k not in ("external_id", "position")})
    customer = st.fixed_dictionaries(
        {"data_source_uuid": loose(st.sampled_from(targets["sources"]), any_text)},
        optional={
            "external_id": loose(any_text, st.just("customer_001")), "name": loose(any_text, hostile_text),
            "email": loose(emails), "company": loose(any_text), "country": loose(any_text), "state": loose(any_text),
            "city": loose(any_text), "zip": loose(any_text), "website_url": loose(any_text, hostile_text),
            "lead_created_at": timestamps(), "free_trial_started_at": timestamps(),
            "attributes": loose(st.fixed_dictionaries({}, optional={
                "tags": loose(st.lists(any_text, max_size=3)),
                "custom": loose(st.lists(st.dictionaries(st.sampled_from(["type", "key", "value", "source"]),
                                                         json_values), max_size=2),
                                st.dictionaries(any_text, json_values, max_size=2))})),
            "primary_contact": loose(primary),
        })
    source = st.fixed_dictionaries({}, optional={"name": loose(any_text, hostile_text, st.just("Import"))})
    path, body = data.draw(st.one_of(st.tuples(st.just("/v1/customers"), bodies(customer)),
                                     st.tuples(st.just("/v1/data_sources"), bodies(source))), label="body")
    before = snapshot(cm, native, workspace)
    content = body if isinstance(body, bytes) else raw_json(body)
    response = cm.post(path, content=content, headers=JSON)
    check(response, cm, native, workspace, before)


@fuzz(8)
@given(data=st.data())
def test_random_merges_never_cause_a_server_error(cm, native, workspace, targets, data):
    ids = st.one_of(st.sampled_from(targets["contacts"]), path_text)
    into, from_ = data.draw(ids, label="into"), data.draw(ids, label="from")
    before = snapshot(cm, native, workspace)
    check(cm.post(f"/v1/contacts/{into}/merge/{from_}"), cm, native, workspace, before)


PARAMS = ["cursor", "per_page", "email", "customer_external_id", "data_source_uuid", "customer_uuid", "external_id",
          "name", "unknown"]
param_values = st.one_of(url_text, st.integers().map(str), st.sampled_from(
    ["0", "-1", "1", "200", "201", "99999999999999999999", "1.5", "ds_", "cus_", "con_", "\x00", "%", "_",
     "ada@example.com", "c1", "customer_001", "eyJpZCI6ICJ4In0=", "AAAA", "a" * 500]))


@fuzz(10)
@given(params=st.lists(st.tuples(st.sampled_from(PARAMS), param_values), max_size=5),
       path=st.sampled_from(["/v1/contacts", "/v1/customers", "/v1/customers/{customer}/contacts", "/v1/data_sources"]))
def test_random_list_parameters_never_cause_a_server_error(cm, native, workspace, targets, params, path):
    response = cm.get(path.format(customer=targets["customers"][0]), params=params)
    body = check(response, cm, native, workspace, None)
    if response.status_code == 200 and "entries" in body:
        assert set(body) == {"entries", "cursor", "has_more"}, body
