"""Every contact endpoint of the ChartMogul door, and the rules from the seeds."""

import pytest


def _add(cm, customer, **fields):
    body = {"data_source_uuid": customer["data_source_uuid"], **fields}
    response = cm.post(f"/v1/customers/{customer['uuid']}/contacts", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _customer(cm, source, external_id):
    response = cm.post("/v1/customers", json={"data_source_uuid": source["uuid"], "external_id": external_id})
    assert response.status_code == 201, response.text
    return response.json()


def _ids(page):
    return [c["uuid"] for c in page["entries"]]


# ---------------------------------------------------------------- create

def test_added_contact_has_every_field_and_nulls_for_the_missing_ones(cm, customer):
    got = _add(cm, customer, first_name="Ada")
    assert got == {
        "uuid": got["uuid"], "customer_uuid": customer["uuid"], "customer_external_id": "customer_001",
        "data_source_uuid": customer["data_source_uuid"], "position": 1, "first_name": "Ada", "last_name": None,
        "title": None, "email": None, "phone": None, "linked_in": None, "twitter": None, "notes": None,
        "custom": {}, "external_id": None,
    }


def test_position_first_is_one_next_follows_taken_shifts_past_count_kept(cm, customer):
    a = _add(cm, customer, first_name="A")
    b = _add(cm, customer, first_name="B")
    assert (a["position"], b["position"]) == (1, 2)
    far = _add(cm, customer, first_name="Far", position=9)
    assert far["position"] == 9  # past the count: kept as given
    assert _add(cm, customer, first_name="Next")["position"] == 10
    front = _add(cm, customer, first_name="Front", position=1)
    assert front["position"] == 1
    positions = {c["first_name"]: c["position"] for c in cm.get(f"/v1/customers/{customer['uuid']}/contacts").json()["entries"]}
    assert positions == {"A": 2, "B": 3, "Far": 10, "Next": 11, "Front": 1}


def test_contacts_moved_to_make_room_are_recorded_as_updated(cm, customer, native):
    """A contact put at a taken position moves the others along: they moved with no event on the
    feed and their `updated_at` unchanged, so a follower of the feed kept the old positions."""
    a, b = (_add(cm, customer, first_name=name)["uuid"].removeprefix("con_") for name in ("A", "B"))
    since = native.get("/v1/changes", params={"since": 0, "limit": 200}).json()["next_since"]
    a_was = native.get(f"/v1/contacts/{a}").json()
    account = a_was["accounts"][0]["id"]
    front = _add(cm, customer, first_name="Front", position=1)["uuid"].removeprefix("con_")

    def moves():
        nonlocal since
        page = native.get("/v1/changes", params={"since": since, "limit": 200}).json()
        since = page["next_since"]
        return {e["subject_id"]: e["changes"].get("accounts") for e in page["data"] if e["action"] == "updated"}

    def at(position):
        return [{"id": account, "position": position}]

    assert moves() == {a: [at(1), at(2)], b: [at(2), at(3)]}
    a_now = native.get(f"/v1/contacts/{a}").json()
    assert a_now["accounts"] == at(2) and a_now["updated_at"] > a_was["updated_at"]

    # B to the front: B's own change, and the two it passes moved down by one
    assert cm.patch(f"/v1/contacts/con_{b}", json={"position": 1}).json()["position"] == 1
    assert moves() == {b: [at(3), at(1)], front: [at(1), at(2)], a: [at(2), at(3)]}


def test_email_is_unique_within_a_customer_but_not_across_customers(cm, source, customer, native):
    first = _add(cm, customer, email="ada@example.com")
    again = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                    json={"data_source_uuid": customer["data_source_uuid"], "email": "ADA@example.com"})
    assert again.status_code == 422
    assert again.json()["param"] == "email" and again.json()["code"] == 422

    other = _customer(cm, source, "customer_002")
    second = _add(cm, other, email="ada@example.com")
    assert second["uuid"] != first["uuid"] and second["customer_uuid"] == other["uuid"]
    assert len(native.get("/v1/contacts", params={"email": "ada@example.com"}).json()["data"]) == 2


