""".eln export and import, NOMAD archives: real server, both databases."""

import io
import json
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
from rocrate.rocrate import ROCrate

from tests.conftest import Keys, ServerThread

ELN = {"Content-Type": "application/vnd.eln+zip"}


def make_material(api: httpx.Client, name: str, **extra: Any) -> int:
    body = {
        "sample": {
            "sample_name": name,
            "substrate": "SrTiO3",
            "sample_metadata": {"run": 3, "ok": True, "none": None, "nested": {"T": [700, 650.5]}},
        },
        "layers": [
            {"layer_id": 1, "composition_string": "SrRuO3", "orientation": "(001)"},
            {
                "layer_id": 2,
                "composition_string": "BaTiO3",
                "space_group": "P 4 m m",
                "mp_id": "mp-5986",
                "thickness_nm": 12.5,
            },
        ],
        **extra,
    }
    response = api.post("/target-materials/", json=body)
    assert response.status_code == 200, response.text
    sample_id: int = response.json()["sample_id"]
    return sample_id


def populate(api: httpx.Client) -> tuple[int, int]:
    first = make_material(api, "BTO on SRO <b>")
    api.patch(f"/target-materials/{first}", json={"detail_note_content": "Anneal 1 h at 700 C."})
    second = make_material(api, "bare")
    api.post(f"/target-materials/{second}/layers", json=[])
    linked = api.post(
        "/physical_samples/",
        json={"name": "PLD run 1", "sample_id": first, "physical_sample_metadata": {"T_C": 700}},
    ).json()
    api.patch(f"/physical_samples/{linked['id']}", json={"detail_note_content": "cracked"})
    api.post("/physical_samples/", json={"name": "unlinked run"})
    return first, second


