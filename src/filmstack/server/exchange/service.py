"""Exchange with other tools: .eln export and import, NOMAD archives. Flushes, never commits."""

from datetime import datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from filmstack.epitaxy import LatticeIndex
from filmstack.schemas import MaterialCreate, PhysicalSampleCreate
from filmstack.server.accounts.service import Principal
from filmstack.server.config import Settings
from filmstack.server.epitaxy import service as epitaxy
from filmstack.server.errors import InvalidInput
from filmstack.server.exchange import eln, nomad
from filmstack.server.materials import serialize
from filmstack.server.materials import service as materials
from filmstack.server.materials.models import TargetMaterial
from filmstack.server.samples import service as samples
from filmstack.server.validation import check_lengths
from filmstack.server.web.svg import render_stack

_MATERIALS = cast(Table, TargetMaterial.__table__)

LAYER_KEYS = ("layer_id", "composition_string", "element_dict", "orientation", "mp_id")


# ------------------------------------------------------------------------------ records


def material_record(detail: dict[str, Any]) -> dict[str, Any]:
    """A material as the .eln carries it: a create body plus what a create cannot set."""
    layers = []
    for layer in detail["layers"]:
        body = {key: layer[key] for key in LAYER_KEYS if layer.get(key) is not None}
        # As typed, so that the import reads it the way the first create did.
        group = layer.get("space_group_input") or layer.get("space_group")
        if group is not None:
            body["space_group"] = group
        if layer.get("thickness_nm") is not None:
            body["thickness_nm"] = layer["thickness_nm"]
        layers.append(body)
    return {
        "format": eln.RECORD_FORMAT,
        "id": detail["sample_id"],
        "sample": {
            "sample_name": detail["sample_name"],
            "substrate": detail["substrate"],
            "sample_metadata": detail["sample_metadata"],
        },
        "layers": layers,
        "detail_note_content": detail["detail_note_content"],
        "created_at": detail["created_at"],
        "last_updated": detail["last_updated"],
        "user_id": detail["user_id"],
        "user_name": detail["user_name"],
        "version": detail["version"],
    }


def sample_record(row: dict[str, Any]) -> dict[str, Any]:
    note = row.get("detail_notes")
    return {
        "format": eln.RECORD_FORMAT,
        "id": row["id"],
        "name": row["name"],
        "target_material_id": row["sample_id"],
        "physical_sample_metadata": row["physical_sample_metadata"],
        "detail_note_content": note["content"] if note else None,
        "created_datetime": row["created_datetime"],
        "last_updated": row["last_updated"],
        "user_id": row["user_id"],
        "user_name": row["owner_name"],
        "version": row["version"],
    }


def _details(session: Session, principal: Principal, ids: list[int] | None) -> list[dict[str, Any]]:
    if ids is None:
        found = list(
            session.scalars(
                select(TargetMaterial)
                .where(
                    TargetMaterial.organization_id == principal.organization_id,
                    TargetMaterial.deleted_at.is_(None),
                )
                .order_by(TargetMaterial.id)
            )
        )
    else:
        found = [materials.get_material(session, principal, i) for i in dict.fromkeys(ids)]
    return [serialize.read_detail(session, material) for material in found]


def build_export(
    session: Session,
    principal: Principal,
    ids: list[int] | None,
    *,
    title: str,
    publisher_url: str,
) -> eln.Export:
    """The given materials (every one of the organization for None) and the samples of them."""
    details = _details(session, principal, ids)
    index = epitaxy.organization_index(session, principal.organization_id)
    chosen = {d["sample_id"] for d in details}
    rows = samples.list_samples(session, principal)
    if ids is not None:
        rows = [row for row in rows if row["sample_id"] in chosen]
    return eln.Export(
        title=title,
        publisher_url=publisher_url,
        materials=[material_record(d) for d in details],
        samples=[sample_record(row) for row in rows],
        drawings={d["sample_id"]: _drawing(d, index) for d in details},
    )


def _drawing(detail: dict[str, Any], index: LatticeIndex | None) -> str:
    """The stack drawing of an exported material, its interfaces marked as on the page."""
    orientation = detail.get("substrate_orientation")
    return render_stack(
        detail["layers"],
        detail["substrate"],
        title=detail["sample_name"],
        substrate_orientation=orientation,
        interfaces=epitaxy.stored_interfaces(
            detail["substrate"], orientation, detail["layers"], index
        ),
    )