def test_data_source_must_be_the_customers(cm, customer):
    other = cm.post("/v1/data_sources", json={"name": "Other"}).json()
    response = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                       json={"data_source_uuid": other["uuid"], "first_name": "X"})
    assert response.status_code == 422 and response.json()["param"] == "data_source_uuid"
    missing = cm.post(f"/v1/customers/{customer['uuid']}/contacts", json={"first_name": "X"})
    assert missing.status_code == 400
    assert missing.json() == {"code": 400, "message": 'Parameter "data_source_uuid" is missing',
                              "param": "data_source_uuid", "errors": {"data_source_uuid": "is missing"}}
    assert cm.get("/v1/contacts").json()["entries"] == []


def test_create_contact_with_or_without_customer(cm, source, customer):
    loose = cm.post("/v1/contacts", json={"data_source_uuid": source["uuid"], "first_name": "Loose", "external_id": "e1"})
    assert loose.status_code == 201, loose.text
    assert loose.json()["customer_uuid"] is None and loose.json()["position"] is None
    assert loose.json()["data_source_uuid"] == source["uuid"] and loose.json()["external_id"] == "e1"

    member = cm.post("/v1/contacts", json={"customer_uuid": customer["uuid"], "data_source_uuid": source["uuid"],
                                           "first_name": "Member"})
    assert member.status_code == 201 and member.json()["customer_uuid"] == customer["uuid"]

    bare_ids = cm.post("/v1/contacts", json={"customer_uuid": customer["uuid"].removeprefix("cus_"),
                                             "data_source_uuid": source["uuid"].removeprefix("ds_")})
    assert bare_ids.status_code == 201 and bare_ids.json()["customer_uuid"] == customer["uuid"]

    unknown_source = cm.post("/v1/contacts", json={"data_source_uuid": "ds_00000000-0000-0000-0000-000000000000"})
    assert unknown_source.status_code == 422 and unknown_source.json()["param"] == "data_source_uuid"
    unknown_customer = cm.post("/v1/contacts", json={"customer_uuid": "cus_00000000-0000-0000-0000-000000000000",
                                                     "data_source_uuid": source["uuid"]})
    assert unknown_customer.status_code == 404 and unknown_customer.json()["param"] == "customer"


# ---------------------------------------------------------------- custom attributes

def test_custom_keys_must_be_defined_and_values_typed(cm, customer, define):
    define("score", "integer")
    define("vip", "boolean")
    define("ratio", "decimal")
    define("seen", "datetime")
    got = _add(cm, customer, custom=[{"key": "score", "value": "42"}, {"key": "vip", "value": "t"},
                                     {"key": "ratio", "value": "1.5"}, {"key": "seen", "value": "2024-05-01T10:00:00Z"}])
    assert got["custom"] == {"score": 42, "vip": True, "ratio": 1.5, "seen": "2024-05-01T10:00:00Z"}

    undefined = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                        json={"data_source_uuid": customer["data_source_uuid"], "custom": {"nope": "x"}})
    assert undefined.status_code == 422 and undefined.json()["param"] == "custom.nope"
    assert "nope" in undefined.json()["message"]

    bad_value = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                        json={"data_source_uuid": customer["data_source_uuid"], "custom": [{"key": "score", "value": "lots"}]})
    assert bad_value.status_code == 422 and bad_value.json()["param"] == "custom.score"

    bad_key = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                      json={"data_source_uuid": customer["data_source_uuid"], "custom": {"bad-key": "x"}})
    assert bad_key.status_code == 422 and bad_key.json()["param"] == "custom.bad-key"
    assert len(cm.get("/v1/contacts").json()["entries"]) == 1


# ---------------------------------------------------------------- list

