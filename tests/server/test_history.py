"""Every change of a material leaves one history entry, written with the change."""

from typing import Any

import httpx

STACK = [
    {"layer_id": 1, "composition_string": "SrRuO3", "orientation": "(001)"},
    {"layer_id": 2, "composition_string": "BaTiO3", "orientation": "(001)"},
]


def create(api: httpx.Client, **sample: Any) -> int:
    body = {"sample": {"sample_name": "BTO/SRO", "substrate": "SrTiO3", **sample}, "layers": STACK}
    response = api.post("/target-materials/", json=body)
    assert response.status_code == 200, response.text
    return int(response.json()["sample_id"])


def entries(api: httpx.Client, mid: int) -> list[dict[str, Any]]:
    response = api.get(f"/target-materials/{mid}/history")
    assert response.status_code == 200, response.text
    return list(response.json())


def test_create_is_revision_1_with_every_field_it_set(api: httpx.Client) -> None:
    mid = create(api, detail_note_content="Anneal at 700 C.")
    [entry] = entries(api, mid)
    assert entry["revision"] == 1 and entry["action"] == "create"
    assert entry["user_name"] == "alice" and entry["user_id"]
    fields = {c["field"]: c for c in entry["changes"]}
    assert fields["sample_name"] == {"field": "sample_name", "before": None, "after": "BTO/SRO"}
    assert fields["detail_note_content"]["after"] == "Anneal at 700 C."
    assert fields["layers[2]"]["before"] is None
    assert fields["layers[2]"]["after"]["composition_string"] == "BaTiO3"
    one = api.get(f"/target-materials/{mid}").json()
    assert one["detail_note_content"] == "Anneal at 700 C." and one["revision"] == 1


def test_every_write_endpoint_leaves_its_entry_with_field_level_changes(
    api: httpx.Client,
) -> None:
    mid = create(api)
    sample = api.post("/physical_samples/", json={"name": "run 1"}).json()["id"]
    steps: list[tuple[str, Any]] = [
        ("update", lambda: api.patch(f"/target-materials/{mid}", json={"sample_name": "renamed"})),
        (
            "update",
            lambda: api.patch(f"/target-materials/{mid}", json={"detail_note_content": "note"}),
        ),
        (
            "update_layer",
            lambda: api.patch(
                "/target-materials/layers/",
                json={"sample_id": mid, "layer_id": 2, "orientation": "(111)"},
            ),
        ),
        (
            "add_layer",
            lambda: api.post(
                "/target-materials/layers/",
                json={"sample_id": mid, "layer_id": 3, "composition_string": "Pt"},
            ),
        ),
        ("delete_layer", lambda: api.delete(f"/target-materials/{mid}/layers/3")),
        (
            "replace_layers",
            lambda: api.post(
                f"/target-materials/{mid}/layers",
                json=[{"layer_id": 1, "composition_string": "GaN"}],
            ),
        ),
        ("revert", lambda: api.post(f"/target-materials/{mid}/revert", json={"revision": 1})),
        (
            "link",
            lambda: api.patch(
                f"/physical_samples/{sample}/target_material", json={"target_material_id": mid}
            ),
        ),
        ("delete", lambda: api.delete(f"/target-materials/{mid}")),
        ("restore", lambda: api.post(f"/trash/{mid}/restore")),
    ]
    for action, call in steps:
        response = call()
        assert response.status_code in (200, 204), (action, response.text)
        if action != "delete":  # a trashed material's history is gone with it, until restored
            assert entries(api, mid)[0]["action"] == action
    log = entries(api, mid)
    assert [e["action"] for e in reversed(log)] == ["create"] + [a for a, _ in steps]
    by_action = {e["action"]: e for e in log}
    assert by_action["update_layer"]["changes"] == [
        {"field": "layers[2].orientation", "before": "(001)", "after": "(111)"}
    ]
    [added] = by_action["add_layer"]["changes"]
    assert added["field"] == "layers[3]" and added["before"] is None
    assert added["after"]["composition_string"] == "Pt"
    [removed] = by_action["delete_layer"]["changes"]
    assert removed["field"] == "layers[3]" and removed["after"] is None
    assert by_action["link"]["changes"] == [
        {"field": "physical_sample", "before": None, "after": sample}
    ]
    # Content changes take a new revision each; link, delete and restore keep it.
    assert [e["revision"] for e in reversed(log)] == [1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8]
    renamed = [e for e in log if e["revision"] == 2][0]
    assert renamed["changes"] == [{"field": "sample_name", "before": "BTO/SRO", "after": "renamed"}]
    note = [e for e in log if e["revision"] == 3][0]
    assert note["changes"] == [{"field": "detail_note_content", "before": None, "after": "note"}]


