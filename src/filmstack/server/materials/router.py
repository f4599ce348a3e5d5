"""HTTP for target materials and layers: typed input in, one service call, JSON out."""

from typing import Annotated, Any

import orjson
from fastapi import Body, Query, Request, Response
from fastapi.responses import StreamingResponse

from filmstack.schemas import (
    HistoryEntry,
    Layer,
    LayerCreate,
    LayerIn,
    LayerUpdate,
    Material,
    MaterialCreate,
    MaterialDetail,
    MaterialRow,
    MaterialUpdate,
    ParseRequest,
    ParseResult,
    RevertRequest,
)
from filmstack.server.deps import (
    DeletableMaterialDep,
    DeleteKey,
    IfMatch,
    MaterialDep,
    ReadKey,
    SessionDep,
    SettingsDep,
    WritableMaterialDep,
    WriteKey,
    etag,
    etag_of,
    get_database,
    lock_material,
)
from filmstack.server.epitaxy.service import parsed_stack
from filmstack.server.errors import NotFound
from filmstack.server.idempotency import IdempotencyDep
from filmstack.server.materials import history, listing, service, trash
from filmstack.server.materials.layers import stack_rows
from filmstack.server.materials.models import TargetMaterial
from filmstack.server.materials.serialize import (
    layer_out,
    material_out,
    read_layers,
    read_one,
)
from filmstack.server.routing import SlashRouter
from filmstack.server.validation import LayerPathId, MaterialPathId, RevisionPathId

router = SlashRouter(prefix="/target-materials", tags=["target materials"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such target material in your organization."}
}
ETAG: dict[str, Any] = {"ETag": {"description": 'The material\'s revision: "<id>-<revision>".'}}
WRITE: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    200: {"headers": ETAG},
    412: {"description": "If-Match names a revision that is no longer current."},
}
IDEMPOTENT: dict[int | str, dict[str, Any]] = {
    409: {"description": "A request with this Idempotency-Key is still running."},
}
PAGED = {"X-Next-Cursor": {"description": "Cursor of the next page; absent on the last."}}


def tagged(material: TargetMaterial, response: Response) -> TargetMaterial:
    """Put the material's ETag on the response."""
    response.headers["ETag"] = etag(material)
    return material


STACK_EXAMPLE = [
    {"layer_id": 1, "composition_string": "SrTiO3", "orientation": "(001)", "thickness_nm": 20},
    {"layer_id": 2, "composition_string": "BaTiO3", "orientation": "(001)", "space_group": "P4mm"},
]


# Literal paths first: /layers and /parse must not be read as a material id.