def test_list_shape_filters_and_cursor(cm, source, customer):
    other = _customer(cm, source, "customer_002")
    a = _add(cm, customer, email="a@example.com", external_id="ext-a")
    b = _add(cm, other, email="b@example.com")
    loose = cm.post("/v1/contacts", json={"data_source_uuid": source["uuid"], "email": "c@example.com"}).json()
    second_source = cm.post("/v1/data_sources", json={"name": "Second"}).json()
    elsewhere = cm.post("/v1/contacts", json={"data_source_uuid": second_source["uuid"]}).json()

    everything = cm.get("/v1/contacts").json()
    assert set(everything) == {"entries", "cursor", "has_more"} and everything["has_more"] is False
    assert _ids(everything) == [a["uuid"], b["uuid"], loose["uuid"], elsewhere["uuid"]]
    assert _ids(cm.get("/v1/contacts", params={"email": "A@Example.com"}).json()) == [a["uuid"]]
    assert _ids(cm.get("/v1/contacts", params={"customer_external_id": "customer_002"}).json()) == [b["uuid"]]
    assert _ids(cm.get("/v1/contacts", params={"customer_uuid": customer["uuid"]}).json()) == [a["uuid"]]
    assert _ids(cm.get("/v1/contacts", params={"external_id": "ext-a"}).json()) == [a["uuid"]]
    assert _ids(cm.get("/v1/contacts", params={"data_source_uuid": source["uuid"]}).json()) == [a["uuid"], b["uuid"], loose["uuid"]]
    assert _ids(cm.get("/v1/contacts", params={"data_source_uuid": second_source["uuid"]}).json()) == [elsewhere["uuid"]]
    none = cm.get("/v1/contacts", params={"email": "nobody@example.com"}).json()
    assert none == {"entries": [], "cursor": None, "has_more": False}

    page1 = cm.get("/v1/contacts", params={"per_page": 3}).json()
    assert page1["has_more"] is True and len(page1["entries"]) == 3
    page2 = cm.get("/v1/contacts", params={"per_page": 3, "cursor": page1["cursor"]}).json()
    assert page2["has_more"] is False and _ids(page2) == [elsewhere["uuid"]] and page2["cursor"]


@pytest.mark.parametrize("per_page", ["0", "201", "-1", "many"])
def test_per_page_outside_1_to_200_is_refused(cm, per_page):
    response = cm.get("/v1/contacts", params={"per_page": per_page})
    assert response.status_code == 422 and response.json()["param"] == "per_page"


def test_per_page_200_is_the_maximum_and_default(cm):
    assert cm.get("/v1/contacts", params={"per_page": 200}).status_code == 200


def test_customer_contacts(cm, source, customer):
    mine = [_add(cm, customer, first_name=f"C{i}")["uuid"] for i in range(3)]
    _add(cm, _customer(cm, source, "customer_002"), first_name="Other")
    page = cm.get(f"/v1/customers/{customer['uuid']}/contacts").json()
    assert _ids(page) == mine and page["has_more"] is False and "cursor" in page
    first = cm.get(f"/v1/customers/{customer['uuid']}/contacts", params={"per_page": 2}).json()
    rest = cm.get(f"/v1/customers/{customer['uuid']}/contacts", params={"per_page": 2, "cursor": first["cursor"]}).json()
    assert _ids(first) + _ids(rest) == mine and first["has_more"] and not rest["has_more"]
    assert cm.get("/v1/customers/cus_00000000-0000-0000-0000-000000000000/contacts").status_code == 404


# ---------------------------------------------------------------- retrieve, update, delete

