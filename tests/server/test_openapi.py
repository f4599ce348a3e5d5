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
}


def test_openapi_lists_every_endpoint_with_examples(server: ServerThread) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    ops = {(method, path) for path, item in spec["paths"].items() for method in item}
    assert ops >= EXPECTED
    text = str(spec)
    assert "BaTiO3 on Si" in text
    assert "10 nm BaTiO3 (001) / SrTiO3 on Si" in text
    for method, path in EXPECTED:
        op = spec["paths"][path][method]
        body = op.get("requestBody")
        if body:
            schema = body["content"]["application/json"]
            assert "example" in str(schema) or "examples" in str(spec["components"]), (method, path)
    docs = httpx.get(f"{server.url}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
