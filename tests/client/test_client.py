"""The Client: configuration, and one call per endpoint of the API contract, typed."""

import stat
from pathlib import Path

import httpx
import pytest

from filmstack import Client, ConfigurationError, Conflict, NotFound, __version__
from filmstack.config import config_path, resolve_endpoint
from filmstack.schemas import (
    Layer,
    LayerIn,
    Material,
    MaterialDetail,
    MaterialRow,
    ParseResult,
    PhysicalSample,
    PhysicalSampleRow,
)
from tests.client.serving import serving
from tests.conftest import Keys, ServerThread

BTO = {"layer_id": 1, "composition_string": "BaTiO3", "orientation": "001"}

# ------------------------------------------------------------------------ configuration


def test_a_missing_key_is_a_clear_error_before_any_request() -> None:
    with pytest.raises(ConfigurationError, match="FILMSTACK_API_KEY"):
        Client(endpoint="http://127.0.0.1:9/")


def test_key_falls_back_to_filmstack_then_atomscale_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["X-API-KEY"])
        return httpx.Response(200, json={"status": "ok", "database": "sqlite"})

    transport = httpx.MockTransport(record)
    monkeypatch.setenv("AS_API_KEY", "from-atomscale")
    Client(transport=transport).health()
    monkeypatch.setenv("FILMSTACK_API_KEY", "from-filmstack")
    Client(transport=transport).health()
    Client("explicit", transport=transport).health()
    assert seen == ["from-atomscale", "from-filmstack", "explicit"]


def test_endpoint_falls_back_to_filmstack_then_atomscale_variable_then_localhost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert resolve_endpoint() == "http://127.0.0.1:8000/"
    monkeypatch.setenv("AS_API_ENDPOINT", "https://as.example/api")
    assert resolve_endpoint() == "https://as.example/api/"
    monkeypatch.setenv("FILMSTACK_ENDPOINT", "https://fs.example/")
    assert resolve_endpoint() == "https://fs.example/"
    assert resolve_endpoint("http://given:1") == "http://given:1/"


def test_endpoint_with_a_path_prefix_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    urls: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, json=[])

    with Client("k", "https://lab.example/filmstack", transport=httpx.MockTransport(record)) as fs:
        fs.list_target_materials()
    assert urls == ["https://lab.example/filmstack/target-materials/"]


def test_the_saved_login_is_the_last_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text('endpoint = "http://saved:9/"\napi_key = "saved-key"\n')
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    client = Client()
    assert client.endpoint == "http://saved:9/"
    assert client._http.headers["X-API-KEY"] == "saved-key"
    monkeypatch.setenv("FILMSTACK_API_KEY", "env-key")
    assert Client()._http.headers["X-API-KEY"] == "env-key"


def test_requests_carry_a_user_agent_and_the_key_is_not_in_repr() -> None:
    client = Client("secret-key", "http://127.0.0.1:9/")
    assert client._http.headers["User-Agent"] == f"filmstack-python/{__version__}"
    assert "secret-key" not in repr(client)


def test_context_manager_closes_the_connection_pool(fs: Client) -> None:
    with fs as same:
        assert same is fs
    assert fs._http.is_closed


# ------------------------------------------- target materials (the public Atomscale calls)


def test_create_returns_the_material_object(fs: Client) -> None:
    material = fs.create_target_material("BaTiO3 on Si", "Si", [BTO])
    assert isinstance(material, Material)
    assert material.sample_name == "BaTiO3 on Si" and material.substrate == "Si"
    assert material.sample_metadata == {} and material.detail_notes_id is None
    assert material.version == __version__


def test_create_accepts_layer_models_and_metadata(fs: Client) -> None:
    layer = LayerIn(layer_id=1, composition_string="SrTiO3", thickness_nm=20.0)
    material = fs.create_target_material("STO", "Si", [layer], sample_metadata={"run": 3})
    assert material.sample_metadata == {"run": 3}
    assert fs.list_layers(material.sample_id)[0].thickness_nm == 20.0