def unzip(data: bytes) -> tuple[str, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    roots = {PurePosixPath(name).parts[0] for name in files}
    assert len(roots) == 1, roots
    return roots.pop(), files


def graph(data: bytes) -> dict[str, dict[str, Any]]:
    root, files = unzip(data)
    metadata = json.loads(files[f"{root}/ro-crate-metadata.json"])
    return {node["@id"]: node for node in metadata["@graph"]}


def assert_valid_eln(data: bytes) -> None:
    """RO-Crate as the rocrate library reads it, plus the ELN Consortium's own rules."""
    root, files = unzip(data)
    assert f"{root}/ro-crate-metadata.json" in files
    nodes = graph(data)
    descriptor = nodes["ro-crate-metadata.json"]
    assert descriptor["conformsTo"]["@id"].startswith("https://w3id.org/ro/crate/1.")
    assert isinstance(descriptor["version"], str)
    publisher = nodes[descriptor["sdPublisher"]["@id"]]
    assert publisher["@type"] == "Organization" and publisher["name"] and publisher["url"]
    for node in nodes.values():
        assert "@type" in node
        assert not isinstance(node.get("keywords", ""), list)
    for part in nodes["./"]["hasPart"]:
        dataset = nodes[part["@id"]]
        assert dataset["@type"] == "Dataset" and dataset["name"] and dataset["author"]
        assert nodes[dataset["author"]["@id"]]["@type"] == "Person"
        for file_ref in dataset["hasPart"]:
            entry = nodes[file_ref["@id"]]
            assert entry["@type"] == "File" and entry["name"] and entry["encodingFormat"]
            assert int(entry["contentSize"]) == len(files[f"{root}/{file_ref['@id']}"])
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(tmp)
        crate = ROCrate(Path(tmp) / root)
        ids = {entity.id for entity in crate.get_entities()}
        assert {p["@id"] for p in nodes["./"]["hasPart"]} <= ids


def canonical(data: bytes) -> dict[str, Any]:
    """An export with the ids a new server assigns (and the owner) replaced by positions."""
    root, files = unzip(data)
    nodes = graph(data)
    parts = [nodes[p["@id"]] for p in nodes["./"]["hasPart"]]
    records = {p["@id"]: json.loads(files[f"{root}/{p['hasPart'][0]['@id']}"]) for p in parts}
    materials = sorted(
        (p for p in parts if p["genre"] == "target material"), key=lambda p: p["dateCreated"]
    )
    samples = sorted(
        (p for p in parts if p["genre"] == "physical sample"), key=lambda p: p["dateCreated"]
    )
    position = {records[m["@id"]]["id"]: i for i, m in enumerate(materials)}
    dataset_position = {m["@id"]: i for i, m in enumerate(materials)}

    def clean(dataset: dict[str, Any]) -> dict[str, Any]:
        record = dict(records[dataset["@id"]])
        for key in ("id", "user_id", "user_name"):
            record.pop(key)
        if "target_material_id" in record and record["target_material_id"] is not None:
            record["target_material_id"] = position[record["target_material_id"]]
        props = {
            node["propertyID"]: node["value"]
            for node in (nodes[ref["@id"]] for ref in dataset.get("variableMeasured", []))
        }
        keep = ("name", "genre", "text", "keywords", "dateCreated", "dateModified")
        out = {k: dataset.get(k) for k in keep}
        if "mentions" in dataset:
            out["mentions"] = dataset_position[dataset["mentions"]["@id"]]
        return {"dataset": out, "properties": props, "record": record}

    return {
        "materials": [clean(m) for m in materials],
        "samples": [clean(s) for s in samples],
    }


# ----------------------------------------------------------------------------- export


def test_material_export_is_a_valid_eln_with_its_samples(api: httpx.Client) -> None:
    first, second = populate(api)
    response = api.get(f"/target-materials/{first}/export", params={"format": "eln"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.eln+zip"
    assert 'filename="BTO_on_SRO_b.eln"' in response.headers["content-disposition"]
    assert_valid_eln(response.content)
    root, files = unzip(response.content)
    assert root == "BTO_on_SRO_b"
    nodes = graph(response.content)
    parts = [nodes[p["@id"]] for p in nodes["./"]["hasPart"]]
    assert [p["genre"] for p in parts] == ["target material", "physical sample"]
    material, sample = parts
    assert material["name"] == "BTO on SRO <b>" and material["text"] == "Anneal 1 h at 700 C."
    assert sample["name"] == "PLD run 1" and sample["text"] == "cracked"
    assert sample["mentions"] == {"@id": material["@id"]}
    props = {
        nodes[r["@id"]]["propertyID"]: nodes[r["@id"]]["value"]
        for r in material["variableMeasured"]
    }
    assert props["substrate"] == "SrTiO3"
    assert props["layers.1.composition_string"] == "BaTiO3"
    assert props["sample_metadata.nested.T.1"] == 650.5 and props["sample_metadata.ok"] is True
    svg = files[f"{root}/{material['@id']}stack.svg"].decode()
    assert svg.startswith("<svg") and "BaTiO3" in svg


def test_export_selection_and_whole_organization(api: httpx.Client, rival: httpx.Client) -> None:
    first, second = populate(api)
    third = make_material(api, "third")
    everything = graph(api.get("/export", params={"format": "eln"}).content)
    genres = [everything[p["@id"]]["genre"] for p in everything["./"]["hasPart"]]
    assert genres.count("target material") == 3 and genres.count("physical sample") == 2

    picked = api.get("/export", params={"ids": f"{second},{third}"})
    assert picked.status_code == 200
    assert_valid_eln(picked.content)
    nodes = graph(picked.content)
    names = sorted(nodes[p["@id"]]["name"] for p in nodes["./"]["hasPart"])
    assert names == ["bare", "third"]  # no sample points at these two
    repeated = graph(api.get("/export", params=[("ids", first), ("ids", second)]).content)
    assert len(repeated["./"]["hasPart"]) == 3  # two materials and the sample linked to one

    assert rival.get("/export", params={"ids": first}).status_code == 404
    assert rival.get(f"/target-materials/{first}/export").status_code == 404
    bad = api.get("/export", params={"ids": "1,x"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "ids"]
    wrong = api.get(f"/target-materials/{first}/export", params={"format": "pdf"})
    assert wrong.status_code == 422 and "format" in wrong.json()["detail"][0]["loc"]


def test_nomad_archive_has_the_thin_film_stack_sections(api: httpx.Client) -> None:
    first, _ = populate(api)
    response = api.get(f"/target-materials/{first}/export", params={"format": "nomad"})
    assert response.status_code == 200, response.text
    assert 'filename="BTO_on_SRO_b.archive.json"' in response.headers["content-disposition"]
    data = response.json()["data"]
    assert data["m_def"] == "nomad_material_processing.general.ThinFilmStack"
    assert data["name"] == "BTO on SRO <b>"
    assert data["lab_id"] == f"filmstack-target-material-{first}"
    assert data["substrate"] == {
        "name": "SrTiO3",
        "lab_id": f"filmstack-target-material-{first}-substrate",
    }
    # ordered from the substrate up, as the plugin's `layers` are
    assert [layer["name"] for layer in data["layers"]] == ["SrRuO3 (001)", "BaTiO3 12.5 nm"]
    assert data["layers"][1]["lab_id"] == f"filmstack-target-material-{first}-layer-2"
    assert [c["element"] for c in data["elemental_composition"]] == ["Ba", "O", "Ru", "Sr", "Ti"]
    assert data["datetime"].endswith("+00:00")
    assert "Anneal 1 h at 700 C." in data["description"] and "mp-5986" in data["description"]
    assert set(response.json()) == {"data"}
    assert api.get("/export", params={"format": "nomad"}).status_code == 422


# ----------------------------------------------------------------------------- import


def test_organization_round_trip_loses_nothing(api: httpx.Client, rival: httpx.Client) -> None:
    populate(api)
    exported = api.get("/export").content
    imported = rival.post("/import", content=exported, headers=ELN)
    assert imported.status_code == 200, imported.text
    answer = imported.json()
    assert len(answer["target_materials"]) == 2 and len(answer["physical_samples"]) == 2
    assert answer["skipped"] == []
    again = rival.get("/export").content
    assert_valid_eln(again)
    assert canonical(again) == canonical(exported)

    # what the rival's API now says matches, field by field
    mine = {
        m["sample_name"]: m
        for m in (api.get(f"/target-materials/{r['sample_id']}").json() for r in _materials(api))
    }
    for created in answer["target_materials"]:
        theirs = rival.get(f"/target-materials/{created['sample_id']}").json()
        original = mine[theirs["sample_name"]]
        for key in (
            "substrate",
            "sample_metadata",
            "detail_note_content",
            "created_at",
            "last_updated",
        ):
            assert theirs[key] == original[key], key
        strip = ("id", "sample_id")
        assert [
            {k: v for k, v in layer.items() if k not in strip} for layer in theirs["layers"]
        ] == [{k: v for k, v in layer.items() if k not in strip} for layer in original["layers"]]
    rows = rival.get("/physical_samples/").json()
    linked = next(r for r in rows if r["name"] == "PLD run 1")
    assert linked["target_material"]["sample_name"] == "BTO on SRO <b>"
    assert linked["detail_notes"]["content"] == "cracked"
    assert linked["physical_sample_metadata"] == {"T_C": 700}


def _materials(api: httpx.Client) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for row in api.get("/target-materials/").json():
        seen.setdefault(row["sample_id"], row)
    return list(seen.values())


def test_import_takes_a_multipart_upload_and_needs_write(
    api: httpx.Client, rival: httpx.Client, server: ServerThread, keys: Keys
) -> None:
    first, _ = populate(api)
    data = api.get(f"/target-materials/{first}/export").content
    response = rival.post("/import", files={"file": ("x.eln", data, "application/zip")})
    assert response.status_code == 200, response.text
    assert [m["sample_id"] for m in response.json()["target_materials"]]
    with httpx.Client(base_url=server.url, headers={"X-API-KEY": keys.reader}) as reader:
        assert reader.post("/import", content=data, headers=ELN).status_code == 403


def _zip(entries: dict[str, bytes | str], **kw: Any) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, **kw) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _rewrite(data: bytes, change: dict[str, bytes | str]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries: dict[str, bytes | str] = {i.filename: archive.read(i) for i in archive.infolist()}
    entries.update(change)
    return _zip(entries)


def _count(api: httpx.Client) -> int:
    return len(_materials(api))


def test_hostile_or_malformed_files_are_refused_with_4xx(
    api: httpx.Client, rival: httpx.Client
) -> None:
    first, _ = populate(api)
    good = api.get(f"/target-materials/{first}/export").content
    root, files = unzip(good)
    record_name = next(n for n in files if n.endswith("material.json"))
    metadata_name = f"{root}/ro-crate-metadata.json"
    record = json.loads(files[record_name])
    bad_layer = {**record, "layers": [{"layer_id": 1, "composition_string": "Xq2"}]}
    too_deep = {**record, "sample": {**record["sample"], "sample_metadata": _deep(40)}}
    nested = "[" * 100_000 + "]" * 100_000

    cases: dict[str, tuple[bytes, int, str]] = {
        "empty": (b"", 422, "empty"),
        "not a zip": (b"PK\x03\x04 not really", 422, "zip"),
        "no metadata": (_zip({f"{root}/x.txt": "x"}), 422, "ro-crate-metadata.json"),
        "two roots": (_zip({"a/ro-crate-metadata.json": "{}", "b/x": "x"}), 422, "root folder"),
        "file at top": (_zip({"ro-crate-metadata.json": "{}"}), 422, "root folder"),
        "traversal": (_rewrite(good, {f"{root}/../../etc/passwd": "x"}), 422, "unsafe path"),
        "absolute": (_rewrite(good, {"/etc/passwd": "x"}), 422, "unsafe path"),
        "not json": (_rewrite(good, {metadata_name: "{nope"}), 422, "not valid JSON"),
        "deep json": (_rewrite(good, {metadata_name: nested}), 422, "JSON"),
        "no graph": (_rewrite(good, {metadata_name: '{"@context": 1}'}), 422, "@graph"),
        "bad record": (_rewrite(good, {record_name: json.dumps(bad_layer)}), 422, "Xq2"),
        "deep metadata": (
            _rewrite(good, {record_name: json.dumps(too_deep)}),
            422,
            "sample_metadata",
        ),
        "bomb": (_rewrite(good, {record_name: b"\0" * (60 * 1024 * 1024)}), 413, "unpacks"),
        "foreign": (
            _zip({f"{root}/ro-crate-metadata.json": json.dumps(_foreign_metadata())}),
            422,
            "no filmstack",
        ),
    }
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    corrupt = stored.getvalue().replace(b'"format"', b'"fOrmat"', 1)  # CRC no longer matches
    cases["corrupt member"] = (corrupt, 422, "cannot be unpacked")
    before = _count(rival)
    for label, (data, status, words) in cases.items():
        response = rival.post("/import", content=data, headers=ELN)
        assert response.status_code == status, (label, response.status_code, response.text)
        assert words in json.dumps(response.json()["detail"]), (label, response.text)
    assert _count(rival) == before  # nothing half-written, even for the bad record


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"x": value}
    return value


def test_a_record_problem_names_the_dataset_in_the_file(
    api: httpx.Client, rival: httpx.Client
) -> None:
    first, _ = populate(api)
    good = api.get(f"/target-materials/{first}/export").content
    root, files = unzip(good)
    name = next(n for n in files if n.endswith("material.json"))
    record = json.loads(files[name])
    record["sample"]["sample_metadata"] = _deep(40)
    response = rival.post(
        "/import", content=_rewrite(good, {name: json.dumps(record)}), headers=ELN
    )
    assert response.status_code == 422
    loc = response.json()["detail"][0]["loc"]
    assert loc[:3] == ["body", "file", f"materials/{first}/"] and "sample_metadata" in loc


def test_too_many_entries_are_refused(rival: httpx.Client) -> None:
    data = _zip({f"r/{i}": "" for i in range(20_001)})
    response = rival.post("/import", content=data, headers=ELN)
    assert response.status_code == 422, response.text
    assert "at most 20000 are read" in response.text


def _foreign_metadata() -> dict[str, Any]:
    """The shape of another ELN's export: a dataset that is not a filmstack record."""
    return {
        "@context": "https://w3id.org/ro/crate/1.1/context",
        "@graph": [
            {
                "@id": "ro-crate-metadata.json",
                "@type": "CreativeWork",
                "about": {"@id": "./"},
                "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"},
                "version": "1.0",
                "sdPublisher": {"@id": "#p"},
            },
            {"@id": "./", "@type": "Dataset", "name": "x", "hasPart": [{"@id": "./exp/"}]},
            {"@id": "./exp/", "@type": "Dataset", "name": "Some experiment"},
            {"@id": "#p", "@type": "Organization", "name": "Other ELN"},
        ],
    }


def test_openapi_documents_the_exchange_endpoints(server: ServerThread) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    paths = spec["paths"]
    assert "get" in paths["/target-materials/{target_material_id}/export"]
    assert "get" in paths["/export"]
    upload = paths["/import"]["post"]["requestBody"]["content"]
    assert upload["application/vnd.eln+zip"]["schema"]["format"] == "binary"
    assert "multipart/form-data" in upload


def test_broken_multipart_data_is_a_422_naming_the_body(api: httpx.Client) -> None:
    """The fuzzer's find: a multipart body the form parser cannot read was an undocumented 400."""
    boundary = "a222103b9b30b1f9e8be6882ecedb1d2"
    response = api.post(
        "/import",
        content=f"--{boundary}\r\n[]--{boundary}--\r\n".encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body"]
