"""/docs and /openapi.json document every endpoint, with realistic examples."""

import httpx

from tests.conftest import ServerThread

EXPECTED = {
    ("post", "/target-materials/"),
    ("get", "/target-materials/"),
    ("get", "/target-materials/{target_material_id}"),
    ("patch", "/target-materials/{target_material_id}"),
    ("delete", "/target-materials/{target_material_id}"),
    ("get", "/target-materials/{target_material_id}/layers"),
    ("post", "/target-materials/{target_material_id}/layers"),
    ("delete", "/target-materials/{target_material_id}/layers/{layer_id}"),
    ("post", "/target-materials/layers/"),
    ("patch", "/target-materials/layers/"),
    ("post", "/target-materials/parse"),
    ("post", "/physical_samples/"),
    ("get", "/physical_samples/"),
    ("get", "/physical_samples/{physical_sample_id}"),
    ("patch", "/physical_samples/{physical_sample_id}"),
    ("patch", "/physical_samples/{physical_sample_id}/target_material"),
    ("get", "/healthz"),
    ("get", "/target-materials/{target_material_id}/history"),
    ("get", "/target-materials/{target_material_id}/history/{revision}"),
    ("post", "/target-materials/{target_material_id}/revert"),
    ("get", "/trash/"),
    ("post", "/trash/{target_material_id}/restore"),
    ("delete", "/trash/{target_material_id}"),
}


def _has_example(spec: dict, schema: dict) -> bool:  # type: ignore[type-arg]
    if "examples" in schema or "example" in schema:
        return True
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _has_example(spec, spec["components"]["schemas"][name])
    return False


def test_openapi_lists_every_endpoint_with_examples(server: ServerThread) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    ops = {(method, path) for path, item in spec["paths"].items() for method in item}
    assert ops >= EXPECTED
    missing = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            assert op.get("summary") and op.get("responses"), (method, path)
            body = op.get("requestBody")
            if body and "application/json" not in body["content"]:  # a file upload
                assert all(m["schema"] for m in body["content"].values()), (method, path)
            elif body:
                media = body["content"]["application/json"]
                if not ("examples" in media or _has_example(spec, media["schema"])):
                    missing.append((method, path))
    assert missing == []
    text = str(spec)
    assert "BaTiO3 on Si" in text
    assert "10 nm BaTiO3 (001) / SrTiO3 on Si" in text
    docs = httpx.get(f"{server.url}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_every_creating_post_declares_its_idempotency_key(server: ServerThread) -> None:
    # The route reads Idempotency-Key itself (FastAPI does not solve it): the document must
    # still declare it, after the operation's own parameters.
    spec = httpx.get(f"{server.url}/openapi.json").json()
    declared = {
        (method, path): [(p["name"], p["in"]) for p in op.get("parameters", [])]
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }
    with_key = {k for k, params in declared.items() if ("Idempotency-Key", "header") in params}
    assert with_key == {
        ("post", "/target-materials/"),
        ("post", "/target-materials/layers/"),
        ("post", "/target-materials/{target_material_id}/layers"),
        ("post", "/physical_samples/"),
    }
    assert declared[("post", "/target-materials/layers/")] == [
        ("If-Match", "header"),
        ("Idempotency-Key", "header"),
    ]
    [header] = spec["paths"]["/target-materials/"]["post"]["parameters"]
    assert header["required"] is False and "printable ASCII" in header["description"]
    assert header["schema"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