def test_create_from_text_numbers_positions_from_the_substrate_up(fs: Client) -> None:
    material = fs.create_from_text("10 nm BaTiO3 (001) / SrTiO3 on Si", name="BTO/STO")
    assert material.sample_name == "BTO/STO" and material.substrate == "Si"
    layers = fs.list_layers(material.sample_id)
    assert [(x.layer_id, x.composition_string) for x in layers] == [(1, "SrTiO3"), (2, "BaTiO3")]
    assert layers[1].orientation == "(001)" and layers[1].thickness_nm == 10.0


def test_create_from_text_puts_the_substrate_orientation_in_its_field(fs: Client) -> None:
    material = fs.create_from_text("BaTiO3 on SrTiO3 (001)", sample_metadata={"run": 2})
    assert material.substrate == "SrTiO3"
    assert material.substrate_orientation == "(001)"
    assert material.sample_metadata == {"run": 2}
    plain = fs.create_from_text("BaTiO3 on SrTiO3")
    assert plain.sample_metadata == {}


def test_create_from_text_names_the_material_like_the_parser(fs: Client) -> None:
    material = fs.create_from_text("LAO/STO")
    assert material.sample_name == "LaAlO3 on SrTiO3" and material.substrate == "SrTiO3"


def test_create_from_text_without_a_substrate_asks_for_one(fs: Client) -> None:
    with pytest.raises(ConfigurationError, match="names no substrate"):
        fs.create_from_text("BaTiO3")
    assert fs.create_from_text("BaTiO3", substrate="Si").substrate == "Si"


def test_list_gives_typed_rows_one_per_layer(fs: Client) -> None:
    two = fs.create_target_material("two", "Si", [BTO, {"layer_id": 2, "composition_string": "Pt"}])
    empty = fs.create_target_material("empty", "MgO")
    rows = fs.list_target_materials()
    assert all(isinstance(r, MaterialRow) for r in rows)
    assert [(r.sample_id, r.layer_id) for r in rows] == [
        (two.sample_id, 1),
        (two.sample_id, 2),
        (empty.sample_id, None),
    ]
    assert rows[0].element_dict == {"Ba": 1, "Ti": 1, "O": 3}
    assert rows[0].user_name == "alice"


def test_list_filters_by_name_substrate_and_elements(fs: Client) -> None:
    bto = fs.create_target_material("BaTiO3 film", "Si", [BTO])
    fs.create_target_material("Pt film", "Si", [{"layer_id": 1, "composition_string": "Pt"}])
    lao = fs.create_target_material(
        "LAO", "SrTiO3", [{"layer_id": 1, "composition_string": "LaAlO3"}]
    )
    assert {r.sample_id for r in fs.list_target_materials(name="batio3")} == {bto.sample_id}
    assert {r.sample_id for r in fs.list_target_materials(substrate="SrTiO3")} == {lao.sample_id}
    assert {r.sample_id for r in fs.list_target_materials(elements=["O", "Ti"])} == {bto.sample_id}
    assert {r.sample_id for r in fs.list_target_materials(elements="La")} == {lao.sample_id}


def test_iteration_walks_every_page_lazily_without_splitting_materials(fs: Client) -> None:
    ids = [
        fs.create_target_material(
            f"m{i}", "Si", [BTO, {"layer_id": 2, "composition_string": "Pt"}]
        ).sample_id
        for i in range(7)
    ]
    pages: list[httpx.URL] = []
    fs._http.event_hooks["request"].append(lambda request: pages.append(request.url))
    rows = fs.iter_target_materials(page_size=3)
    first = next(rows)
    assert first.sample_id == ids[0] and len(pages) == 1  # nothing fetched ahead
    rest = list(rows)
    assert len(pages) == 3
    assert [url.params.get("limit") for url in pages] == ["3", "3", "3"]
    assert "cursor" not in pages[0].params and pages[1].params["cursor"]
    assert [(r.sample_id, r.layer_id) for r in [first, *rest]] == [
        (i, position) for i in ids for position in (1, 2)
    ]
    assert list(fs.iter_target_materials(name="m6", page_size=3))[0].sample_id == ids[6]


