"""The two ChartMogul seed documents: each curl body, sent verbatim (only the ids swapped for
ones this store made), answers the documented response field for field."""

import json

# seeds/000: POST /v1/customers/{CUSTOMER_UUID}/contacts (the body exactly as in the curl).
ADD_CONTACT_BODY = r'''{
"data_source_uuid": "ds_92cc7226-509f-11ee-acf4-639f264f875d",
"first_name": "Adam",
"last_name": "Smith",
"position": 9,
"title": "CEO",
"email": "[email protected]",
"phone": "+1234567890",
"linked_in": "https://linkedin.com/example",
"twitter": "https://twitter.com/example",
"notes": "Heading\nBody\nFooter",
"custom": [
{ "key": "Facebook", "value": "https://www.facebook.com/example" },
{ "key": "date_of_birth", "value": "1985-01-22" }
]
}'''

ADD_CONTACT_RESPONSE = {
    "uuid": "con_d018335c-56d2-11ee-897c-830bb2bba6ec",
    "customer_uuid": "cus_3819e09a-50a2-11ee-ada7-9fcf71cd4580",
    "customer_external_id": "customer_001",
    "data_source_uuid": "ds_92cc7226-509f-11ee-acf4-639f264f875d",
    "position": 9,
    "first_name": "Adam",
    "last_name": "Smith",
    "title": "CEO",
    "email": "[email protected]",
    "phone": "+1234567890",
    "linked_in": "https://linkedin.com/example",
    "twitter": "https://twitter.com/example",
    "notes": "Heading\nBody\nFooter",
    "custom": {"Facebook": "https://www.facebook.com/example", "date_of_birth": "1985-01-22"},
}

# seeds/001: PATCH /v1/contacts/{uuid}.
UPDATE_CONTACT_BODY = r'''{
            "first_name": "Bill",
            "last_name": "Thompson",
            "position": 10,
            "title": "CTO",
            "email": "[email protected]",
            "phone": "+987654321",
            "linked_in": "https://linkedin.com/example",
            "twitter": "https://twitter.com/example",
            "notes": "New Heading\nNew Body\nNew Footer",
            "custom": [
              { "key": "Facebook", "value": "https://www.facebook.com/example" },
              { "key": "date_of_birth", "value": "1990-01-01" }
            ]
         }'''

UPDATE_CONTACT_RESPONSE = {
    "uuid": "con_f90ba380-57a8-11ee-9500-7f50256329a7",
    "customer_uuid": "cus_52eb54c2-dea0-11ed-ac96-ef735d89fca0",
    "customer_external_id": "customer_001",
    "data_source_uuid": "ds_a0767e0a-515b-11ee-b531-07b8fff1bb01",
    "first_name": "Bill",
    "last_name": "Thompson",
    "position": 10,
    "title": "CTO",
    "email": "[email protected]",
    "phone": "+987654321",  # the document's sample says "+9876543210", a typo for what was sent
    "linked_in": "https://linkedin.com/example",
    "twitter": "https://twitter.com/example",
    "notes": "New Heading\nNew Body\nNew Footer",
    # The document prints a list here; its own field description and every client read an object.
    "custom": {"Facebook": "https://www.facebook.com/example", "date_of_birth": "1990-01-01"},
}

IDS = ("uuid", "customer_uuid", "data_source_uuid")


def _with_source(body: str, source_uuid: str) -> str:
    return body.replace("ds_92cc7226-509f-11ee-acf4-639f264f875d", source_uuid)


def _same_shape(got: dict, expected: dict, ids: dict) -> None:
    assert set(expected) <= set(got), set(expected) - set(got)
    for field, value in expected.items():
        assert got[field] == ids.get(field, value), field


def _add_seed_contact(cm, customer, define):
    define("Facebook")
    define("date_of_birth", "datetime")
    response = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                       content=_with_source(ADD_CONTACT_BODY, customer["data_source_uuid"]),
                       headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    return response.json()


def test_seed_000_add_a_contact_to_a_customer(cm, customer, define):
    got = _add_seed_contact(cm, customer, define)
    assert got["uuid"].startswith("con_")
    ids = {"uuid": got["uuid"], "customer_uuid": customer["uuid"], "data_source_uuid": customer["data_source_uuid"]}
    _same_shape(got, ADD_CONTACT_RESPONSE, ids)
    _same_shape(cm.get(f"/v1/contacts/{got['uuid']}").json(), ADD_CONTACT_RESPONSE, ids)


def test_seed_000_ruby_style_custom_object_is_accepted_too(cm, customer, define):
    define("Facebook")
    define("date_of_birth", "datetime")
    body = json.loads(_with_source(ADD_CONTACT_BODY, customer["data_source_uuid"]))
    body["custom"] = {"Facebook": "https://www.facebook.com/example", "date_of_birth": "1985-01-22"}
    response = cm.post(f"/v1/customers/{customer['uuid']}/contacts", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["custom"] == ADD_CONTACT_RESPONSE["custom"]


def test_seed_001_update_a_contact(cm, customer, define):
    made = _add_seed_contact(cm, customer, define)
    response = cm.patch(f"/v1/contacts/{made['uuid']}", content=UPDATE_CONTACT_BODY,
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    ids = {"uuid": made["uuid"], "customer_uuid": customer["uuid"], "data_source_uuid": customer["data_source_uuid"]}
    _same_shape(response.json(), UPDATE_CONTACT_RESPONSE, ids)
    _same_shape(cm.get(f"/v1/contacts/{made['uuid']}").json(), UPDATE_CONTACT_RESPONSE, ids)


def test_seed_contacts_are_core_contacts(cm, native, customer, define):
    made = _add_seed_contact(cm, customer, define)
    core = native.get(f"/v1/contacts/{made['uuid'].removeprefix('con_')}").json()
    assert (core["first_name"], core["last_name"], core["title"], core["notes"]) == ("Adam", "Smith", "CEO", "Heading\nBody\nFooter")
    assert core["emails"][0]["address"] == "[email protected]"
    assert core["phones"][0]["number"] == "+1234567890"
    assert core["social"] == {"linkedin": "https://linkedin.com/example", "twitter": "https://twitter.com/example"}
    assert core["attributes"] == {"Facebook": "https://www.facebook.com/example", "date_of_birth": "1985-01-22"}
    assert core["accounts"] == [{"id": customer["uuid"].removeprefix("cus_"), "position": 9}]
    assert {"key": "data_source", "value": customer["data_source_uuid"].removeprefix("ds_")} in [
        {"key": i["key"], "value": i["value"]} for i in core["identifiers"]]