@router.post(
    "/layers/",
    response_model=Layer,
    responses={409: {"description": "Position taken, or the Idempotency-Key is running."}, **WRITE},
)
def add_layer(
    body: Annotated[
        LayerCreate,
        Body(
            examples=[
                {
                    "sample_id": 1,
                    "layer_id": 3,
                    "composition_string": "SrRuO3",
                    "orientation": "001",
                }
            ]
        ),
    ],
    principal: WriteKey,
    idem: IdempotencyDep,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """Add one layer at a free position."""
    columns = service.new_layer_columns(body, settings)  # chemistry before any lock
    if (stored := idem.start(session)) is not None:
        return stored
    material = lock_material(session, principal, body.sample_id, if_match)
    layer = service.add_layer(session, principal, material, body, columns, settings)
    return idem.respond(session, layer_out(layer), headers={"ETag": etag(material)})


@router.patch("/layers/", response_model=Layer, responses=WRITE)
def update_layer(
    body: Annotated[
        LayerUpdate,
        Body(
            examples=[{"sample_id": 1, "layer_id": 1, "orientation": "(111)", "thickness_nm": 12.5}]
        ),
    ],
    principal: WriteKey,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Change fields of the layer that sample_id and layer_id name."""
    material = lock_material(session, principal, body.sample_id, if_match)
    layer = service.update_layer(session, principal, material, body, settings)
    tagged(material, response)
    return layer_out(layer)


@router.post("/parse", response_model=ParseResult, response_model_exclude_unset=True)
def parse(body: ParseRequest, principal: ReadKey, settings: SettingsDep) -> dict[str, Any]:
    """Read a free-text stack ("10 nm BaTiO3 (001) / SrTiO3 on Si"); stores nothing."""
    return parsed_stack(body.prompt, settings)


@router.post("/", response_model=Material, responses={200: {"headers": ETAG}, **IDEMPOTENT})
def create_material(
    body: MaterialCreate,
    principal: WriteKey,
    idem: IdempotencyDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Create a target material with its stack (and, as an extension, its detail note);
    any bad layer writes nothing."""
    if (stored := idem.start(session)) is not None:
        return stored
    material = service.create_material(session, principal, body, settings)
    return idem.respond(session, material_out(material), headers={"ETag": etag(material)})


@router.get("/", response_model=list[MaterialRow], responses={200: {"headers": PAGED}})
def list_materials(
    request: Request,
    principal: ReadKey,
    session: SessionDep,
    settings: SettingsDep,
    substrate: Annotated[str | None, Query(max_length=255, description="Exact substrate.")] = None,
    name: Annotated[
        str | None,
        Query(max_length=255, description="Substring of sample_name, any case and accents."),
    ] = None,
    element: Annotated[
        list[str] | None,
        Query(description="Repeatable: materials whose stack contains every element named."),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Materials per page.")] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="From X-Next-Cursor.")] = None,
) -> Response:
    """One row per layer, ordered by sample_id, then layer_id; without limit, all of it streams."""
    filters = listing.Filters(
        organization_id=principal.organization_id,
        substrate=substrate,
        name=name,
        elements=listing.parse_elements(element or []),
    )
    if limit is None and cursor is None:
        return StreamingResponse(
            listing.stream_all(get_database(request), filters), media_type="application/json"
        )
    body, next_cursor = listing.page(session, filters, limit or 100, cursor, settings.max_page_rows)
    headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/{target_material_id}",
    response_model=MaterialDetail,
    responses={**NOT_FOUND, 200: {"headers": ETAG}},
)
def get_material(
    target_material_id: MaterialPathId, principal: ReadKey, session: SessionDep
) -> Response:
    """Extension: one material with its layers nested, and its revision."""
    # One statement for the material and its layers (the most frequent read of all), written
    # as it was read: what the stored columns hold is what MaterialDetail writes (a test
    # checks it), and validating it again cost a tenth of the request.
    detail = read_one(session, principal.organization_id, target_material_id)
    if detail is None:
        raise NotFound(f"Target material {target_material_id} not found")
    headers = {"ETag": etag_of(detail["sample_id"], detail["revision"])}
    return Response(orjson.dumps(detail), media_type="application/json", headers=headers)


@router.patch("/{target_material_id}", response_model=Material, responses=WRITE)
def update_material(
    target_material_id: MaterialPathId,
    body: MaterialUpdate,
    principal: WriteKey,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Change name, substrate, metadata (replaced whole) or the detail note; layers untouched."""
    changes = service.material_changes(target_material_id, body, settings)  # before the lock
    material = lock_material(session, principal, target_material_id, if_match)
    service.update_material(session, principal, material, changes)
    return material_out(tagged(material, response))


@router.delete(
    "/{target_material_id}",
    status_code=204,
    responses={**WRITE, 204: {"description": "Moved to the trash."}},
)
def delete_material(
    material: DeletableMaterialDep, principal: DeleteKey, session: SessionDep
) -> Response:
    """Extension: move the material to the trash (GET /trash/); POST /trash/{id}/restore
    brings it back as it was."""
    trash.delete_material(session, principal, material)
    return Response(status_code=204)


@router.get("/{target_material_id}/layers", response_model=list[Layer], responses=NOT_FOUND)
def list_layers(material: MaterialDep, session: SessionDep) -> list[dict[str, Any]]:
    """Extension: the layers, ordered by position."""
    return read_layers(session, material.id)


@router.post("/{target_material_id}/layers", responses={**WRITE, **IDEMPOTENT})
def replace_stack(
    target_material_id: MaterialPathId,
    body: Annotated[list[LayerIn], Body(examples=[STACK_EXAMPLE])],
    principal: WriteKey,
    idem: IdempotencyDep,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """The array becomes the whole stack (an empty array clears it), all or nothing."""
    rows = stack_rows(body, ["body"], settings)  # chemistry before any lock
    if (stored := idem.start(session)) is not None:
        return stored
    material = lock_material(session, principal, target_material_id, if_match)
    service.replace_stack(session, principal, material, rows)
    return idem.respond(session, {}, headers={"ETag": etag(material)})


@router.delete("/{target_material_id}/layers/{layer_id}", status_code=204, responses=WRITE)
def delete_layer(
    material: DeletableMaterialDep,
    layer_id: LayerPathId,
    principal: DeleteKey,
    session: SessionDep,
) -> Response:
    """Extension: remove one position; the others keep theirs."""
    service.delete_layer(session, principal, material, layer_id)
    return Response(status_code=204, headers={"ETag": etag(material)})


# ------------------------------------------------------------------------------ history


@router.get(
    "/{target_material_id}/history",
    response_model=list[HistoryEntry],
    responses={**NOT_FOUND, 200: {"headers": PAGED}},
)
def list_history(
    material: MaterialDep,
    session: SessionDep,
    response: Response,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Entries per page.")] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="From X-Next-Cursor.")] = None,
) -> list[dict[str, Any]]:
    """Extension: every change of the material, newest first, with field-level before/after."""
    entries, next_cursor = history.page(session, material, limit, cursor)
    if next_cursor:
        response.headers["X-Next-Cursor"] = next_cursor
    return entries


@router.get(
    "/{target_material_id}/history/{revision}",
    response_model=MaterialDetail,
    responses=NOT_FOUND,
)
def get_revision(
    material: MaterialDep, revision: RevisionPathId, session: SessionDep
) -> dict[str, Any]:
    """Extension: the material exactly as GET one showed it at that revision."""
    return history.get_snapshot(session, material, revision)


@router.post("/{target_material_id}/revert", response_model=Material, responses=WRITE)
def revert_material(
    material: WritableMaterialDep,
    body: RevertRequest,
    principal: WriteKey,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> dict[str, Any]:
    """Extension: a new revision whose fields, stack and note equal those of `revision`."""
    service.revert_material(session, principal, material, body.revision, settings)
    return material_out(tagged(material, response))
