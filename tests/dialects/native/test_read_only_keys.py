"""A read-only key through the native door: reads (and the match, which writes nothing) work;
every change is 403 in the native error format and writes nothing."""


def test_a_read_only_key_reads_and_is_refused_every_change(api, client, read_only_key):
    ada = api.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@example.com"]}).json()
    reader = {"Authorization": f"Bearer {read_only_key}"}
    assert client.get(f"/v1/contacts/{ada['id']}", headers=reader).json()["first_name"] == "Ada"
    assert client.get("/v1/export", headers=reader).status_code == 200
    matched = client.post("/v1/contacts/match", headers=reader, json={"emails": ["ada@example.com"]})
    assert matched.status_code == 200 and matched.json()["data"][0]["contact"]["id"] == ada["id"]

    unknown_key = client.get("/v1/contacts", headers={"Authorization": "Bearer nope"})
    for refused in (
        client.post("/v1/contacts", headers=reader, json={"first_name": "Bob"}),
        client.patch(f"/v1/contacts/{ada['id']}", headers=reader, json={"notes": "x"}),
        client.delete(f"/v1/contacts/{ada['id']}", headers=reader),
        client.post("/v1/lists", headers=reader, json={"name": "VIP"}),
        client.post("/v1/imports", headers=reader, files={"file": ("a.csv", b"Name\nBob\n", "text/csv")}),
    ):
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["message"].startswith("this API key may only read")
        assert refused.json().keys() == unknown_key.json().keys()  # the door's own envelope
    after = api.get("/v1/contacts").json()["data"]
    assert [(c["id"], c["notes"]) for c in after] == [(ada["id"], None)]
    assert api.get("/v1/lists").json()["data"] == [] and api.get("/v1/imports").json()["data"] == []
