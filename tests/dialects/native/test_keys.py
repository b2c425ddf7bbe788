"""A workspace's API keys through the native API: listed, made (the key shown once), revoked."""

import uuid

from fastapi.testclient import TestClient

from contacthub.core.actor import Actor


def test_a_key_is_made_used_listed_and_revoked(api, app, workspace):
    made = api.post("/v1/keys", json={"name": "reports", "read_only": True})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["api_key"].startswith("chk_") and body["prefix"] == body["api_key"][:12]
    assert (body["name"], body["read_only"], body["revoked_at"]) == ("reports", True, None)

    reader = TestClient(app, headers={"Authorization": f"Bearer {body['api_key']}"})
    assert reader.get("/v1/contacts").status_code == 200
    assert reader.post("/v1/contacts", json={"first_name": "Ada"}).status_code == 403  # read-only
    assert reader.post("/v1/keys", json={"name": "escalate"}).status_code == 403

    listed = api.get("/v1/keys").json()["data"]
    assert [k["id"] for k in listed] == [str(workspace.key_id), body["id"]]
    assert all("api_key" not in k and "key_hash" not in k for k in listed)

    revoked = api.delete(f"/v1/keys/{body['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert reader.get("/v1/contacts").status_code == 401  # at once, in this process


def test_the_last_key_that_can_write_stays(api, workspace, app):
    response = api.delete(f"/v1/keys/{workspace.key_id}")
    assert response.status_code == 409 and response.json()["error"]["details"][0]["field"] == "key_id"
    spare = api.post("/v1/keys", json={"name": "spare"}).json()
    assert api.delete(f"/v1/keys/{workspace.key_id}").status_code == 200  # its own key, now that another writes
    assert api.get("/v1/contacts").status_code == 401
    other = TestClient(app, headers={"Authorization": f"Bearer {spare['api_key']}"})
    assert other.delete(f"/v1/keys/{spare['id']}").status_code == 409


def test_keys_of_another_workspace_and_bad_input(api, db):
    from contacthub.core import workspaces

    with db.write() as session:
        elsewhere = workspaces.create_workspace(session, f"other-{uuid.uuid4().hex[:8]}")
    assert api.delete(f"/v1/keys/{elsewhere.key_id}").status_code == 404
    assert str(elsewhere.key_id) not in {k["id"] for k in api.get("/v1/keys").json()["data"]}
    assert api.delete("/v1/keys/nope").status_code == 404
    assert api.post("/v1/keys", json={"name": "x" * 201}).status_code == 422
    assert api.post("/v1/keys", json={"role": "admin"}).status_code == 422


def test_a_repeat_with_the_same_idempotency_key_does_not_show_the_key_again(api):
    first = api.post("/v1/keys", json={"name": "ci"}, headers={"Idempotency-Key": "k-1"})
    repeat = api.post("/v1/keys", json={"name": "ci"}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == repeat.status_code == 201
    assert first.json()["api_key"].startswith("chk_")
    assert repeat.json() == first.json() | {"api_key": None}  # only the key's hash is kept
    assert len(api.get("/v1/keys").json()["data"]) == 2


def test_a_key_tells_its_workspace_and_itself(api, app, workspace):
    me = api.get("/v1/workspace")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["id"] == str(workspace.workspace_id) and body["name"].startswith("test-")
    assert body["key"]["id"] == str(workspace.key_id) and body["key"]["read_only"] is False
    assert "api_key" not in body["key"]
    # the id is Bird's workspaceId
    bird = TestClient(app, headers={"Authorization": f"AccessKey {workspace.api_key}"})
    assert bird.get(f"/bird/workspaces/{body['id']}/contacts").status_code == 200
    assert TestClient(app).get("/v1/workspace").status_code == 401


def test_a_key_checked_while_its_revoke_commits_is_not_kept(api, app, db, workspace):
    """A request checking a key between the revoke's write and its commit reads the key still
    valid; it must not keep it valid for the cache's five seconds after the revoke answered."""
    from contacthub.core import workspaces

    made = api.post("/v1/keys", json={"name": "leaving"}).json()
    user = TestClient(app, headers={"Authorization": f"Bearer {made['api_key']}"})
    with db.write() as session:
        actor = Actor(workspace.workspace_id, workspace.key_id, "native")
        workspaces.revoke_workspace_key(session, actor, uuid.UUID(made["id"]))
        assert user.get("/v1/contacts").status_code == 200  # the revoke is not committed yet
    assert user.get("/v1/contacts").status_code == 401


def test_a_key_loaded_before_its_revoke_is_not_cached():
    from contacthub.core.workspaces import KeyCache, KeyGrant, _hash

    cache = KeyCache()
    grant = KeyGrant(uuid.uuid4(), uuid.uuid4(), False)

    def load_while_revoked():  # the key read valid, then revoked before the lookup stores it
        cache.forget(_hash("chk_x"))
        return grant

    assert cache.lookup("chk_x", load_while_revoked) is grant
    assert cache.peek("chk_x") is None
    assert cache.lookup("chk_x", lambda: grant) is grant and cache.peek("chk_x") is grant
