"""HTTP for the trash: list, restore, purge."""

from typing import Annotated, Any

from fastapi import Query, Request, Response

from filmstack.schemas import Material, TrashedMaterial
from filmstack.server.deps import (
    DeleteKey,
    PurgeableMaterialDep,
    ReadKey,
    SessionDep,
    SettingsDep,
    TrashedMaterialDep,
    WriteKey,
    etag,
    get_database,
)
from filmstack.server.maintenance import purge_expired_when_due
from filmstack.server.materials import trash
from filmstack.server.materials.serialize import material_out
from filmstack.server.routing import SlashRouter

router = SlashRouter(prefix="/trash", tags=["trash"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such target material in your organization's trash."}
}


@router.get(
    "/",
    response_model=list[TrashedMaterial],
    responses={200: {"headers": {"X-Next-Cursor": {"description": "Cursor of the next page."}}}},
)
def list_trash(
    request: Request,
    principal: ReadKey,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Materials per page.")] = None,
    cursor: Annotated[str | None, Query(max_length=300, description="From X-Next-Cursor.")] = None,
) -> list[dict[str, Any]]:
    """Extension: the organization's deleted materials, newest deletion first."""
    purge_expired_when_due(request.app.state, get_database(request), settings)
    rows, next_cursor = trash.list_trash(
        session, principal, limit, cursor, keep_days=settings.trash_days
    )
    if next_cursor:
        response.headers["X-Next-Cursor"] = next_cursor
    return rows


@router.post(
    "/{target_material_id}/restore",
    response_model=Material,
    responses={**NOT_FOUND, 412: {"description": "If-Match is not current."}},
)
def restore_material(
    material: TrashedMaterialDep, principal: WriteKey, session: SessionDep, response: Response
) -> dict[str, Any]:
    """Extension: bring it back with the same id, layers, note, history and links."""
    trash.restore_material(session, principal, material)
    response.headers["ETag"] = etag(material)
    return material_out(material)


@router.delete("/{target_material_id}", status_code=204, responses=NOT_FOUND)
def purge_material(
    material: PurgeableMaterialDep, principal: DeleteKey, session: SessionDep
) -> Response:
    """Extension: delete it, its layers, note and history for good; its id is never reused."""
    trash.purge_material(session, material)
    return Response(status_code=204)
