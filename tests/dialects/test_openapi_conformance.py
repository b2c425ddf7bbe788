"""Every operation of every door's OpenAPI document, driven by schemathesis from the document
itself: no answer is a server error, and every answer matches the status codes, content types
and bodies the document declares (errors included)."""

import base64
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# door mount -> (the smallest number of operations its document has, the door's own auth)
DOORS = {
    "/v1": (25, lambda key: {"Authorization": f"Bearer {key}"}),
    "/bird": (20, lambda key: {"Authorization": f"AccessKey {key}"}),
    "/chartmogul": (15, lambda key: {"Authorization": _basic(key, "")}),
    "/packagex": (5, lambda key: {"PX-API-KEY": key}),
    "/ngpvan": (5, lambda key: {"Authorization": _basic("apiuser", f"{key}|1")}),
}


@pytest.mark.parametrize("door", DOORS)
def test_every_operation_answers_as_documented(app, workspace, door):
    least, auth = DOORS[door]
    schema = schemathesis.openapi.from_asgi(f"{door}/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= least  # the whole document, not a corner of it

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            case.headers = {**(case.headers or {}), **auth(workspace.api_key)}
            if "workspaceId" in (case.path_parameters or {}):  # Bird's paths name the workspace
                case.path_parameters["workspaceId"] = str(workspace.workspace_id)
            case.call_and_validate(checks=CHECKS)

        answers_as_documented()


def _body_schema(document: dict, path: str, method: str) -> dict:
    ref = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


# (door, path, method, the fields of which the body must name one): a route that reads its
# body itself, to refuse in the vendor's words, still says in its document what it requires
REQUIRED = [
    ("/chartmogul", "/v1/data_sources", "post", ["name"]),
    ("/chartmogul", "/v1/customers", "post", ["data_source_uuid"]),
    ("/chartmogul", "/v1/contacts", "post", ["data_source_uuid"]),
    ("/packagex", "/v1/contacts", "post", ["name", "csv_url"]),
    ("/ngpvan", "/v2/contacts", "post", ["type"]),
    ("/ngpvan", "/v2/contacts/findOrCreate", "post", ["type"]),
]


@pytest.mark.parametrize("door,path,method,fields", REQUIRED)
def test_what_a_door_requires_its_document_requires(client, workspace, door, path, method, fields):
    schema = _body_schema(client.get(f"{door}/openapi.json").json(), path, method)
    named = [set(schema.get("required", []))] + [set(alt["required"]) for alt in schema.get("anyOf", [])]
    assert any(set(fields) & required for required in named), schema.get("required")
    refused = client.request(method, door + path, json={}, headers=DOORS[door][1](workspace.api_key))
    assert refused.status_code in (400, 422), refused.text


def test_bird_documents_its_page_size_bounds(client, workspace):
    document = client.get("/bird/openapi.json").json()
    limit = next(p for p in document["paths"]["/workspaces/{workspaceId}/contacts"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    too_big = client.get(f"/bird/workspaces/{workspace.workspace_id}/contacts", params={"limit": 101},
                         headers=DOORS["/bird"][1](workspace.api_key))
    assert too_big.status_code == 422


# door -> the security schemes its document offers (any one will do) and the header they use
SECURITY = {
    "/v1": {"BearerKey"},
    "/bird": {"AccessKey", "Bearer"},
    "/chartmogul": {"BasicKey"},
    "/packagex": {"PxApiKey", "XApiKey"},
    "/ngpvan": {"Basic", "ApiKeyHeader"},
}
AUTH_HEADERS = {"authorization", "apikey", "px-api-key", "x-api-key"}


@pytest.mark.parametrize("door", SECURITY)
def test_each_door_declares_how_to_authenticate(client, door):
    """As security schemes (the docs page's Authorize button, generated clients), not as header
    parameters every operation repeats."""
    document = client.get(f"{door}/openapi.json").json()
    assert set(document["components"]["securitySchemes"]) == SECURITY[door]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            offered = operation.get("security", document.get("security", []))
            assert {name for requirement in offered for name in requirement} == SECURITY[door], (method, path)
            headers = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
            assert not headers & AUTH_HEADERS, (method, path)


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("page", ["docs", "redoc"])
def test_docs_pages_load_everything_from_the_service_itself(client, door, page):
    """A self-hosted service may have no internet: the pages name no other host, and every
    script, style and document they load is served here, under the door's own path."""
    html = client.get(f"{door}/{page}")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    loaded = re.findall(r"""(?:src|href|url|spec-url)\s*[:=]\s*['"]([^'"]+)['"]""", html.text)
    assert not [u for u in loaded if "//" in u], "a page loads something from another host"
    assert f"{door}/openapi.json" in loaded
    for url in loaded:
        assert url.startswith(f"{door}/"), url
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("door", DOORS)
def test_no_door_documents_the_frameworks_own_422_shape(client, door):
    """No door sends FastAPI's `{"detail": [...]}`: PackageX and NGP VAN documented it as a 422
    on every operation taking parameters, though they answer invalid input with a 400 in the
    vendor's envelope, and a generated client would model an error that never comes."""
    document = client.get(f"{door}/openapi.json").json()
    assert "HTTPValidationError" not in str(document)
    if door in ("/packagex", "/ngpvan"):
        assert all("422" not in op.get("responses", {}) for ops in document["paths"].values() for op in ops.values())


@pytest.mark.parametrize("door", DOORS)
def test_documents_serve_generated_clients(client, door):
    """What client generators read (found by generating clients): an operation's id is its
    function's name (FastAPI's own made `upsert_contact_workspaces__workspaceId__contacts_...`
    method names), every operation names its auth (else a generated client types it optional),
    and every door documents the errors every door answers (403 for a read-only key's write,
    415 for a compressed body, 503 and 507)."""
    document = client.get(f"{door}/openapi.json").json()
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    ids = [op["operationId"] for op in operations]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[a-z][a-z_]*", i) for i in ids), ids
    assert all(op.get("security") for op in operations)
    for op in operations:
        assert {"403", "415", "503", "507"} <= set(op["responses"]), op["operationId"]


def test_the_native_document_says_emails_and_phones_may_be_plain_strings(client):
    """The README and the validators take `"emails": ["ada@example.com"]`; the document allowed
    only objects, so a generated client could not send the short form."""
    document = client.get("/v1/openapi.json").json()
    body = document["components"]["schemas"]["ContactBody"]["properties"]
    for field in ("emails", "phones"):
        array = next(b for b in body[field]["anyOf"] if b.get("type") == "array")
        assert {"type": "string", "minLength": 1} in array["items"]["anyOf"], array
