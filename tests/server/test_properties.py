"""Property tests: any JSON value in any field of every body gives a 2xx or a 4xx naming the
field, never a 5xx, and nothing is written on a 4xx. On SQLite and PostgreSQL."""

import copy
import json
import uuid
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filmstack.server.accounts.service import create_key
from filmstack.server.db import Database
from tests.conftest import ServerThread

LAYER = {"layer_id": 1, "composition_string": "SrTiO3", "orientation": "001", "thickness_nm": 5}
LAYER_FIELDS = [
    "composition_string",
    "element_dict",
    "orientation",
    "space_group",
    "mp_id",
    "thickness_nm",
]

# (method, path template, base body, fields that may be replaced: paths into the body)
ENDPOINTS: list[tuple[str, str, Any, list[list[str | int]]]] = [
    (
        "POST",
        "/target-materials/",
        {
            "sample": {"sample_name": "p", "substrate": "Si", "sample_metadata": {}},
            "layers": [LAYER],
        },
        [
            [],
            ["sample"],
            ["layers"],
            ["sample", "sample_name"],
            ["sample", "substrate"],
            ["sample", "sample_metadata"],
            ["layers", 0],
            ["layers", 0, "layer_id"],
            ["layers", 0, "sample_id"],
            ["layers", 0, "id"],
            *[["layers", 0, f] for f in LAYER_FIELDS],
        ],
    ),
    (
        "PATCH",
        "/target-materials/{mid}",
        {"sample_name": "q", "substrate": "Si", "sample_metadata": {}, "detail_note_content": "n"},
        [
            [],
            ["sample_name"],
            ["substrate"],
            ["sample_metadata"],
            ["sample_id"],
            ["detail_note_content"],
        ],
    ),
    (
        "POST",
        "/target-materials/{mid}/layers",
        [LAYER],
        [[], [0], [0, "layer_id"], *[[0, f] for f in LAYER_FIELDS]],
    ),
    (
        "POST",
        "/target-materials/layers/",
        {**LAYER, "sample_id": "{mid}", "layer_id": 2},
        [[], ["sample_id"], ["layer_id"], *[[f] for f in LAYER_FIELDS]],
    ),
    (
        "PATCH",
        "/target-materials/layers/",
        {"sample_id": "{mid}", "layer_id": 1, "mp_id": "mp-5229"},
        [["sample_id"], ["layer_id"], *[[f] for f in LAYER_FIELDS]],
    ),
    (
        "POST",
        "/target-materials/parse",
        {"prompt": "10 nm BaTiO3 / SrTiO3 on Si"},
        [[], ["prompt"]],
    ),
    (
        "POST",
        "/physical_samples/",
        {"name": "run", "sample_id": "{mid}", "physical_sample_metadata": {"T": 700}},
        [[], ["name"], ["sample_id"], ["physical_sample_metadata"]],
    ),
    (
        "PATCH",
        "/physical_samples/{sid}",
        {"name": "run2", "detail_note_content": "x"},
        [[], ["name"], ["sample_id"], ["physical_sample_metadata"], ["detail_note_content"]],
    ),
    (
        "PATCH",
        "/physical_samples/{sid}/target_material",
        {"target_material_id": "{mid}"},
        [[], ["target_material_id"]],
    ),
    ("POST", "/api-keys/", {"user": "bob", "scopes": ["read"]}, [[], ["user"], ["scopes"]]),
]
CASES = [(i, field) for i, (_, _, _, fields) in enumerate(ENDPOINTS) for field in fields]
# 404 and 409 answer ids and positions that name no record or a taken place.
REFERENCES = {"sample_id", "target_material_id", "layer_id"}

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.sampled_from([0, 1, 231, 2**31, 2**63 - 1, 2**63, 10**400])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([5e-324, -0.0, 1e308, 1e-7])
    | any_text
    | st.sampled_from(["", " ", "\x00", "\ud800", "1_0", "SrTiO3", "mp-1", "(001)", "P4mm"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, str) and value in ("{mid}", "{sid}"):
        return ids[value[1:-1]]
    return value


def _replace(body: Any, path: list[str | int], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(body)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def _state(api: httpx.Client, admin: httpx.Client) -> str:
    return json.dumps(
        [
            api.get("/target-materials/").json(),
            api.get("/physical_samples/").json(),
            admin.get("/api-keys/").json(),
        ],
        sort_keys=True,
    )


def _fresh(database: Database) -> str:
    """A key of a new, empty organization: every example starts from the same state."""
    with database.session(write=True) as session:
        org = f"prop-{uuid.uuid4().hex}"
        key, _ = create_key(session, org, "admin", ["read", "write", "delete", "admin"])
    return key


def _ids(api: httpx.Client) -> dict[str, Any]:
    mid = api.post(
        "/target-materials/",
        json={"sample": {"sample_name": "m", "substrate": "Si"}, "layers": [LAYER]},
    ).json()["sample_id"]
    samples = api.get("/physical_samples/").json()
    sid = (
        samples[0]["id"]
        if samples
        else api.post("/physical_samples/", json={"name": "s"}).json()["id"]
    )
    return {"mid": mid, "sid": sid}


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=st.sampled_from(CASES), value=json_values)
def test_any_json_in_any_field_is_2xx_or_a_4xx_naming_it(
    server: ServerThread,
    database: Database,
    case: tuple[int, list[str | int]],
    value: Any,
) -> None:
    index, path = case
    method, template, base, _ = ENDPOINTS[index]
    key = _fresh(database)
    with httpx.Client(base_url=server.url, headers={"X-API-KEY": key}, timeout=30) as api:
        ids = _ids(api)
        body = _replace(_fill(base, ids), path, value)
        url = template.replace("{mid}", str(ids["mid"])).replace("{sid}", ids["sid"])
        before = _state(api, api)
        content = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
        response = api.request(
            method, url, content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code < 500, (method, url, body, response.text)
        assert response.headers["content-type"].startswith("application/json")
        if response.status_code < 400:
            return
        assert _state(api, api) == before, (method, url, body)  # nothing written
        field = next((str(k) for k in reversed(path) if isinstance(k, str)), None)
        detail = response.json()["detail"]
        if response.status_code == 422:
            locs = [p["loc"] for p in detail]
            assert all(loc[0] == "body" for loc in locs), locs
            if field is not None:
                assert any(field in map(str, loc) for loc in locs) or _container_named(
                    locs, path
                ), (field, locs, body)
        else:
            assert response.status_code in (404, 409), (response.status_code, detail)
            assert field in REFERENCES or path == [] or path[0] in ("layers", 0), (path, detail)


def _container_named(locs: list[list[Any]], path: list[str | int]) -> bool:
    """A value can make its container invalid (a duplicate position, a stack's composition)."""
    return any(
        [str(x) for x in loc[1 : len(path)]] == [str(x) for x in path[:-1]] and len(loc) >= 1
        for loc in locs
    )
