"""Every server limit comes from Settings: a small configured value is enforced with a 422 naming
the field, before anything is written, and the value itself is accepted; defaults are unchanged;
a value above its structural ceiling is refused at start-up."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from filmstack.server.config import Settings
from filmstack.server.db import Database

from ..conftest import Backend, Keys, ServerThread, make_settings

SMALL = {
    "max_name_length": 8,
    "max_composition_length": 7,
    "max_note_length": 10,
    "max_prompt_length": 30,
    "max_layers": 2,
    "max_metadata_bytes": 20,
    "max_metadata_depth": 2,
}


@pytest.fixture(scope="module")
def small_server(
    backend: Backend, database: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    settings = make_settings(backend, tmp_path_factory.mktemp("small"), **SMALL)
    with ServerThread(settings, database) as running:
        yield running


@pytest.fixture
def small(small_server: ServerThread, keys: Keys) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=small_server.url, headers={"X-API-KEY": keys.writer}, timeout=30
    ) as client:
        yield client


def _rejected(response: httpx.Response, loc: list[str | int], said: int | str) -> None:
    """A 422 with one problem, at `loc`, whose message states the limit (`at most N`)."""
    assert response.status_code == 422, response.text
    problems = response.json()["detail"]
    assert [p["loc"] for p in problems] == [loc], problems
    needle = f"at most {said}" if isinstance(said, int) else said
    assert needle in problems[0]["msg"], problems


def _materials(client: httpx.Client) -> list[dict[str, Any]]:
    rows = client.get("/target-materials/")
    assert rows.status_code == 200, rows.text
    return list(rows.json())


def _create(client: httpx.Client, **sample: Any) -> httpx.Response:
    return client.post(
        "/target-materials/",
        json={"sample": {"sample_name": "n", "substrate": "Si", **sample}, "layers": []},
    )


# ---------------------------------------------------------------------------------- defaults


def test_defaults_are_the_documented_limits() -> None:
    settings = Settings()
    assert settings.max_name_length == 255
    assert settings.max_composition_length == 200
    assert settings.max_note_length == 100_000
    assert settings.max_prompt_length == 2000
    assert settings.max_layers == 500
    assert settings.max_metadata_bytes == 64 * 1024
    assert settings.max_metadata_depth == 32


def test_every_setting_is_in_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [f for f in Settings.model_fields if f"`FILMSTACK_{f.upper()}`" not in readme]
    assert missing == []


@pytest.mark.parametrize(
    ("field", "ceiling"),
    [
        ("max_name_length", 255),
        ("max_composition_length", 200),
        ("max_note_length", 100_000),
        ("max_prompt_length", 2000),
    ],
)
def test_a_value_above_its_ceiling_is_refused(
    field: str, ceiling: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert getattr(Settings(**{field: ceiling}), field) == ceiling  # type: ignore[arg-type]
    monkeypatch.setenv(f"FILMSTACK_{field.upper()}", str(ceiling + 1))
    with pytest.raises(ValidationError) as raised:
        Settings()
    message = str(raised.value)
    assert f"FILMSTACK_{field.upper()} is {ceiling + 1}" in message
    assert f"ceiling of {ceiling}" in message


def test_serve_refuses_a_value_above_its_ceiling_in_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FILMSTACK_DATA_DIR": str(tmp_path),
        "FILMSTACK_MAX_NAME_LENGTH": "300",
    }
    env.pop("FILMSTACK_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", "from filmstack.cli import main; main()", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "FILMSTACK_MAX_NAME_LENGTH is 300, above its ceiling of 255" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "filmstack.db").exists()  # refused before the database is touched


# ------------------------------------------------------------------------------------ names


@pytest.mark.parametrize("field", ["sample_name", "substrate"])
def test_material_names_follow_max_name_length(small: httpx.Client, field: str) -> None:
    over = _create(small, **{field: "x" * 9})
    _rejected(over, ["body", "sample", field], 8)
    unsaved = {"sample": {"sample_name": "n", "substrate": "Si", field: "x" * 9}}
    _rejected(small.post("/epitaxy", json=unsaved), ["body", "sample", field], 8)
    assert _materials(small) == []
    made = _create(small, **{field: "  " + "x" * 8 + "  "})  # 8 characters after trimming
    assert made.status_code == 200, made.text
    assert made.json()[field] == "x" * 8
    mid = made.json()["sample_id"]
    patched = small.patch(f"/target-materials/{mid}", json={field: "y" * 9})
    _rejected(patched, ["body", field], 8)
    assert small.get(f"/target-materials/{mid}").json()[field] == "x" * 8
    assert small.patch(f"/target-materials/{mid}", json={field: "y" * 8}).status_code == 200


def test_physical_sample_names_follow_max_name_length(small: httpx.Client) -> None:
    _rejected(small.post("/physical_samples/", json={"name": "x" * 9}), ["body", "name"], 8)
    assert small.get("/physical_samples/").json() == []
    made = small.post("/physical_samples/", json={"name": "x" * 8})
    assert made.status_code == 200, made.text
    sid = made.json()["id"]
    _rejected(small.patch(f"/physical_samples/{sid}", json={"name": "y" * 9}), ["body", "name"], 8)
    assert small.get(f"/physical_samples/{sid}").json()["name"] == "x" * 8


# ------------------------------------------------------------------------------ composition


def test_composition_follows_max_composition_length(small: httpx.Client) -> None:
    over, at = "Ba2TiO3O", "Ba2TiO3"  # 8 and 7 characters
    body = {"sample": {"sample_name": "n", "substrate": "Si"}}
    created = small.post(
        "/target-materials/", json={**body, "layers": [{"layer_id": 1, "composition_string": over}]}
    )
    _rejected(created, ["body", "layers", 0, "composition_string"], 7)
    assert _materials(small) == []
    made = small.post(
        "/target-materials/", json={**body, "layers": [{"layer_id": 1, "composition_string": at}]}
    )
    assert made.status_code == 200, made.text
    mid = made.json()["sample_id"]

    added = small.post(
        "/target-materials/layers/",
        json={"sample_id": mid, "layer_id": 2, "composition_string": over},
    )
    _rejected(added, ["body", "composition_string"], 7)
    patched = small.patch(
        "/target-materials/layers/",
        json={"sample_id": mid, "layer_id": 1, "composition_string": over},
    )
    _rejected(patched, ["body", "composition_string"], 7)
    replaced = small.post(
        f"/target-materials/{mid}/layers", json=[{"layer_id": 1, "composition_string": over}]
    )
    _rejected(replaced, ["body", 0, "composition_string"], 7)
    layers = small.get(f"/target-materials/{mid}/layers").json()
    assert [layer["composition_string"] for layer in layers] == [at]


# ------------------------------------------------------------------------------------ notes


def test_notes_follow_max_note_length(small: httpx.Client) -> None:
    _rejected(
        _create(small, detail_note_content="n" * 11), ["body", "sample", "detail_note_content"], 10
    )
    assert _materials(small) == []
    made = _create(small, detail_note_content="n" * 10)
    assert made.status_code == 200, made.text
    mid = made.json()["sample_id"]
    patched = small.patch(f"/target-materials/{mid}", json={"detail_note_content": "m" * 11})
    _rejected(patched, ["body", "detail_note_content"], 10)
    assert small.get(f"/target-materials/{mid}").json()["detail_note_content"] == ("n" * 10)

    sid = small.post("/physical_samples/", json={"name": "s"}).json()["id"]
    noted = small.patch(f"/physical_samples/{sid}", json={"detail_note_content": "m" * 11})
    _rejected(noted, ["body", "detail_note_content"], 10)
    assert small.get(f"/physical_samples/{sid}").json()["detail_notes_id"] is None
    fits = small.patch(f"/physical_samples/{sid}", json={"detail_note_content": "m" * 10})
    assert fits.status_code == 200 and fits.json()["detail_notes_id"]


# ------------------------------------------------------------------------- prompt and stack


@pytest.mark.parametrize("path", ["/target-materials/parse", "/epitaxy"])
def test_prompt_follows_max_prompt_length(small: httpx.Client, path: str) -> None:
    at = "SrTiO3(001) / BaTiO3 on LaAlO3"
    over = "SrTiO3 (001) / BaTiO3 on LaAlO3"
    assert (len(at), len(over)) == (30, 31)
    fits = small.post(path, json={"prompt": f"  {at}  "})  # 30 characters once trimmed
    assert fits.status_code == 200, fits.text
    _rejected(small.post(path, json={"prompt": over}), ["body", "prompt"], "at most 30")


def test_stack_size_follows_max_layers(small: httpx.Client) -> None:
    body = {"sample": {"sample_name": "n", "substrate": "Si"}}
    three = [{"layer_id": i} for i in (1, 2, 3)]
    _rejected(
        small.post("/target-materials/", json={**body, "layers": three}), ["body", "layers"], 2
    )
    assert _materials(small) == []
    made = small.post("/target-materials/", json={**body, "layers": three[:2]})
    assert made.status_code == 200, made.text
    mid = made.json()["sample_id"]
    added = small.post("/target-materials/layers/", json={"sample_id": mid, "layer_id": 3})
    _rejected(added, ["body", "layer_id"], 2)
    parsed = small.post("/target-materials/parse", json={"prompt": "[SrTiO3/BaTiO3]x2 on Si"})
    _rejected(parsed, ["body", "prompt"], 2)
    assert small.post("/target-materials/parse", json={"prompt": "SrTiO3/BaTiO3/Si"}).json()


# --------------------------------------------------------------------------------- metadata


def test_metadata_follows_max_metadata_bytes_and_depth(small: httpx.Client) -> None:
    loc = ["body", "sample", "sample_metadata"]
    _rejected(_create(small, sample_metadata={"k": "v" * 12}), loc, "larger than 20 bytes")
    _rejected(_create(small, sample_metadata={"a": {"b": 1}}), loc, "deeper than 2 levels")
    assert _materials(small) == []
    assert _create(small, sample_metadata={"k": "v" * 11}).status_code == 200  # 20 bytes
    assert _create(small, sample_metadata={"a": 1}).status_code == 200  # 2 levels