def test_update_changes_fields_and_replaces_metadata(fs: Client) -> None:
    material = fs.create_target_material("old", "Si", [BTO], sample_metadata={"a": 1, "b": 2})
    updated = fs.update_target_material(
        material.sample_id, sample_name="new", substrate="MgO", sample_metadata={"c": 3}
    )
    assert (updated.sample_name, updated.substrate, updated.sample_metadata) == (
        "new",
        "MgO",
        {"c": 3},
    )
    assert len(fs.list_layers(material.sample_id)) == 1


def test_detail_notes_are_written_changed_and_removed(fs: Client) -> None:
    material = fs.create_target_material("noted", "Si")
    noted = fs.set_detail_note(material.sample_id, "Anneal at 700 C.")
    assert noted.detail_notes_id is not None
    assert fs.get_target_material(material.sample_id).detail_note_content == "Anneal at 700 C."
    fs.update_target_material(material.sample_id, detail_note_content="Anneal at 650 C.")
    assert fs.get_target_material(material.sample_id).detail_note_content == "Anneal at 650 C."
    assert fs.update_target_material(material.sample_id, sample_name="x").detail_notes_id
    cleared = fs.set_detail_note(material.sample_id, None)
    assert cleared.detail_notes_id is None
    assert fs.get_target_material(material.sample_id).detail_note_content is None


def test_replace_stack_makes_the_array_the_whole_stack(fs: Client) -> None:
    material = fs.create_target_material("m", "Si", [BTO])
    fs.replace_stack(
        material.sample_id,
        [
            {"layer_id": 1, "composition_string": "SrTiO3"},
            LayerIn(layer_id=2, composition_string="Pt"),
        ],
    )
    assert [x.composition_string for x in fs.list_layers(material.sample_id)] == ["SrTiO3", "Pt"]
    fs.replace_stack(material.sample_id, [])
    assert fs.list_layers(material.sample_id) == []


def test_add_update_and_delete_one_layer(fs: Client) -> None:
    material = fs.create_target_material("m", "Si", [BTO])
    added = fs.add_layer(material.sample_id, 2, composition_string="SrRuO3", orientation="001")
    assert (
        isinstance(added, Layer) and added.layer_id == 2 and added.sample_id == material.sample_id
    )
    with pytest.raises(Conflict):
        fs.add_layer(material.sample_id, 2, composition_string="Pt")
    changed = fs.update_layer(material.sample_id, 2, thickness_nm=12.5, orientation=None)
    assert changed.thickness_nm == 12.5 and changed.orientation is None
    assert changed.composition_string == "SrRuO3"
    fs.delete_layer(material.sample_id, 1)
    assert [x.layer_id for x in fs.list_layers(material.sample_id)] == [2]


def test_parse_reads_text_and_stores_nothing(fs: Client) -> None:
    parsed = fs.parse("10 nm BaTiO3 (001) / SrTiO3 on Si")
    assert isinstance(parsed, ParseResult)
    assert parsed.material_name == "BaTiO3/SrTiO3 on Si" and parsed.substrate == "Si"
    assert [x.formula for x in parsed.layers] == ["BaTiO3", "SrTiO3"]  # topmost first
    assert parsed.layers[0].thickness_nm == 10.0
    assert fs.list_target_materials() == []


# ------------------------------------------------ target materials (filmstack extensions)


def test_get_nests_the_layers_in_position_order(fs: Client) -> None:
    material = fs.create_target_material(
        "m", "Si", [{"layer_id": 2, "composition_string": "Pt"}, BTO]
    )
    detail = fs.get_target_material(material.sample_id)
    assert isinstance(detail, MaterialDetail)
    assert [x.layer_id for x in detail.layers] == [1, 2]
    assert detail.user_name == "alice"


