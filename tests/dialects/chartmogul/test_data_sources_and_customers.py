"""Data sources and customers: what a contact needs and what the SDK reads."""


def test_data_source_create_list_get_delete(cm):
    made = cm.post("/v1/data_sources", json={"name": "In-house billing"})
    assert made.status_code == 201
    body = made.json()
    assert set(body) == {"uuid", "name", "system", "created_at", "status"}
    assert body["uuid"].startswith("ds_") and body["system"] == "Import API" and body["status"] == "idle"
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == len("2024-01-01T00:00:00.000Z")

    assert cm.get("/v1/data_sources").json() == {"data_sources": [body]}
    assert cm.get("/v1/data_sources", params={"name": "other"}).json() == {"data_sources": []}
    assert cm.get(f"/v1/data_sources/{body['uuid']}").json() == body

    gone = cm.delete(f"/v1/data_sources/{body['uuid']}")
    assert gone.status_code == 204 and gone.content == b""
    assert cm.get("/v1/data_sources").json() == {"data_sources": []}
    assert cm.delete(f"/v1/data_sources/{body['uuid']}").status_code == 404


def test_data_source_name_is_required_and_unique(cm):
    missing = cm.post("/v1/data_sources", json={})
    assert missing.status_code == 400
    assert missing.json() == {"code": 400, "message": 'Parameter "name" is missing', "param": "name",
                              "errors": {"name": "is missing"}}
    blank = cm.post("/v1/data_sources", json={"name": "   "})  # was a 422 worded otherwise than ""'s 400
    assert blank.status_code == 400 and blank.json() == missing.json()
    cm.post("/v1/data_sources", json={"name": "Billing"})
    again = cm.post("/v1/data_sources", json={"name": "Billing"})
    assert again.status_code == 422 and again.json()["param"] == "name"
    assert again.json()["message"] == "name: has already been taken"  # "param: reason", as every 422 here


def test_deleting_a_data_source_removes_its_customers_but_keeps_contacts(cm, native, customer):
    made = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                   json={"data_source_uuid": customer["data_source_uuid"], "first_name": "Ada"}).json()
    assert cm.delete(f"/v1/data_sources/{customer['data_source_uuid']}").status_code == 204
    assert cm.get(f"/v1/customers/{customer['uuid']}").status_code == 404
    kept = cm.get(f"/v1/contacts/{made['uuid']}").json()
    assert kept["customer_uuid"] is None and kept["first_name"] == "Ada"
    assert kept["data_source_uuid"] is None  # no longer said to come from a source that is gone
    assert cm.get("/v1/contacts", params={"data_source_uuid": customer["data_source_uuid"]}).json()["entries"] == []
    stored = native.get(f"/v1/contacts/{made['uuid'].removeprefix('con_')}").json()
    assert stored["accounts"] == [] and stored["identifiers"] == []
    history = native.get(f"/v1/contacts/{stored['id']}/events").json()["data"]
    assert [e["action"] for e in history] == ["created", "updated"]


def test_customer_create_and_retrieve(cm, source):
    response = cm.post("/v1/customers", json={
        "data_source_uuid": source["uuid"], "external_id": "cus_0001", "name": "Adam Smith",
        "email": "adam@example.com", "company": "Acme", "country": "US", "state": "NY", "city": "New York",
        "zip": "10001", "website_url": "https://acme.test", "lead_created_at": "2023-01-01T00:00:00Z",
        "free_trial_started_at": "2023-01-15T00:00:00Z",
        "attributes": {"tags": ["important"], "custom": [{"type": "String", "key": "channel", "value": "Facebook"}]},
    })
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["uuid"].startswith("cus_") and isinstance(body["id"], int)
    assert (body["external_id"], body["data_source_uuid"], body["name"], body["email"], body["company"]) == (
        "cus_0001", source["uuid"], "Adam Smith", "adam@example.com", "Acme")
    assert body["external_ids"] == ["cus_0001"] and body["data_source_uuids"] == [source["uuid"]]
    assert body["attributes"]["tags"] == ["important"] and body["attributes"]["custom"] == {"channel": "Facebook"}
    assert body["address"] == {"address_zip": "10001", "city": "New York", "state": "NY", "country": "US"}
    assert body["lead_created_at"] == "2023-01-01T00:00:00.000Z"
    assert (body["mrr"], body["arr"], body["status"]) == (0, 0, "New Lead")
    assert cm.get(f"/v1/customers/{body['uuid']}").json() == body

    listed = cm.get("/v1/customers", params={"external_id": "cus_0001", "data_source_uuid": source["uuid"]}).json()
    assert [c["uuid"] for c in listed["entries"]] == [body["uuid"]] and listed["has_more"] is False
    # the shapes the OpenAPI document shows, every key named
    from contacthub.dialects.chartmogul.schemas import CustomerListOut, CustomerOut

    CustomerOut.model_validate(body)
    CustomerListOut.model_validate(listed)
    CustomerListOut.model_validate(cm.get("/v1/customers/search", params={"email": "adam@example.com"}).json())


