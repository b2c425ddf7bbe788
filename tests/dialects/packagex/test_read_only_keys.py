"""A read-only key through the PackageX door: reads work, a change is 403 in the PackageX
envelope and writes nothing."""


def test_a_read_only_key_reads_and_is_refused_changes(px, read_only_key):
    made = px.post("/packagex/v1/contacts", json={"name": "Ada", "email": "ada@example.com"})
    assert made.status_code == 200, made.text
    contact_id = made.json()["data"]["id"]
    reader = {"PX-API-KEY": read_only_key}
    assert px.get(f"/packagex/v1/contacts/{contact_id}", headers=reader).status_code == 200

    unknown_key = px.get("/packagex/v1/contacts", headers={"PX-API-KEY": "nope"})
    for refused in (
        px.post("/packagex/v1/contacts", headers=reader, json={"name": "Bob"}),
        px.post(f"/packagex/v1/contacts/{contact_id}", headers=reader, json={"name": "Eve"}),
        px.delete(f"/packagex/v1/contacts/{contact_id}", headers=reader),
    ):
        assert refused.status_code == 403, refused.text
        assert "may only read" in refused.text
        assert refused.json().keys() == unknown_key.json().keys()
    assert [c["name"] for c in px.get("/packagex/v1/contacts").json()["data"]] == ["Ada"]