def test_stack_svg_draws_the_stack(fs: Client) -> None:
    material = fs.create_from_text("10 nm BaTiO3 (001) / SrTiO3 on Si")
    svg = fs.stack_svg(material.sample_id)
    assert svg.lstrip().startswith("<svg") and "BaTiO3" in svg and "Si" in svg
    with pytest.raises(NotFound):
        fs.stack_svg(987654)


def test_delete_removes_the_material(fs: Client) -> None:
    material = fs.create_target_material("m", "Si", [BTO])
    fs.delete_target_material(material.sample_id)
    with pytest.raises(NotFound):
        fs.get_target_material(material.sample_id)
    with pytest.raises(NotFound):
        fs.delete_target_material(material.sample_id)


def test_ids_must_be_integers(fs: Client) -> None:
    with pytest.raises(ConfigurationError):
        fs.get_target_material("1/layers")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        fs.get_target_material(True)


# ---------------------------------------------------------------------- physical samples


def test_physical_samples_are_created_listed_updated_and_linked(fs: Client) -> None:
    material = fs.create_target_material("m", "Si", [BTO])
    sample = fs.create_physical_sample(
        "run 3", target_material_id=material.sample_id, physical_sample_metadata={"T": 700}
    )
    assert isinstance(sample, PhysicalSample)
    assert sample.sample_id == material.sample_id and sample.physical_sample_metadata == {"T": 700}
    assert fs.get_physical_sample(sample.id) == sample

    unlinked = fs.link_target_material(sample.id, None)
    assert unlinked.sample_id is None
    relinked = fs.link_target_material(sample.id, material.sample_id)
    assert relinked.sample_id == material.sample_id

    renamed = fs.update_physical_sample(sample.id, name="run 3b", detail_note_content="cracked")
    assert renamed.name == "run 3b" and renamed.detail_notes_id is not None
    assert fs.update_physical_sample(sample.id, target_material_id=None).sample_id is None

    rows = fs.list_physical_samples()
    assert len(rows) == 1 and isinstance(rows[0], PhysicalSampleRow)
    assert rows[0].detail_notes is not None and rows[0].detail_notes.content == "cracked"
    assert rows[0].owner_name == "alice"


def test_linking_to_a_missing_material_is_not_found(fs: Client) -> None:
    sample = fs.create_physical_sample("run")
    with pytest.raises(NotFound):
        fs.link_target_material(sample.id, 987654)
    with pytest.raises(NotFound):
        fs.get_physical_sample("00000000-0000-0000-0000-000000000000")


# ---------------------------------------------------------------------- keys and health


def test_api_keys_are_listed_created_and_revoked_with_the_admin_scope(
    server: ServerThread, keys: Keys
) -> None:
    with Client(keys.admin, server.url) as admin:
        created = admin.create_api_key("erin", ["read"])
        assert created.key and created.scopes == ["read"] and created.organization == "lab"
        assert created.id in {k.id for k in admin.list_api_keys()}
        with Client(created.key, server.url) as erin:
            assert erin.list_target_materials() == []
            admin.revoke_api_key(created.id)
            with pytest.raises(Exception, match="401"):
                erin.list_target_materials()


def test_health_reports_the_database(fs: Client) -> None:
    assert fs.health().status == "ok"


def test_a_fresh_filmstack_serve_prints_an_admin_key_the_client_works_with(
    tmp_path: Path,
) -> None:
    with serving("sqlite", tmp_path) as served:
        assert served.admin_key.startswith("fs_")
        with Client(served.admin_key, served.url) as admin:
            material = admin.create_from_text("BaTiO3 (001) on SrTiO3")
            assert admin.get_target_material(material.sample_id).user_name == "admin"
            assert [k.organization for k in admin.list_api_keys()] == ["default"]
