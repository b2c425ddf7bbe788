"""A read-only key through the NGP VAN door: reads work, a change (findOrCreate included, which
may create) is 403 in VAN's error format and writes nothing."""

from tests.dialects.ngpvan.wire import basic


def test_a_read_only_key_reads_and_is_refused_changes(client, workspace, read_only_key):
    writer, reader = {"Authorization": basic(workspace.api_key)}, {"Authorization": basic(read_only_key)}
    made = client.post("/ngpvan/v2/contacts", headers=writer, json={"type": "INDIVIDUAL", "firstName": "Ada",
                                                                             "lastName": "Lovelace"})
    assert made.status_code == 201, made.text
    contact_id = made.json()["contactId"]
    assert client.get(f"/ngpvan/v2/contacts/{contact_id}", headers=reader).status_code == 200

    unknown_key = client.get(f"/ngpvan/v2/contacts/{contact_id}", headers={"Authorization": basic("nope")})
    for refused in (
        client.post("/ngpvan/v2/contacts", headers=reader, json={"type": "INDIVIDUAL", "firstName": "Bob"}),
        client.post("/ngpvan/v2/contacts/findOrCreate", headers=reader, json={"type": "INDIVIDUAL", "firstName": "Eve"}),
        client.post(f"/ngpvan/v2/contacts/{contact_id}", headers=reader, json={"firstName": "Augusta"}),
    ):
        assert refused.status_code == 403, refused.text
        assert "may only read" in refused.text
        assert refused.json().keys() == unknown_key.json().keys()
    assert client.get(f"/ngpvan/v2/contacts/{contact_id}", headers=writer).json()["firstName"] == "Ada"
    assert client.get("/v1/contacts", headers={"Authorization": f"Bearer {workspace.api_key}"}).json()["data"][0][
        "first_name"] == "Ada"
