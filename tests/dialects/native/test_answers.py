"""Every answer the native OpenAPI document describes with a model is checked against that model
here, every key named (the models forbid others): a document that showed {} could not be wrong."""

import uuid

from contacthub.dialects.native import schemas


def shaped(response, model, status: int = 200):
    assert response.status_code == status, response.text
    return model.model_validate(response.json())


def test_the_answers_have_the_shapes_the_openapi_document_shows(api, client, db, settings):
    doc = client.get("/v1/openapi.json").json()["paths"]
    assert doc["/changes"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ChangesOut"}

    ada = api.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@example.com"]}).json()
    merged = shaped(api.post("/v1/contacts", params={"on_duplicate": "merge"},
                             json={"first_name": "Ada", "emails": ["ada@example.com"], "title": "Countess"}),
                    schemas.MergedOut)
    shaped(api.post(f"/v1/contacts/{ada['id']}/unmerge", json={"from": str(merged.merged_from)}), schemas.UnmergeOut)
    found = shaped(api.post("/v1/contacts/match", json={"first_name": "Ada", "emails": ["ada@example.com"]}),
                   schemas.MatchesOut)
    assert found.data and found.data[0].decision == "merge"
    shaped(api.post("/v1/contacts/batch/upsert", json={"identifier_key": "crm", "contacts": [
        {"first_name": "Grace", "identifiers": [{"key": "crm", "value": "c-1"}]}]}), schemas.UpsertOut)
    shaped(api.get(f"/v1/contacts/{ada['id']}/events"), schemas.EventPageOut)
    shaped(api.get("/v1/events"), schemas.EventPageOut)
    shaped(api.get("/v1/changes", params={"since": 0}), schemas.ChangesOut)

    shaped(api.post("/v1/attribute-definitions", json={"key": "tier", "type": "string"}), schemas.DefinitionOut, 201)
    shaped(api.get("/v1/attribute-definitions"), schemas.DefinitionListOut)
    shaped(api.get("/v1/attribute-definitions/tier"), schemas.DefinitionOut)
    shaped(api.patch("/v1/attribute-definitions/tier", json={"pii": True}), schemas.DefinitionOut)

    vip = shaped(api.post("/v1/lists", json={"name": "VIP"}), schemas.ListOut, 201)
    shaped(api.get("/v1/lists"), schemas.ListPageOut)
    shaped(api.get(f"/v1/lists/{vip.id}"), schemas.ListOut)
    shaped(api.patch(f"/v1/lists/{vip.id}", json={"description": "the few"}), schemas.ListOut)
    shaped(api.post(f"/v1/lists/{vip.id}/contacts", json={"contact_ids": [ada["id"]]}), schemas.ProcessedOut)

    team = api.post("/v1/contacts", json={"kind": "group", "display_name": "Team"}).json()
    shaped(api.put(f"/v1/groups/{team['id']}/members", json={"children": [ada["id"]]}), schemas.GroupMembersOut)
    shaped(api.get(f"/v1/groups/{team['id']}/members"), schemas.GroupMembersOut)
    acme = api.post("/v1/contacts", json={"kind": "organization", "organization_name": "Acme"}).json()
    shaped(api.put(f"/v1/organizations/{acme['id']}/members", json={"members": [ada["id"]]}),
           schemas.OrganizationMembersOut)
    shaped(api.get(f"/v1/organizations/{acme['id']}/members"), schemas.OrganizationMembersOut)

    source = shaped(api.post("/v1/data-sources", json={"name": "Billing"}), schemas.DataSourceOut, 201)
    shaped(api.get("/v1/data-sources"), schemas.DataSourceListOut)
    shaped(api.get(f"/v1/data-sources/{source.id}"), schemas.DataSourceOut)
    account = shaped(api.post("/v1/accounts", json={"data_source_id": str(source.id), "external_id": "a-1"}),
                     schemas.AccountOut, 201)
    shaped(api.get("/v1/accounts"), schemas.AccountPageOut)
    shaped(api.get(f"/v1/accounts/{account.id}"), schemas.AccountOut)
    shaped(api.patch(f"/v1/accounts/{account.id}", json={"name": "Acme"}), schemas.AccountOut)

    key = shaped(api.post("/v1/keys", json={"name": "ci"}), schemas.KeyOut, 201)
    assert key.api_key
    shaped(api.get("/v1/keys"), schemas.KeyListOut)
    shaped(api.get("/v1/workspace"), schemas.WorkspaceOut)
    shaped(api.delete(f"/v1/keys/{key.id}"), schemas.KeyOut)

    hook = shaped(api.post("/v1/webhooks", json={"url": "https://93.184.216.34/hooks"}), schemas.WebhookOut, 201)
    assert hook.secret
    shaped(api.get("/v1/webhooks"), schemas.WebhookPageOut)
    shaped(api.get(f"/v1/webhooks/{hook.id}"), schemas.WebhookOut)
    shaped(api.patch(f"/v1/webhooks/{hook.id}", json={"active": False}), schemas.WebhookOut)
    shaped(api.post(f"/v1/webhooks/{hook.id}/rotate-secret"), schemas.WebhookOut)

    twin = api.post("/v1/contacts", params={"on_duplicate": "review"},
                    json={"first_name": "Ada", "phones": ["+442079460958"], "emails": ["ada@example.com"]}).json()
    page = shaped(api.get("/v1/duplicates"), schemas.ReviewPageOut)
    shaped(api.post(f"/v1/duplicates/{page.data[0].id}/reject"), schemas.ReviewDecisionOut)
    erased = shaped(api.post(f"/v1/contacts/{twin['id']}/erase"), schemas.ErasedOut)
    assert erased.erased == uuid.UUID(twin["id"])

    from tests.dialects.native.test_imports import run_jobs
    from tests.importfiles import SEED_CSV, data_url

    job = shaped(api.post("/v1/imports", json={"data_url": data_url(SEED_CSV)}), schemas.ImportJobOut, 202)
    run_jobs(db, settings)
    shaped(api.get("/v1/imports"), schemas.ImportJobPageOut)
    done = shaped(api.get(f"/v1/imports/{job.id}"), schemas.ImportJobWithRowsOut)
    assert done.status == "succeeded" and done.rows.data