def test_a_failing_write_leaves_no_entry_and_no_revision(api: httpx.Client) -> None:
    mid = create(api)
    bad = [
        api.patch(f"/target-materials/{mid}", json={"sample_metadata": {"x": [1] * 40_000}}),
        api.post(
            f"/target-materials/{mid}/layers", json=[{"layer_id": 1, "composition_string": "Xx9"}]
        ),
        api.post(
            "/target-materials/layers/",
            json={"sample_id": mid, "layer_id": 1, "composition_string": "Pt"},
        ),
        api.patch(
            "/target-materials/layers/",
            json={"sample_id": mid, "layer_id": 1, "space_group": "not a group"},
        ),
        api.delete(f"/target-materials/{mid}/layers/9"),
        api.delete(f"/target-materials/{mid}/layers/{2**40}"),
        api.post(f"/target-materials/{mid}/revert", json={"revision": 7}),
    ]
    assert [r.status_code for r in bad] == [422, 422, 409, 422, 404, 404, 422]
    assert [e["action"] for e in entries(api, mid)] == ["create"]
    assert api.get(f"/target-materials/{mid}").json()["revision"] == 1


def test_a_write_that_changes_nothing_takes_no_revision(api: httpx.Client) -> None:
    mid = create(api)
    before = api.get(f"/target-materials/{mid}").json()
    same = api.patch(f"/target-materials/{mid}", json={"sample_name": "BTO/SRO"})
    assert same.status_code == 200 and same.json()["revision"] == 1
    assert same.json()["last_updated"] == before["last_updated"]
    assert len(entries(api, mid)) == 1


def test_history_at_a_revision_is_get_one_as_it_was(api: httpx.Client) -> None:
    mid = create(api)
    shown = {1: api.get(f"/target-materials/{mid}").json()}
    api.patch(f"/target-materials/{mid}", json={"sample_metadata": {"T_C": 700}})
    shown[2] = api.get(f"/target-materials/{mid}").json()
    api.post(f"/target-materials/{mid}/layers", json=[])
    shown[3] = api.get(f"/target-materials/{mid}").json()
    for revision, body in shown.items():
        at = api.get(f"/target-materials/{mid}/history/{revision}")
        assert at.status_code == 200
        assert at.json() == body
    for missing in (4, 0, -1, 2**31, 2**40, 2**70):
        assert api.get(f"/target-materials/{mid}/history/{missing}").status_code == 404, missing


def test_revert_makes_a_new_revision_equal_to_the_old_one(api: httpx.Client) -> None:
    mid = create(api, detail_note_content="first")
    original = api.get(f"/target-materials/{mid}").json()
    api.patch(
        f"/target-materials/{mid}",
        json={"sample_name": "other", "sample_metadata": {"a": 1}, "detail_note_content": None},
    )
    api.post(f"/target-materials/{mid}/layers", json=[{"layer_id": 5, "composition_string": "AlN"}])
    reverted = api.post(f"/target-materials/{mid}/revert", json={"revision": 1})
    assert reverted.status_code == 200
    assert reverted.json()["revision"] == 4
    assert reverted.headers["ETag"] == f'"{mid}-4"'
    now = api.get(f"/target-materials/{mid}").json()

    def content(body: dict[str, Any]) -> dict[str, Any]:
        layers = [{k: v for k, v in la.items() if k != "id"} for la in body["layers"]]
        keep = ("sample_name", "substrate", "sample_metadata", "detail_note_content")
        return {**{k: body[k] for k in keep}, "layers": layers}

    assert content(now) == content(original)
    assert entries(api, mid)[0]["action"] == "revert"


