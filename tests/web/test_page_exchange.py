"""The material page downloads the material as .eln and as a NOMAD archive."""

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Served, sign_in

pytestmark = pytest.mark.browser


def test_downloads_for_other_tools(page: Any, served: Served, tag: str) -> None:
    sample_id = served.create(
        f"{tag} BTO", "SrTiO3", [{"layer_id": 1, "composition_string": "BaTiO3"}]
    )
    sign_in(page, served.key, f"#/materials/{sample_id}")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download .eln").click()
    download = info.value
    assert download.suggested_filename == f"{tag}_BTO.eln"
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        metadata = json.loads(archive.read(f"{tag}_BTO/ro-crate-metadata.json"))
    assert any(node.get("name") == f"{tag} BTO" for node in metadata["@graph"])

    with page.expect_download() as info:
        page.get_by_role("button", name="Download NOMAD archive").click()
    download = info.value
    assert download.suggested_filename == f"{tag}_BTO.archive.json"
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))["data"]
    assert data["m_def"].endswith("ThinFilmStack") and data["layers"][0]["name"] == "BaTiO3"
