"""The OpenAPI document declares every status an operation can answer; every path id is strict."""

import re

import httpx
import pytest

from tests.conftest import Keys, ServerThread

GOOD = {"sample": {"sample_name": "ok", "substrate": "Si"}, "layers": [{"layer_id": 1}]}


@pytest.fixture
def spec(server: ServerThread) -> dict:  # type: ignore[type-arg]
    document: dict = httpx.get(f"{server.url}/openapi.json").json()  # type: ignore[type-arg]
    return document


def _operations(spec: dict):  # type: ignore[no-untyped-def,type-arg]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_declares_its_error_statuses(spec: dict) -> None:  # type: ignore[type-arg]
    for path, method, op in _operations(spec):
        declared = set(op["responses"])
        assert {"422", "500", "503"} <= declared, (method, path)
        if op.get("security"):
            assert {"401", "403", "429"} <= declared, (method, path)
        if any(p["in"] == "path" for p in op.get("parameters", [])):
            assert "404" in declared, (method, path)
        if "requestBody" in op:
            assert {"408", "413", "415"} <= declared, (method, path)
        for status in ("429", "503"):
            if status in declared:
                assert "Retry-After" in op["responses"][status]["headers"], (method, path)
        internal = op["responses"]["500"]["content"]["application/json"]["schema"]["$ref"]
        assert internal.endswith("/InternalError")
    assert "409" in spec["paths"]["/target-materials/layers/"]["post"]["responses"]
    assert spec["paths"]["/target-materials/layers/"]["post"]["responses"]["409"]["description"]


def test_every_integer_path_id_is_strict(
    spec: dict,
    server: ServerThread,
    keys: Keys,  # type: ignore[type-arg]
) -> None:
    """Found from the document, so an endpoint added later is held to the same rule."""
    admin = httpx.Client(base_url=server.url, headers={"X-API-KEY": keys.admin}, timeout=30)
    mid = admin.post("/target-materials/", json=GOOD).json()["sample_id"]
    checked = 0
    for path, method, op in _operations(spec):
        ints = [
            p["name"]
            for p in op.get("parameters", [])
            if p["in"] == "path" and p["schema"].get("type") == "integer"
        ]
        for name in ints:
            for bad in ("1_0", "+1", "00001", "1.0", "%EF%BC%91"):
                url = path
                for other in ints:
                    url = url.replace("{" + other + "}", bad if other == name else str(mid))
                response = admin.request(
                    method.upper(), url, json={} if "requestBody" in op else None
                )
                assert response.status_code in (404, 422), (method, url, response.text)
                checked += 1
    assert checked >= 40
    assert admin.get(f"/target-materials/{mid}").status_code == 200  # nothing acted on it
    admin.close()


def test_405_lists_every_declared_method(server: ServerThread, spec: dict) -> None:  # type: ignore[type-arg]
    response = httpx.request("PUT", f"{server.url}/target-materials/")
    assert response.status_code == 405
    assert set(re.split(r",\s*", response.headers["Allow"])) == {"GET", "POST"}
    parse = httpx.patch(f"{server.url}/target-materials/parse", json={})
    assert parse.status_code == 405 and parse.headers["Allow"] == "POST"
