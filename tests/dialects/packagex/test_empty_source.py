"""An empty csv_url is a bad URL, answered in the PackageX envelope (it once fell through to an
upload that was never sent: a 500)."""

import pytest


@pytest.mark.parametrize("csv_url", ["", "   "])
def test_an_empty_csv_url_is_refused(px, csv_url):
    response = px.post("/packagex/v1/contacts", json={"csv_url": csv_url})
    assert response.status_code == 400
    assert response.json()["errors"] == ["csv_url: only http and https URLs can be imported"]
    assert px.get("/packagex/v1/contacts").json()["data"] == []