def test_revert_validates_its_body(api: httpx.Client) -> None:
    mid = create(api)
    for body in ({}, {"revision": "1"}, {"revision": 0}, {"revision": 99}):
        response = api.post(f"/target-materials/{mid}/revert", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["loc"][:2] == ["body", "revision"]


def test_history_pages_newest_first_like_the_list(api: httpx.Client) -> None:
    mid = create(api)
    for i in range(6):
        api.patch(f"/target-materials/{mid}", json={"sample_metadata": {"i": i}})
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = api.get(f"/target-materials/{mid}/history", params=params)
        assert page.status_code == 200
        seen.extend(e["revision"] for e in page.json())
        cursor = page.headers.get("X-Next-Cursor")
        if not cursor:
            break
    assert seen == [7, 6, 5, 4, 3, 2, 1]
    assert [e["revision"] for e in entries(api, mid)] == seen
    bad = api.get(f"/target-materials/{mid}/history", params={"cursor": "nope"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_history_of_another_organization_is_not_found(
    api: httpx.Client, rival: httpx.Client
) -> None:
    mid = create(api)
    assert rival.get(f"/target-materials/{mid}/history").status_code == 404
    assert rival.get(f"/target-materials/{mid}/history/1").status_code == 404
    assert rival.post(f"/target-materials/{mid}/revert", json={"revision": 1}).status_code == 404


def test_get_one_and_its_layers_read_what_the_writes_stored(api: httpx.Client) -> None:
    stack = [
        {"layer_id": 1, "composition_string": "SrRuO3", "space_group": 221, "thickness_nm": 20},
        {"layer_id": 3, "composition_string": "Ba0.5Sr0.5TiO3", "lattice": {"a": 3.99, "c": 4.03}},
        {"layer_id": 4, "composition_string": "SrTiO3", "thickness_unit_cells": 10},
    ]
    body = {
        "sample": {"sample_name": "rich ü", "substrate": "SrTiO3", "detail_note_content": "☃"},
        "layers": stack,
    }
    mid = api.post("/target-materials/", json=body).json()["sample_id"]
    updated = api.patch(
        "/target-materials/layers/",
        json={"sample_id": mid, "layer_id": 3, "orientation": "(001)", "thickness_nm": 12.5},
    )
    assert updated.status_code == 200, updated.text
    one = api.get(f"/target-materials/{mid}").json()
    assert one["revision"] == 2 and one["detail_note_content"] == "☃"
    assert [la["layer_id"] for la in one["layers"]] == [1, 3, 4]
    assert one["layers"][1] == updated.json()
    # The snapshot the write stored is GET one; the layers endpoint is GET one's layers.
    assert api.get(f"/target-materials/{mid}/history/2").json() == one
    assert api.get(f"/target-materials/{mid}/layers").json() == one["layers"]
    api.post(f"/target-materials/{mid}/layers", json=[])
    emptied = api.get(f"/target-materials/{mid}").json()
    assert emptied["layers"] == [] and emptied["user_name"] == "alice"
    assert emptied["detail_note_content"] == "☃"
    assert api.get(f"/target-materials/{mid}/history/3").json() == emptied
    assert api.get(f"/target-materials/{mid}/layers").json() == []


def _typed(value: Any) -> Any:
    """A JSON value with each number's type kept: 20 and 20.0 compare unequal."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def test_a_create_stores_as_its_snapshot_exactly_what_get_one_reads(api: httpx.Client) -> None:
    # Layers out of position order, every field a layer can set, numbers sent as integers:
    # the create's history entry is built from what it wrote, not read back, and must be
    # exactly the stored material, key for key and number type for number type.
    stack = [
        {
            "layer_id": 7,
            "composition_string": "Ba0.5Sr0.5TiO3",
            "element_dict": {"Ba": 0.5, "Sr": 0.5, "Ti": 1, "O": 3},
            "orientation": "(1 1 0)",
            "space_group": "Pm-3m",
            "mp_id": "mp-5229",
            "thickness_nm": 20,
            "lattice": {"a": 4, "c": 4.03},
            "in_plane_relationship": "[100] || [100]",
            "repeat": {"group": 1, "count": 2, "period": 2, "index": 1, "cycle": 0},
        },
        {"layer_id": 2, "composition_string": "SrRuO3", "space_group": 62, "thickness_nm": 5.5},
        {"layer_id": 3, "composition_string": "SrTiO3", "thickness_unit_cells": 10},
        {"layer_id": 1, "composition_string": "LaAlO3"},
    ]
    body = {"sample": {"sample_name": "every field", "substrate": "SrTiO3"}, "layers": stack}
    created = api.post("/target-materials/", json=body)
    assert created.status_code == 200, created.text
    mid = created.json()["sample_id"]
    one = api.get(f"/target-materials/{mid}").json()
    assert [la["layer_id"] for la in one["layers"]] == [1, 2, 3, 7]
    assert one["layers"][2]["thickness_nm"] is not None  # from the built-in lattice table
    snapshot = api.get(f"/target-materials/{mid}/history/1").json()
    assert _typed(snapshot) == _typed(one)
    [entry] = entries(api, mid)
    after = {c["field"]: c["after"] for c in entry["changes"]}
    assert _typed(after["layers[7]"]) == _typed(one["layers"][3])


def test_get_one_answers_exactly_what_its_response_model_writes(api: httpx.Client) -> None:
    # GET one writes the stored material as read, without validating it against
    # MaterialDetail again: the answer must be that model's own output, key order included.
    from filmstack.schemas import MaterialDetail

    body = {
        "sample": {
            "sample_name": "model check",
            "substrate": "SrTiO3",
            "substrate_orientation": "(001)",
            "sample_metadata": {"run": 3, "gas": ["O2", 1.5e-6]},
            "detail_note_content": "note",
        },
        "layers": [
            {
                "layer_id": 2,
                "composition_string": "BaTiO3",
                "element_dict": {"Ba": 1, "Ti": 1, "O": 3},
                "orientation": "[110]",
                "space_group": 99,
                "thickness_nm": 1e-3,
                "lattice": {"a": 4, "c": 4.03},
                "repeat": {"group": 1, "count": 3, "period": 1, "index": 0, "cycle": 2},
            },
            {"layer_id": 1, "composition_string": "SrRuO3"},
        ],
    }
    created = api.post("/target-materials/", json=body)
    assert created.status_code == 200, created.text
    answer = api.get(f"/target-materials/{created.json()['sample_id']}")
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["etag"] == f'"{created.json()["sample_id"]}-1"'
    one = answer.json()
    modelled = MaterialDetail.model_validate(one).model_dump(mode="json")
    assert list(one) == list(modelled)
    assert [list(la) for la in one["layers"]] == [list(la) for la in modelled["layers"]]
    assert _typed(one) == _typed(modelled)
