"""One wire shape: every list row, GET one, history snapshot, trash row and embedded material
matches the model /openapi.json documents for it, key for key."""

from typing import Any

import httpx

from tests.conftest import ServerThread

Schema = dict[str, Any]

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "array": (list,),
    "object": (dict,),
}


def check(spec: Schema, schema: Schema, value: Any, where: str = "$") -> list[str]:
    """Problems of `value` against an OpenAPI schema: types, required and undocumented keys."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return check(spec, spec["components"]["schemas"][name], value, where)
    if "anyOf" in schema:
        options = [check(spec, option, value, where) for option in schema["anyOf"]]
        return [] if any(not o for o in options) else min(options, key=len)
    problems = []
    kind = schema.get("type")
    if kind is not None:
        if isinstance(value, bool) and kind in ("integer", "number"):
            return [f"{where}: a boolean where {kind} is documented"]
        if not isinstance(value, _TYPES[kind]):
            return [f"{where}: {type(value).__name__} where {kind} is documented"]
    if kind == "array":
        for i, item in enumerate(value):
            problems += check(spec, schema.get("items", {}), item, f"{where}[{i}]")
    if kind == "object" and "properties" in schema:
        properties = schema["properties"]
        problems += [f"{where}.{k}: missing" for k in schema.get("required", ()) if k not in value]
        for k, v in value.items():
            if k not in properties:
                problems.append(f"{where}.{k}: not documented")
            else:
                problems += check(spec, properties[k], v, f"{where}.{k}")
    return problems


def response_schema(spec: Schema, path: str, method: str = "get") -> Schema:
    content = spec["paths"][path][method]["responses"]["200"]["content"]
    schema: Schema = content["application/json"]["schema"]
    return schema


def test_every_shape_matches_its_openapi_model(server: ServerThread, api: httpx.Client) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    full = {
        "sample": {
            "sample_name": "BTO/SRO",
            "substrate": "SrTiO3",
            "sample_metadata": {"T_C": 700, "nested": {"a": [1, 2.5, None, True]}},
            "detail_note_content": "note",
        },
        "layers": [
            {
                "layer_id": 1,
                "composition_string": "SrRuO3",
                "orientation": "(001)",
                "space_group": 221,
                "mp_id": "mp-4346",
                "thickness_nm": 20,
            },
            {"layer_id": 2, "composition_string": "BaTiO3", "orientation": "11-20"},
        ],
    }
    bare = {"sample": {"sample_name": "bare", "substrate": "Si"}}
    created = [api.post("/target-materials/", json=body) for body in (full, bare, full)]
    ids = [r.json()["sample_id"] for r in created]
    api.patch(f"/target-materials/{ids[0]}", json={"sample_name": "renamed"})
    api.post("/physical_samples/", json={"name": "run", "sample_id": ids[0]})
    api.delete(f"/target-materials/{ids[2]}")

    shown: list[tuple[str, Any, Schema]] = []
    create_schema = response_schema(spec, "/target-materials/", "post")
    shown += [("create", r.json(), create_schema) for r in created]
    rows_schema = response_schema(spec, "/target-materials/")
    shown.append(("list", api.get("/target-materials/").json(), rows_schema))
    shown.append(("page", api.get("/target-materials/", params={"limit": 1}).json(), rows_schema))
    one = response_schema(spec, "/target-materials/{target_material_id}")
    for mid in ids[:2]:
        shown.append(("get one", api.get(f"/target-materials/{mid}").json(), one))
        history = api.get(f"/target-materials/{mid}/history").json()
        shown.append(
            (
                "history",
                history,
                response_schema(spec, "/target-materials/{target_material_id}/history"),
            )
        )
        for entry in history:
            at = api.get(f"/target-materials/{mid}/history/{entry['revision']}").json()
            shown.append(("snapshot", at, one))
    shown.append(("trash", api.get("/trash/").json(), response_schema(spec, "/trash/")))
    shown.append(
        (
            "samples",
            api.get("/physical_samples/").json(),
            response_schema(spec, "/physical_samples/"),
        )
    )

    problems = [f"{name}: {p}" for name, value, schema in shown for p in check(spec, schema, value)]
    assert problems == []
    # Nothing was empty by accident: each kind of row was there to check.
    assert all(value for _, value, _ in shown)


def test_the_checker_catches_an_undocumented_or_missing_key(server: ServerThread) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    one = response_schema(spec, "/target-materials/{target_material_id}")
    assert check(spec, one, {"sample_id": "1"})  # wrong type, and most keys missing
    layer = {"$ref": "#/components/schemas/Layer"}
    assert any("not documented" in p for p in check(spec, layer, {"surprise": 1}))
