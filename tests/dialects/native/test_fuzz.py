"""No body, however odd, gets a 500; a refused one leaves the store as it was."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIELDS = ["kind", "first_name", "last_name", "birth_date", "emails", "phones", "addresses", "identifiers",
          "attributes", "social", "lists", "accounts", "notes", "extra", "unknown"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                           max_leaves=12)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6),
    json_values,
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies)
def test_random_bodies_never_cause_a_server_error(api, body):
    before = api.get("/v1/contacts", params={"limit": 200}).json()["data"]
    response = api.post("/v1/contacts", json=body, params={"on_duplicate": "create"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert "error" in response.json()
        assert api.get("/v1/contacts", params={"limit": 200}).json()["data"] == before
    else:
        contact_id = response.json()["id"]
        patch = api.patch(f"/v1/contacts/{contact_id}", json=body)
        assert patch.status_code < 500, patch.text
