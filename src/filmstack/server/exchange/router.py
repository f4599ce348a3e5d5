"""HTTP for exchange: .eln and NOMAD downloads, .eln upload."""

import json
import re
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response
from starlette.datastructures import UploadFile

from filmstack.server.deps import ReadKey, SessionDep, SettingsDep, WriteKey, long_running
from filmstack.server.errors import InvalidInput
from filmstack.server.exchange import service
from filmstack.server.materials.service import get_material
from filmstack.server.routing import SlashRouter
from filmstack.server.validation import MaterialPathId

router = SlashRouter(tags=["exchange"])

ELN_TYPE = "application/vnd.eln+zip"
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such target material in your organization."}
}
ELN_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {ELN_TYPE: {}, "application/json": {}},
        "description": "The .eln archive (a zipped RO-Crate), or the NOMAD archive as JSON.",
    },
    **NOT_FOUND,
}

Format = Annotated[
    Literal["eln", "nomad"],
    Query(description="eln: an ELN Consortium .eln file; nomad: a NOMAD .archive.json."),
]


def _file_stem(name: str) -> str:
    return (re.sub(r"[^\w.-]+", "_", name).strip("._") or "filmstack")[:80]


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _ids(values: list[str] | None) -> list[int] | None:
    """ids=1&ids=2 or ids=1,2; None (every material) when not given."""
    if not values:
        return None
    out = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or int(part) < 1:
                raise InvalidInput.at(
                    ["query", "ids"], f"target material ids are whole numbers, not {part!r}", part
                )
            out.append(int(part))
    if not out:
        raise InvalidInput.at(["query", "ids"], "name at least one target material id")
    return out


@router.get("/target-materials/{target_material_id}/export", responses=ELN_RESPONSE)
@long_running
def export_material(
    target_material_id: MaterialPathId,
    request: Request,
    principal: ReadKey,
    session: SessionDep,
    format: Format = "eln",
) -> Response:
    """Extension: one material (with its physical samples) as .eln, or as a NOMAD archive."""
    material = get_material(session, principal, target_material_id)
    stem = _file_stem(material.sample_name)
    if format == "nomad":
        archive = service.export_nomad(session, principal, target_material_id)
        body = json.dumps(archive, ensure_ascii=False, indent=2).encode("utf-8")
        return _download(body, "application/json", f"{stem}.archive.json")
    data = service.export_eln(
        session,
        principal,
        [target_material_id],
        title=stem,
        publisher_url=str(request.base_url),
    )
    return _download(data, ELN_TYPE, f"{stem}.eln")


@router.get("/export", responses=ELN_RESPONSE)
@long_running
def export_many(
    request: Request,
    principal: ReadKey,
    session: SessionDep,
    format: Format = "eln",
    ids: Annotated[
        list[str] | None,
        Query(description="Target material ids (repeat it, or comma-separate); default: all."),
    ] = None,
) -> Response:
    """Extension: a selection of materials, or the whole organization, as one .eln file.

    Physical samples come along with the materials they point at; the whole organization's
    export holds every physical sample, linked or not.
    """
    if format == "nomad":
        raise InvalidInput.at(
            ["query", "format"],
            "a NOMAD archive holds one material: use "
            "GET /target-materials/{id}/export?format=nomad for each",
            format,
        )
    chosen = _ids(ids)
    stem = "filmstack-export" if chosen is None else f"filmstack-{len(chosen)}-materials"
    data = service.export_eln(
        session, principal, chosen, title=stem, publisher_url=str(request.base_url)
    )
    return _download(data, ELN_TYPE, f"{stem}.eln")


async def eln_upload(request: Request) -> bytes:
    """The .eln itself as the body, or as the one file of a multipart form."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=10) as form:
            files = [v for v in form.values() if isinstance(v, UploadFile)]
            if not files:
                raise InvalidInput.at(["body", "file"], "the form holds no file: attach the .eln")
            return await files[0].read()
    return await request.body()


@router.post(
    "/import",
    responses={
        413: {"description": "The file, or what it unpacks to, is too large."},
        422: {"description": "Not a .eln, unsafe, or a record in it is invalid."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                ELN_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    },
)
@long_running
def import_eln(
    data: Annotated[bytes, Depends(eln_upload)],
    principal: WriteKey,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Extension: create the target materials and physical samples of a .eln, all or none.

    Records filmstack wrote come back whole (stack, metadata, notes, dates, sample links), owned
    by the caller; other ELNs' datasets are listed under `skipped`.
    """
    return service.import_eln(session, principal, data, settings)
