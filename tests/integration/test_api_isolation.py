"""Tenant isolation: tenant B can neither see nor touch tenant A's documents, jobs, results or keys.

Another tenant's thing answers exactly like a missing one (404), on every route that takes an id;
the matrix is checked against the app's routes so a new route cannot skip it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import docgen
from tests.integration.test_api import Api, assert_problem, bearer, running_api

ID_PARAMS = ("{document_id}", "{job_id}", "{key_id}")


@pytest.fixture(scope="module")
def tenants(tmp_path_factory) -> Iterator[tuple[Api, dict[str, str], dict[str, Any]]]:
    """The API with tenant A's finished document, and an admin key of tenant B."""
    from ocrops.services import keys

    png = tmp_path_factory.mktemp("docs") / "a.png"
    docgen.png_image(png, "Tenant A secret 1234")
    with running_api(tmp_path_factory.mktemp("iso"), run_worker=True) as api:
        _, b_admin = keys.create_key(api.ctx, "tenant-b", "b admin", "admin")
        submitted = api.client.post(
            "/api/v1/documents",
            headers={**api.member, "Idempotency-Key": "same-key"},
            files={"file": ("a.png", png.read_bytes())},
            data={"engine": "tesseract"},
        ).json()
        job = api.wait(submitted["job"]["id"])
        assert job["state"] == "succeeded"
        a_key = keys.list_keys(api.ctx, "default")[0]
        things = {
            "document_id": submitted["document"]["id"],
            "job_id": job["id"],
            "key_id": a_key.id,
            "png": png.read_bytes(),
        }
        yield api, bearer(b_admin), things


def matrix(things: dict[str, Any]) -> list[tuple[str, str]]:
    doc, job, key = things["document_id"], things["job_id"], things["key_id"]
    return [
        ("GET", f"/api/v1/documents/{doc}"),
        ("GET", f"/api/v1/documents/{doc}/result"),
        ("GET", f"/api/v1/documents/{doc}/result?format=json"),
        ("GET", f"/api/v1/documents/{doc}/result?format=txt"),
        ("GET", f"/api/v1/documents/{doc}/pages/1/image"),
        ("DELETE", f"/api/v1/documents/{doc}"),
        ("GET", f"/api/v1/jobs/{job}"),
        ("POST", f"/api/v1/jobs/{job}/cancel"),
        ("POST", f"/api/v1/jobs/{job}/retry"),
        ("DELETE", f"/api/v1/keys/{key}"),
    ]


def test_matrix_covers_every_route_with_an_id(tenants):
    api, _, things = tenants
    covered = {(method, _template(path, things)) for method, path in matrix(things)}
    routes = {
        (method.upper(), path)
        for path, operations in api.client.app.openapi()["paths"].items()
        for method in operations
        if any(param in path for param in ID_PARAMS)
    }
    assert routes == covered, f"routes missing from the isolation matrix: {sorted(routes - covered)}"


def test_other_tenant_gets_404_everywhere(tenants):
    api, b_admin, things = tenants
    for method, path in matrix(things):
        response = api.client.request(method, path, headers=b_admin)
        body = assert_problem(response, 404)
        assert "Tenant A" not in response.text, (method, path)
        assert body["instance"] == path.split("?")[0]


def test_other_tenant_lists_are_empty(tenants):
    api, b_admin, things = tenants
    assert api.client.get("/api/v1/documents", headers=b_admin).json()["items"] == []
    assert api.client.get("/api/v1/jobs", headers=b_admin).json()["items"] == []
    assert (
        api.client.get(f"/api/v1/jobs?document_id={things['document_id']}", headers=b_admin).json()["items"]
        == []
    )
    b_keys = api.client.get("/api/v1/keys", headers=b_admin).json()
    assert {key["tenant_id"] for key in b_keys} == {"tenant-b"}


def test_same_idempotency_key_in_another_tenant_is_its_own(tenants):
    api, b_admin, things = tenants
    mine = api.client.post(
        "/api/v1/documents",
        headers={**b_admin, "Idempotency-Key": "same-key"},
        files={"file": ("a.png", things["png"])},
        data={"engine": "tesseract"},
    )
    assert mine.status_code == 202 and mine.json()["created"] is True
    assert mine.json()["document"]["id"] != things["document_id"]
    b_job = api.wait(mine.json()["job"]["id"], headers=b_admin)
    assert b_job["state"] == "succeeded" and b_job["dedup_of"] is None  # no reuse across tenants


def test_tenant_a_is_untouched(tenants):
    api, b_admin, things = tenants
    for method, path in matrix(things):  # B's attempts, again, before A looks
        api.client.request(method, path, headers=b_admin)
    document = api.client.get(f"/api/v1/documents/{things['document_id']}", headers=api.reader)
    assert document.status_code == 200 and document.json()["state"] == "succeeded"
    result = api.client.get(
        f"/api/v1/documents/{things['document_id']}/result?format=txt", headers=api.reader
    )
    assert "1234" in result.text
    assert api.client.get("/api/v1/jobs", headers=api.admin).status_code == 200  # A's key not revoked


def _template(path: str, things: dict[str, Any]) -> str:
    path = path.split("?")[0]
    for name in ("document_id", "job_id", "key_id"):
        path = path.replace(str(things[name]), "{" + name + "}")
    return path.replace("/pages/1/", "/pages/{page}/")