def test_retrieve_accepts_prefixed_and_bare_ids(cm, customer):
    made = _add(cm, customer, first_name="Ada")
    assert cm.get(f"/v1/contacts/{made['uuid']}").json() == made
    assert cm.get(f"/v1/contacts/{made['uuid'].removeprefix('con_')}").json() == made
    assert cm.get(f"/v1/contacts/cus_{made['uuid'].removeprefix('con_')}").status_code == 404
    missing = cm.get("/v1/contacts/con_00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["code"] == 404 and missing.json()["param"] == "contact"
    assert cm.get("/v1/contacts/not-an-id").status_code == 404


def test_patch_absent_unchanged_null_clears(cm, customer, define):
    define("tier")
    made = _add(cm, customer, first_name="Ada", last_name="Lovelace", email="ada@example.com", phone="+442079460958",
                linked_in="https://linkedin.com/ada", twitter="https://twitter.com/ada", notes="n",
                custom={"tier": "gold"}, external_id="e-1")
    changed = cm.patch(f"/v1/contacts/{made['uuid']}", json={"title": "Countess"}).json()
    assert changed == {**made, "title": "Countess"}

    cleared = cm.patch(f"/v1/contacts/{made['uuid']}", json={
        "last_name": None, "email": None, "phone": None, "linked_in": None, "notes": None, "custom": None,
        "external_id": None,
    })
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {**made, "title": "Countess", "last_name": None, "email": None, "phone": None,
                              "linked_in": None, "notes": None, "custom": {}, "external_id": None}
    assert cm.get(f"/v1/contacts/{made['uuid']}").json() == cleared.json()


def test_patch_custom_merges_key_by_key(cm, native, customer, define):
    define("a")
    define("b")
    made = _add(cm, customer, custom={"a": "1"})
    got = cm.patch(f"/v1/contacts/{made['uuid']}", json={"custom": [{"key": "b", "value": "2"}]}).json()
    assert got["custom"] == {"a": "1", "b": "2"}
    got = cm.patch(f"/v1/contacts/{made['uuid']}", json={"custom": {"a": None}}).json()
    assert got["custom"] == {"b": "2"}
    bad = cm.patch(f"/v1/contacts/{made['uuid']}", json={"custom": {"c": "3"}})
    assert bad.status_code == 422 and bad.json()["param"] == "custom.c"
    # a key defined natively with a dash shows, and may be removed here, though not written
    define("fav-color")
    native_id = made["uuid"].removeprefix("con_")
    assert native.patch(f"/v1/contacts/{native_id}", json={"attributes": {"fav-color": "red"}}).status_code == 200
    assert cm.get(f"/v1/contacts/{made['uuid']}").json()["custom"] == {"b": "2", "fav-color": "red"}
    assert cm.patch(f"/v1/contacts/{made['uuid']}", json={"custom": {"fav-color": "blue"}}).status_code == 422
    assert cm.patch(f"/v1/contacts/{made['uuid']}", json={"custom": {"fav-color": None}}).json()["custom"] == {"b": "2"}


def test_custom_written_back_as_read_is_accepted_whatever_other_doors_wrote(cm, native, customer, define):
    """A client posts back what it read: keys other doors wrote (undefined ones, with a dash or
    letters beyond ASCII) made that a 422, though nothing changed; a changed one still is."""
    define("tier")
    made = _add(cm, customer, custom={"tier": "gold"})
    native_id = made["uuid"].removeprefix("con_")
    assert native.patch(f"/v1/contacts/{native_id}", json={"attributes": {
        "free-nested": {"a": [1, 2]}, "名前": "Ada"}}).status_code == 200
    read = cm.get(f"/v1/contacts/{made['uuid']}").json()
    assert read["custom"] == {"tier": "gold", "free-nested": {"a": [1, 2]}, "名前": "Ada"}
    for form in (read["custom"], [{"key": k, "value": v} for k, v in read["custom"].items()]):
        again = cm.patch(f"/v1/contacts/{made['uuid']}", json={"custom": form, "title": "CTO"})
        assert again.status_code == 200, again.text
        assert again.json()["custom"] == read["custom"] and again.json()["title"] == "CTO"
    changed = cm.patch(f"/v1/contacts/{made['uuid']}", json={"custom": {**read["custom"], "名前": "Grace"}})
    assert changed.status_code == 422 and cm.get(f"/v1/contacts/{made['uuid']}").json()["custom"]["名前"] == "Ada"


def test_moving_a_contact_there_and_back_leaves_no_gap(cm, customer):
    made = {name: _add(cm, customer, first_name=name) for name in "ABCD"}

    def positions():
        return {c["first_name"]: c["position"]
                for c in cm.get(f"/v1/customers/{customer['uuid']}/contacts").json()["entries"]}

    assert cm.patch(f"/v1/contacts/{made['D']['uuid']}", json={"position": 1}).json()["position"] == 1
    assert positions() == {"D": 1, "A": 2, "B": 3, "C": 4}
    assert cm.patch(f"/v1/contacts/{made['D']['uuid']}", json={"position": 4}).json()["position"] == 4
    assert positions() == {"A": 1, "B": 2, "C": 3, "D": 4}
    assert cm.patch(f"/v1/contacts/{made['A']['uuid']}", json={"position": 3}).json()["position"] == 3
    assert positions() == {"B": 1, "C": 2, "A": 3, "D": 4}


def test_patch_email_keeps_the_per_customer_rule_and_position_moves(cm, customer):
    a = _add(cm, customer, email="a@example.com")
    b = _add(cm, customer, email="b@example.com")
    clash = cm.patch(f"/v1/contacts/{b['uuid']}", json={"email": "a@example.com"})
    assert clash.status_code == 422 and clash.json()["param"] == "email"
    assert cm.patch(f"/v1/contacts/{a['uuid']}", json={"email": "A@example.com"}).status_code == 200  # its own

    moved = cm.patch(f"/v1/contacts/{b['uuid']}", json={"position": 1}).json()
    assert moved["position"] == 1
    assert cm.get(f"/v1/contacts/{a['uuid']}").json()["position"] == 2
    assert cm.patch(f"/v1/contacts/{b['uuid']}", json={"position": 0}).status_code == 422
    assert cm.patch(f"/v1/contacts/{b['uuid']}", json={"position": None}).json()["position"] == 1


def test_patch_email_keeps_emails_written_through_other_doors(cm, native, customer):
    made = _add(cm, customer, email="a@example.com")
    core_id = made["uuid"].removeprefix("con_")
    native.patch(f"/v1/contacts/{core_id}", json={"emails": ["a@example.com", "second@example.com"]})
    cm.patch(f"/v1/contacts/{made['uuid']}", json={"email": "new@example.com"})
    assert [e["address"] for e in native.get(f"/v1/contacts/{core_id}").json()["emails"]] == [
        "new@example.com", "second@example.com"]


def test_delete_answers_an_empty_object_and_the_contact_is_gone(cm, native, customer):
    made = _add(cm, customer, first_name="Ada")
    response = cm.delete(f"/v1/contacts/{made['uuid']}")
    assert response.status_code == 200 and response.json() == {}
    assert cm.get(f"/v1/contacts/{made['uuid']}").status_code == 404
    assert cm.delete(f"/v1/contacts/{made['uuid']}").status_code == 404
    assert native.get(f"/v1/contacts/{made['uuid'].removeprefix('con_')}").status_code == 404
    assert cm.get(f"/v1/customers/{customer['uuid']}/contacts").json()["entries"] == []


# ---------------------------------------------------------------- merge

def test_merge_keeps_into_and_from_is_gone_here(cm, native, source, customer, define):
    define("tier")
    into = _add(cm, customer, first_name="Ada", email="ada@example.com")
    other = _customer(cm, source, "customer_002")
    loser = _add(cm, other, first_name="Ada", last_name="Lovelace", phone="+442079460958", custom={"tier": "gold"})

    merged = cm.post(f"/v1/contacts/{into['uuid']}/merge/{loser['uuid']}")
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["uuid"] == into["uuid"] and body["customer_uuid"] == customer["uuid"]
    assert (body["last_name"], body["phone"], body["custom"]) == ("Lovelace", "+442079460958", {"tier": "gold"})

    assert cm.get(f"/v1/contacts/{loser['uuid']}").status_code == 404
    assert cm.patch(f"/v1/contacts/{loser['uuid']}", json={"first_name": "x"}).status_code == 404
    assert cm.delete(f"/v1/contacts/{loser['uuid']}").status_code == 404
    assert cm.post(f"/v1/contacts/{into['uuid']}/merge/{loser['uuid']}").status_code == 404
    assert _ids(cm.get("/v1/contacts").json()) == [into["uuid"]]
    # The merged customer's contact list now shows the survivor; the history keeps the loser.
    assert _ids(cm.get(f"/v1/customers/{other['uuid']}/contacts").json()) == [into["uuid"]]
    # each list filtered by a customer shows the survivor as that customer's contact
    for params, wanted in (({"customer_external_id": "customer_002"}, other), ({"customer_uuid": other["uuid"]}, other),
                           ({"customer_external_id": "customer_001"}, customer)):
        entries = cm.get("/v1/contacts", params=params).json()["entries"]
        assert [(e["uuid"], e["customer_uuid"], e["customer_external_id"]) for e in entries] == \
            [(into["uuid"], wanted["uuid"], wanted["external_id"])]
    events = native.get(f"/v1/contacts/{loser['uuid'].removeprefix('con_')}/events").json()["data"]
    assert [e["action"] for e in events] == ["created", "merged_into"]


def test_merge_errors(cm, customer):
    a = _add(cm, customer, first_name="A")
    self_merge = cm.post(f"/v1/contacts/{a['uuid']}/merge/{a['uuid']}")
    assert self_merge.status_code == 422 and self_merge.json()["code"] == 422
    assert cm.post(f"/v1/contacts/{a['uuid']}/merge/con_00000000-0000-0000-0000-000000000000").status_code == 404


# ---------------------------------------------------------------- one store

def test_contacts_written_here_are_core_contacts(cm, native, customer):
    made = _add(cm, customer, first_name="Ada", email="ada@example.com", external_id="e-9")
    core_id = made["uuid"].removeprefix("con_")
    core = native.get(f"/v1/contacts/{core_id}").json()
    assert core["id"] == core_id and core["emails"][0]["address"] == "ada@example.com"
    assert {"key": "external_id", "value": "e-9"} in [{"key": i["key"], "value": i["value"]} for i in core["identifiers"]]
    events = native.get(f"/v1/contacts/{core_id}/events").json()["data"]
    assert events[0]["door"] == "chartmogul"

    native.patch(f"/v1/contacts/{core_id}", json={"first_name": "Augusta"})
    assert cm.get(f"/v1/contacts/{made['uuid']}").json()["first_name"] == "Augusta"
    native_made = native.post("/v1/contacts", json={"first_name": "Native", "accounts": [
        {"id": customer["uuid"].removeprefix("cus_"), "position": 4}]}).json()
    seen = cm.get(f"/v1/contacts/con_{native_made['id']}").json()
    assert seen["customer_uuid"] == customer["uuid"] and seen["position"] == 4
    assert seen["data_source_uuid"] == customer["data_source_uuid"]


def test_linked_in_is_the_native_linkedin_profile_both_ways(cm, native, customer):
    made = _add(cm, customer, first_name="Ada", linked_in="https://linkedin.com/in/ada")
    core_id = made["uuid"].removeprefix("con_")
    assert native.get(f"/v1/contacts/{core_id}").json()["social"] == {"linkedin": "https://linkedin.com/in/ada"}
    native.patch(f"/v1/contacts/{core_id}", json={"social": {"linkedin": "https://linkedin.com/in/augusta"}})
    assert cm.get(f"/v1/contacts/{made['uuid']}").json()["linked_in"] == "https://linkedin.com/in/augusta"


def test_a_refused_patch_changes_nothing(cm, native, customer):
    made = _add(cm, customer, first_name="Ada", email="ada@example.com")
    other = _add(cm, customer, email="taken@example.com")
    for body in ({"first_name": "X", "custom": {"undefined": 1}}, {"first_name": "X", "email": "taken@example.com"},
                 {"first_name": "X", "position": -3}, {"first_name": 7}):
        response = cm.patch(f"/v1/contacts/{made['uuid']}", json=body)
        assert response.status_code == 422, (body, response.text)
    assert cm.get(f"/v1/contacts/{made['uuid']}").json() == made
    assert cm.get(f"/v1/contacts/{other['uuid']}").json() == other
    events = native.get(f"/v1/contacts/{made['uuid'].removeprefix('con_')}/events").json()["data"]
    assert [e["action"] for e in events] == ["created"]