def test_customer_nulls_the_sdk_refuses_are_sent_as_empty(cm, source):
    body = cm.post("/v1/customers", json={"data_source_uuid": source["uuid"], "external_id": "x"}).json()
    for field in ("name", "email", "company"):
        assert body[field] == "", field
    assert body["mrr"] == 0 and body["status"] and body["id"] is not None


def test_customer_rules(cm, source):
    for missing, body in (("data_source_uuid", {"external_id": "x"}), ("external_id", {"data_source_uuid": source["uuid"]})):
        response = cm.post("/v1/customers", json=body)
        assert response.status_code == 400 and response.json()["param"] == missing
    cm.post("/v1/customers", json={"data_source_uuid": source["uuid"], "external_id": "dup"})
    again = cm.post("/v1/customers", json={"data_source_uuid": source["uuid"], "external_id": "dup"})
    assert again.status_code == 422 and again.json()["param"] == "external_id"
    unknown = cm.post("/v1/customers", json={"data_source_uuid": "ds_00000000-0000-0000-0000-000000000000",
                                             "external_id": "y"})
    assert unknown.status_code == 422 and unknown.json()["param"] == "data_source_uuid"
    assert cm.get("/v1/customers/cus_00000000-0000-0000-0000-000000000000").status_code == 404


def test_customer_with_primary_contact(cm, source):
    body = cm.post("/v1/customers", json={
        "data_source_uuid": source["uuid"], "external_id": "pc",
        "primary_contact": {"first_name": "Ada", "email": "ada@example.com"},
    }).json()
    contacts = cm.get(f"/v1/customers/{body['uuid']}/contacts").json()["entries"]
    assert [(c["first_name"], c["email"], c["position"]) for c in contacts] == [("Ada", "ada@example.com", 1)]


def test_the_door_documents_itself(client):
    spec = client.get("/chartmogul/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in ("/v1/contacts", "/v1/contacts/{uuid}", "/v1/contacts/{into}/merge/{from}",
                 "/v1/customers/{uuid}/contacts", "/v1/data_sources", "/v1/customers"):
        assert path in paths, path
    assert client.get("/chartmogul/docs").status_code == 200
    assert client.get("/").json()["apis"]["chartmogul"]["base"] == "/chartmogul/v1"


def test_a_blank_data_source_name_and_a_flag_for_a_position_are_refused(cm, customer):
    assert cm.post("/v1/data_sources", json={"name": "   "}).status_code == 400  # blank: missing
    response = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                       json={"data_source_uuid": customer["data_source_uuid"], "first_name": "P", "position": True})
    assert response.status_code in (400, 422) and response.json()["param"] == "position"


def test_customer_lead_dates_given_with_an_offset_are_stored_in_utc(cm, source):
    body = cm.post("/v1/customers", json={
        "data_source_uuid": source["uuid"], "external_id": "tz1",
        "lead_created_at": "2015-01-01T10:00:00+02:00", "free_trial_started_at": "2015-01-09T23:30:00-05:00",
    }).json()
    assert body["lead_created_at"] == "2015-01-01T08:00:00.000Z"
    assert body["free_trial_started_at"] == "2015-01-10T04:30:00.000Z"
    assert cm.get(f"/v1/customers/{body['uuid']}").json()["free_trial_started_at"] == "2015-01-10T04:30:00.000Z"


def test_a_blank_email_or_phone_is_none(cm, native, customer):
    made = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                   json={"data_source_uuid": customer["data_source_uuid"], "email": "   ", "phone": " "})
    assert made.status_code == 201
    assert (made.json()["email"], made.json()["phone"]) == (None, None)
    stored = native.get(f"/v1/contacts/{made.json()['uuid'].removeprefix('con_')}").json()
    assert (stored["emails"], stored["phones"]) == ([], [])
    again = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                    json={"data_source_uuid": customer["data_source_uuid"], "email": "  "})
    assert again.status_code == 201  # no empty email that a second contact would "share"


def test_customer_update_search_and_delete_refuse_bad_input(cm, customer):
    assert cm.patch("/v1/customers/cus_00000000-0000-0000-0000-000000000000", json={"name": "x"}).status_code == 404
    missing = cm.get("/v1/customers/search")
    assert missing.status_code == 400 and missing.json()["param"] == "email"
    long = cm.patch(f"/v1/customers/{customer['uuid']}", json={"name": "x" * 301})
    assert long.status_code == 422 and long.json()["param"] == "name"
    assert cm.get(f"/v1/customers/{customer['uuid']}").json()["name"] == customer["name"]
    assert cm.delete(f"/v1/customers/{customer['uuid']}").status_code == 204
    assert cm.delete(f"/v1/customers/{customer['uuid']}").status_code == 404


