"""`materials export --format eln|nomad` and `materials import x.eln`: files for other tools.

The server builds and reads the files (GET /export, GET /target-materials/{id}/export,
POST /import); the CLI moves the bytes and reports in its own words.
"""

import json
import sys
from pathlib import Path
from typing import Any

from filmstack.cli.settings import err, fail

FORMATS = ("eln", "nomad")


def detect(path: Path, given: str | None) -> str | None:
    """eln or nomad when the option or the file name says so; None for the table formats."""
    if given is not None:
        return given if given in FORMATS else None
    name = path.name.lower()
    if name.endswith(".eln"):
        return "eln"
    if name.endswith(".archive.json"):
        return "nomad"
    return None


def export(client: Any, file: str, fmt: str, ids: list[int] | None) -> None:
    if fmt == "nomad":
        if not ids or len(ids) != 1:
            raise fail("--format nomad writes one material: give its id with --id", 2)
        data = client.export_target_material(ids[0], format="nomad")
        what = f"target material {ids[0]} as a NOMAD archive"
    else:
        data = client.export_eln(ids)
        what = "the whole organization" if ids is None else f"{len(ids)} target material(s)"
        what += " as .eln"
    if file == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        path = Path(file)
        partial = path.with_name(path.name + ".partial")
        try:
            partial.write_bytes(data)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    err().print(f"exported {what} ({len(data)} bytes)")


def import_eln(client: Any, file: Path) -> None:
    answer = client.import_eln(file)
    materials, samples = answer["target_materials"], answer["physical_samples"]
    err().print(
        f"{file.name}: {len(materials)} target material(s) and {len(samples)} physical "
        f"sample(s) created"
    )
    for item in samples:
        if item.get("note"):
            err().print(f"  sample {item['id']}: {item['note']}")
    for skipped in answer.get("skipped", []):
        err().print(f"  skipped {skipped['dataset']}: {skipped['reason']}")
    print(json.dumps([m["sample_id"] for m in materials]))