def export_eln(session: Session, principal: Principal, ids: list[int] | None, **kw: str) -> bytes:
    return eln.build_eln(build_export(session, principal, ids, **kw), root=kw["title"])


def export_nomad(session: Session, principal: Principal, material_id: int) -> dict[str, Any]:
    material = materials.get_material(session, principal, material_id)
    return nomad.nomad_archive(serialize.read_detail(session, material))


# ------------------------------------------------------------------------------- import


def _problems(exc: ValidationError, loc: list[str | int]) -> InvalidInput:
    return InvalidInput(
        [
            {
                "type": err["type"],
                "loc": [*loc, *err["loc"]],
                "msg": err["msg"],
                "input": err.get("input") if isinstance(err.get("input"), str | int) else None,
            }
            for err in exc.errors(include_url=False)
        ]
    )


def _within(exc: InvalidInput, loc: list[str | int]) -> InvalidInput:
    """A create's problems, located in the file instead of a request body."""
    return InvalidInput(
        [{**p, "loc": [*loc, *[part for part in p["loc"] if part != "body"]]} for p in exc.detail]
    )


def _timestamp(value: Any, loc: list[str | int]) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput.at(loc, "must be an ISO 8601 timestamp", value)
    try:
        ts = datetime.fromisoformat(value.removesuffix("Z"))
    except ValueError:
        raise InvalidInput.at(loc, "must be an ISO 8601 timestamp", value) from None
    return ts.replace(tzinfo=None)


def import_eln(
    session: Session, principal: Principal, data: bytes, settings: Settings
) -> dict[str, Any]:
    """Create every material and sample of a .eln: all of it, or (on any problem) none of it."""
    found = eln.read_eln(data)
    created: dict[int, int] = {}
    out_materials = []
    for dataset_id, record in found.materials:
        loc: list[str | int] = ["body", "file", dataset_id]
        try:
            note = record.get("detail_note_content")
            sample = record.get("sample")
            if isinstance(sample, dict) and isinstance(note, str):
                sample = {**sample, "detail_note_content": note}
            body = MaterialCreate.model_validate(
                {"sample": sample, "layers": record.get("layers", [])}
            )
        except ValidationError as exc:
            raise _problems(exc, loc) from None
        try:
            material = materials.create_material(session, principal, body, settings)
        except InvalidInput as exc:
            raise _within(exc, loc) from None
        # The file's own timestamps, when it has them (create_material wrote the row: a Core
        # write, so they are set with one too).
        stamps = {
            name: value
            for name in ("created_at", "last_updated")
            if (value := _timestamp(record.get(name), [*loc, name])) is not None
        }
        if stamps:
            session.execute(
                update(_MATERIALS).where(_MATERIALS.c.id == material.id).values(**stamps)
            )
        if isinstance(record.get("id"), int):
            created[record["id"]] = material.id
        out_materials.append({"dataset": dataset_id, "sample_id": material.id})
    out_samples = []
    for dataset_id, record in found.samples:
        loc = ["body", "file", dataset_id]
        target = record.get("target_material_id")
        try:
            sample_body = PhysicalSampleCreate.model_validate(
                {
                    "name": record.get("name"),
                    "sample_id": created.get(target) if isinstance(target, int) else None,
                    "physical_sample_metadata": record.get("physical_sample_metadata"),
                }
            )
        except ValidationError as exc:
            raise _problems(exc, loc) from None
        try:
            sample = samples.create_sample(session, principal, sample_body, settings)
        except InvalidInput as exc:
            raise _within(exc, loc) from None
        note = record.get("detail_note_content")
        if isinstance(note, str):
            check_lengths([([*loc, "detail_note_content"], note, settings.max_note_length)])
            sample.detail_note_id = materials.set_detail_note(
                session, sample.organization_id, None, note
            )
        sample.created_datetime = _timestamp(
            record.get("created_datetime"), [*loc, "created_datetime"]
        ) or (sample.created_datetime)
        sample.last_updated = _timestamp(record.get("last_updated"), [*loc, "last_updated"]) or (
            sample.last_updated
        )
        entry = {"dataset": dataset_id, "id": sample.id, "sample_id": sample.target_material_id}
        if target is not None and sample_body.sample_id is None:
            entry["note"] = "its target material is not in this file: imported unlinked"
        out_samples.append(entry)
    session.flush()
    return {
        "target_materials": out_materials,
        "physical_samples": out_samples,
        "skipped": found.skipped,
    }
