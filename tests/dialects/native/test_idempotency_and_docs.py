def test_a_repeated_idempotency_key_answers_the_first_response_and_writes_once(api):
    headers = {"Idempotency-Key": "create-ada-1"}
    first = api.post("/v1/contacts", json={"first_name": "Ada"}, headers=headers)
    again = api.post("/v1/contacts", json={"first_name": "Ada"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api.get("/v1/contacts").json()["data"]) == 1


def test_an_idempotency_key_reused_for_another_body_is_409(api):
    headers = {"Idempotency-Key": "k-2"}
    api.post("/v1/contacts", json={"first_name": "Ada"}, headers=headers)
    response = api.post("/v1/contacts", json={"first_name": "Bob"}, headers=headers)
    assert response.status_code == 409
    assert len(api.get("/v1/contacts").json()["data"]) == 1


def test_a_failed_request_does_not_burn_its_key(api):
    headers = {"Idempotency-Key": "k-3"}
    assert api.post("/v1/contacts", json={"emails": ["bad"]}, headers=headers).status_code == 422
    assert api.post("/v1/contacts", json={"emails": ["good@example.com"]}, headers=headers).status_code == 201


def test_openapi_document_and_docs_page(client):
    spec = client.get("/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/contacts" in spec["paths"] and "/contacts/{contact_id}" in spec["paths"]
    assert client.get("/v1/docs").status_code == 200
