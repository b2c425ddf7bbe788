"""A read-only key through the Bird door: reads and the contact search work, a change is 403 in
Bird's error format and writes nothing."""


def test_a_read_only_key_reads_and_searches_and_is_refused_changes(bird, read_only_key):
    made = bird.post(f"{bird.ws}/contacts", json={"displayName": "Ada", "identifiers": [
        {"key": "emailaddress", "value": "ada@example.com"}]})
    assert made.status_code == 201, made.text
    reader = {"Authorization": f"AccessKey {read_only_key}"}
    assert bird.get(f"{bird.ws}/contacts/{made.json()['id']}", headers=reader).status_code == 200
    searched = bird.post(f"{bird.ws}/contacts/search", headers=reader,
                         json={"identifier": {"key": "emailaddress", "value": "ada@example.com"}})
    assert searched.status_code == 200, searched.text

    unknown_key = bird.get(f"{bird.ws}/contacts", headers={"Authorization": "AccessKey nope"})
    for refused in (
        bird.post(f"{bird.ws}/contacts", headers=reader, json={"displayName": "Bob"}),
        bird.patch(f"{bird.ws}/contacts/{made.json()['id']}", headers=reader, json={"displayName": "Eve"}),
        bird.delete(f"{bird.ws}/contacts/{made.json()['id']}", headers=reader),
    ):
        assert refused.status_code == 403, refused.text
        assert "may only read" in refused.text
        assert refused.json().keys() == unknown_key.json().keys()
    names = [c["computedDisplayName"] for c in bird.get(f"{bird.ws}/contacts").json()["results"]]
    assert names == ["Ada"]
