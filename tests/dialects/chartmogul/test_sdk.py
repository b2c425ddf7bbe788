"""The official `chartmogul` Python SDK (from PyPI), pointed at a live contacthub, works unchanged."""

import chartmogul
import httpx
import pytest
from chartmogul import APIError


@pytest.fixture
def config(live_server, workspace):
    config = chartmogul.Config(workspace.api_key, request_timeout=10, max_retries=0)
    config.uri = live_server + "/chartmogul/v1"
    return config


@pytest.fixture
def native(live_server, workspace):
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {workspace.api_key}"}) as client:
        yield client


def _define(native, key, type_="string"):
    assert native.post("/v1/attribute-definitions", json={"key": key, "type": type_}).status_code == 201


@pytest.fixture
def source(config):
    return chartmogul.DataSource.create(config, data={"name": "In-house billing"}).get()


@pytest.fixture
def customer(config, source):
    return chartmogul.Customer.create(config, data={
        "data_source_uuid": source.uuid, "external_id": "cus_0001", "name": "Adam Smith", "email": "adam@example.com",
        "company": "Acme", "country": "US", "city": "New York", "lead_created_at": "2023-01-01T00:00:00Z",
        "attributes": {"tags": ["important"], "custom": [{"type": "String", "key": "channel", "value": "Facebook"}]},
    }).get()


def test_ping(config):
    assert chartmogul.Ping.ping(config).get().data == "pong!"


def test_data_sources(config):
    made = chartmogul.DataSource.create(config, data={"name": "Billing"}).get()
    assert made.uuid.startswith("ds_") and made.name == "Billing" and made.system == "Import API"
    assert made.created_at is not None and made.status == "idle"

    listed = chartmogul.DataSource.all(config).get()
    assert [d.uuid for d in listed.data_sources] == [made.uuid]
    assert chartmogul.DataSource.retrieve(config, uuid=made.uuid).get().name == "Billing"

    assert chartmogul.DataSource.destroy(config, uuid=made.uuid).get() is None
    assert chartmogul.DataSource.all(config).get().data_sources == []


def test_customer_create_and_retrieve(config, source, customer):
    assert customer.uuid.startswith("cus_") and isinstance(customer.id, int)
    assert customer.data_source_uuid == source.uuid and customer.external_id == "cus_0001"
    assert customer.attributes.tags == ["important"] and customer.attributes.custom == {"channel": "Facebook"}
    assert customer.lead_created_at.year == 2023

    got = chartmogul.Customer.retrieve(config, uuid=customer.uuid).get()
    assert (got.uuid, got.name, got.email, got.company, got.mrr) == (customer.uuid, "Adam Smith", "adam@example.com", "Acme", 0)
    assert got.address.city == "New York"
    listed = chartmogul.Customer.all(config, data_source_uuid=source.uuid, external_id="cus_0001").get()
    assert [c.uuid for c in listed.entries] == [customer.uuid] and listed.has_more is False


def test_contact_lifecycle(config, source, customer, native):
    _define(native, "Facebook")
    _define(native, "date_of_birth", "datetime")
    made = chartmogul.Customer.createContact(config, uuid=customer.uuid, data={
        "data_source_uuid": source.uuid, "first_name": "Adam", "last_name": "Smith", "position": 9, "title": "CEO",
        "email": "adam@example.com", "phone": "+1234567890", "linked_in": "https://linkedin.com/example",
        "twitter": "https://twitter.com/example", "notes": "Heading\nBody\nFooter",
        "custom": [{"key": "Facebook", "value": "https://www.facebook.com/example"},
                   {"key": "date_of_birth", "value": "1985-01-22"}],
    }).get()
    assert isinstance(made, chartmogul.Contact) and made.uuid.startswith("con_")
    assert (made.customer_uuid, made.customer_external_id, made.data_source_uuid) == (customer.uuid, "cus_0001", source.uuid)
    assert (made.position, made.email, made.phone, made.notes) == (9, "adam@example.com", "+1234567890", "Heading\nBody\nFooter")
    assert made.custom == {"Facebook": "https://www.facebook.com/example", "date_of_birth": "1985-01-22"}

    got = chartmogul.Contact.retrieve(config, uuid=made.uuid).get()
    assert got.first_name == "Adam" and got.custom == made.custom

    changed = chartmogul.Contact.modify(config, uuid=made.uuid, data={
        "first_name": "Bill", "position": 10, "custom": [{"key": "date_of_birth", "value": "1990-01-01"}],
    }).get()
    assert (changed.first_name, changed.last_name, changed.position) == ("Bill", "Smith", 10)
    assert changed.custom == {"Facebook": "https://www.facebook.com/example", "date_of_birth": "1990-01-01"}

    in_customer = chartmogul.Customer.contacts(config, uuid=customer.uuid).get()
    assert [c.uuid for c in in_customer.entries] == [made.uuid] and in_customer.has_more is False

    # The same contact through the native API: one store behind every door.
    native_view = native.get(f"/v1/contacts/{made.uuid.removeprefix('con_')}").json()
    assert native_view["first_name"] == "Bill" and native_view["emails"][0]["address"] == "adam@example.com"

    assert chartmogul.Contact.destroy(config, uuid=made.uuid).get() is not None
    with pytest.raises(APIError) as caught:
        chartmogul.Contact.retrieve(config, uuid=made.uuid).get()
    assert caught.value.__cause__.response.status_code == 404