def test_a_customer_stored_before_its_attributes_were_checked_still_reads_and_updates(cm, db, workspace, customer):
    """The native API once took any `attributes` and `extra` for an account; a row stored so
    (custom a list, tags a text, a lead date no time) made the customer list answer 500, and
    the SDK refuse the page. Such a row reads with what can be read, and updates."""
    import uuid

    from sqlalchemy import update

    from contacthub.db.models import Account

    account_id = uuid.UUID(customer["uuid"].removeprefix("cus_"))
    with db.write() as session:
        session.execute(update(Account).where(Account.workspace_id == workspace.workspace_id, Account.id == account_id)
                        .values(attributes={"custom": [1], "tags": "vip"}, extra={"lead_created_at": "garbage"}))
    listed = cm.get("/v1/customers")
    assert listed.status_code == 200, listed.text
    [read] = listed.json()["entries"]
    assert (read["attributes"]["tags"], read["attributes"]["custom"], read["lead_created_at"]) == ([], {}, None)
    patched = cm.patch(f"/v1/customers/{customer['uuid']}", json={"attributes": {"tags": ["new"]},
                                                                  "free_trial_started_at": "2024-02-01T00:00:00Z"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["attributes"]["tags"], patched.json()["free_trial_started_at"]) == (
        ["new"], "2024-02-01T00:00:00.000Z")
    patched = cm.patch(f"/v1/customers/{customer['uuid']}", json={"attributes": {"custom": {"seats": 2}}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["attributes"]["custom"] == {"seats": 2}


def test_customers_are_listed_by_status_and_system_as_chartmogul_filters_them(cm, native, customer):
    """`status` and `system` were ignored: a program listing its "Active" customers got every one."""
    stripe = native.post("/v1/data-sources", json={"name": "Stripe billing", "system": "Stripe"}).json()
    paying = native.post("/v1/accounts", json={"data_source_id": stripe["id"], "external_id": "cus_s1", "name": "Paying"})
    assert paying.status_code == 201

    def names(**params):
        answer = cm.get("/v1/customers", params=params)
        assert answer.status_code == 200, answer.text
        return sorted(c["name"] for c in answer.json()["entries"])

    assert names() == ["Acme", "Paying"]
    assert names(system="Stripe") == ["Paying"] and names(system="Import API") == ["Acme"]
    assert names(system="Chargebee") == []
    assert names(status="New Lead") == ["Acme", "Paying"]  # every customer here: no subscriptions are kept
    assert names(status="Active") == [] and names(status="Active", system="Stripe") == []


def test_customer_pages_are_checked_whatever_the_status_and_end_with_a_cursor_as_contact_pages(cm, customer):
    """`status=Active&per_page=0` (or a cursor that is none) was 200 with no customers, while
    `status=New Lead` with the same was 422; the last page of customers had a null cursor, of
    contacts the last one's."""
    for status in ("Active", "New Lead"):
        for bad in ({"per_page": 0}, {"cursor": "!"}):
            answer = cm.get("/v1/customers", params={"status": status, **bad})
            assert answer.status_code == 422, (status, bad, answer.text)
    last = cm.get("/v1/customers").json()
    assert last["has_more"] is False and last["cursor"]
    assert cm.get("/v1/customers", params={"cursor": last["cursor"]}).json() == {
        "entries": [], "cursor": last["cursor"], "has_more": False}  # a poller goes on from where it was
    found = cm.get("/v1/customers/search", params={"email": "billing@acme.test"}).json()
    assert [c["uuid"] for c in found["entries"]] == [customer["uuid"]] and found["cursor"]


def test_a_customer_custom_entry_needs_its_key_and_value(cm, source):
    """An entry of the list form without `key` was dropped without a word."""
    base = {"data_source_uuid": source["uuid"], "external_id": "cus_k"}
    for entry, param in (({"type": "String", "value": "x"}, "attributes.custom[0].key"),
                         ({"type": "String", "key": "channel"}, "attributes.custom[0].value")):
        refused = cm.post("/v1/customers", json={**base, "attributes": {"custom": [entry]}})
        assert refused.status_code == 400 and refused.json()["param"] == param, refused.text
    assert cm.get("/v1/customers").json()["entries"] == []
    made = cm.post("/v1/customers", json={**base, "attributes": {"custom": [
        {"type": "String", "key": "channel", "value": "web", "source": "integration"}]}})
    assert made.status_code == 201 and made.json()["attributes"]["custom"] == {"channel": "web"}