def test_contact_without_customer_list_filters_and_merge(config, source, customer):
    loose = chartmogul.Contact.create(config, data={
        "data_source_uuid": source.uuid, "first_name": "Loose", "email": "loose@example.com", "external_id": "x-1",
    }).get()
    assert loose.customer_uuid is None and loose.position is None and loose.external_id == "x-1"
    member = chartmogul.Contact.create(config, data={
        "customer_uuid": customer.uuid, "data_source_uuid": source.uuid, "first_name": "Member", "title": "CTO",
    }).get()
    assert member.customer_uuid == customer.uuid and member.position == 1

    assert [c.uuid for c in chartmogul.Contact.all(config, email="loose@example.com").get().entries] == [loose.uuid]
    assert [c.uuid for c in chartmogul.Contact.all(config, external_id="x-1").get().entries] == [loose.uuid]
    assert [c.uuid for c in chartmogul.Contact.all(config, customer_external_id="cus_0001").get().entries] == [member.uuid]
    by_source = chartmogul.Contact.all(config, data_source_uuid=source.uuid).get()
    assert [c.uuid for c in by_source.entries] == [loose.uuid, member.uuid]

    merged = chartmogul.Contact.merge(config, into_uuid=member.uuid, from_uuid=loose.uuid).get()
    assert merged.uuid == member.uuid and merged.email == "loose@example.com" and merged.title == "CTO"
    with pytest.raises(APIError) as caught:
        chartmogul.Contact.retrieve(config, uuid=loose.uuid).get()
    assert caught.value.__cause__.response.status_code == 404
    assert [c.uuid for c in chartmogul.Contact.all(config).get().entries] == [member.uuid]


def test_pagination_through_more_than_one_page(config, source, customer):
    made = [
        chartmogul.Customer.createContact(config, uuid=customer.uuid, data={
            "data_source_uuid": source.uuid, "first_name": f"C{i}", "email": f"c{i}@example.com"}).get().uuid
        for i in range(5)
    ]
    seen, cursor, pages = [], None, 0
    while True:
        page = chartmogul.Contact.all(config, per_page=2, **({"cursor": cursor} if cursor else {})).get()
        seen += [c.uuid for c in page.entries]
        pages += 1
        if not page.has_more:
            break
        cursor = page.cursor
    assert seen == made and pages == 3

    first = chartmogul.Customer.contacts(config, uuid=customer.uuid, per_page=3).get()
    rest = chartmogul.Customer.contacts(config, uuid=customer.uuid, per_page=3, cursor=first.cursor).get()
    assert first.has_more is True and rest.has_more is False
    assert [c.uuid for c in first.entries + rest.entries] == made
    assert [c.position for c in first.entries + rest.entries] == [1, 2, 3, 4, 5]


def test_errors_surface_as_api_errors(config, live_server, source, customer, native):
    with pytest.raises(APIError) as caught:
        chartmogul.Customer.createContact(config, uuid=customer.uuid, data={
            "data_source_uuid": source.uuid, "custom": [{"key": "undefined_key", "value": "x"}]}).get()
    response = caught.value.__cause__.response
    assert response.status_code == 422 and response.json()["param"] == "custom.undefined_key"

    with pytest.raises(APIError) as caught:
        chartmogul.Customer.createContact(config, uuid=customer.uuid, data={"first_name": "No source"}).get()
    assert caught.value.__cause__.response.status_code == 400

    bad = chartmogul.Config("not-a-key", max_retries=0)
    bad.uri = live_server + "/chartmogul/v1"
    with pytest.raises(APIError) as caught:
        chartmogul.DataSource.all(bad).get()
    assert caught.value.__cause__.response.status_code == 401
    assert native.get("/v1/contacts").json()["data"] == []


def test_customer_modify_search_and_destroy(config, native, customer):
    contact = chartmogul.Customer.createContact(config, uuid=customer.uuid, data={
        "data_source_uuid": customer.data_source_uuid, "first_name": "Adam"}).get()
    changed = chartmogul.Customer.modify(config, uuid=customer.uuid, data={
        "name": "Adam Smithers", "lead_created_at": "2023-02-01T10:00:00+02:00",
        "attributes": {"tags": ["vip"], "custom": {"channel": "Email", "plan": "pro"}}}).get()
    assert changed.name == "Adam Smithers" and changed.company == "Acme" and changed.email == "adam@example.com"
    assert changed.attributes.tags == ["vip"]
    assert changed.attributes.custom == {"channel": "Email", "plan": "pro"}
    assert changed.lead_created_at.isoformat().startswith("2023-02-01T08:00:00")
    assert chartmogul.Customer.retrieve(config, uuid=customer.uuid).get().name == "Adam Smithers"

    found = chartmogul.Customer.search(config, email="ADAM@example.com").get()
    assert [c.uuid for c in found.entries] == [customer.uuid] and found.has_more is False
    assert chartmogul.Customer.search(config, email="nobody@example.com").get().entries == []

    assert chartmogul.Customer.destroy(config, uuid=customer.uuid).get() is None
    with pytest.raises(APIError):
        chartmogul.Customer.retrieve(config, uuid=customer.uuid).get()
    kept = native.get(f"/v1/contacts/{contact.uuid.removeprefix('con_')}").json()
    assert kept["first_name"] == "Adam" and kept["accounts"] == []  # the contact stays, out of the customer
