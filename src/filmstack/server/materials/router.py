"""HTTP for target materials and layers: typed input in, one service call, JSON out."""

from typing import Annotated, Any

from fastapi import Body, Query, Request, Response
from fastapi.responses import StreamingResponse

from filmstack.chemistry import ChemistryError, parse_stack
from filmstack.schemas import (
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
)
from filmstack.server.deps import (
    DeleteKey,
    ReadKey,
    SessionDep,
    SettingsDep,
    WriteKey,
    get_database,
)
from filmstack.server.errors import InvalidInput
from filmstack.server.materials import listing, service
from filmstack.server.routing import SlashRouter
from filmstack.server.validation import LayerPathId, MaterialPathId

router = SlashRouter(prefix="/target-materials", tags=["target materials"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such target material in your organization."}
}

STACK_EXAMPLE = [
    {"layer_id": 1, "composition_string": "SrTiO3", "orientation": "(001)", "thickness_nm": 20},
    {"layer_id": 2, "composition_string": "BaTiO3", "orientation": "(001)", "space_group": "P4mm"},
]


# Literal paths first: /layers and /parse must not be read as a material id.


@router.post(
    "/layers/",
    response_model=Layer,
    responses={409: {"description": "Position taken."}, **NOT_FOUND},
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
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Add one layer at a free position."""
    return service.layer_out(service.add_layer(session, principal, body, settings))


@router.patch("/layers/", response_model=Layer, responses=NOT_FOUND)
def update_layer(
    body: Annotated[
        LayerUpdate,
        Body(
            examples=[{"sample_id": 1, "layer_id": 1, "orientation": "(111)", "thickness_nm": 12.5}]
        ),
    ],
    principal: WriteKey,
    session: SessionDep,
) -> dict[str, Any]:
    """Change fields of the layer that sample_id and layer_id name."""
    return service.layer_out(service.update_layer(session, principal, body))


@router.post("/parse", response_model=ParseResult, response_model_exclude_none=False)
def parse(body: ParseRequest, principal: ReadKey) -> dict[str, Any]:
    """Read a free-text stack ("10 nm BaTiO3 (001) / SrTiO3 on Si"); stores nothing."""
    try:
        return parse_stack(body.prompt).as_dict()
    except ChemistryError as err:
        raise InvalidInput.at(["body", "prompt"], str(err), body.prompt) from None


@router.post("/", response_model=Material)
def create_material(
    body: MaterialCreate, principal: WriteKey, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Create a target material with its stack; any bad layer writes nothing."""
    return service.material_out(service.create_material(session, principal, body, settings))


@router.get(
    "/",
    response_model=list[MaterialRow],
    responses={200: {"headers": {"X-Next-Cursor": {"description": "Cursor of the next page."}}}},
)
def list_materials(
    request: Request,
    principal: ReadKey,
    session: SessionDep,
    substrate: Annotated[str | None, Query(max_length=255, description="Exact substrate.")] = None,
    name: Annotated[
        str | None, Query(max_length=255, description="Substring of sample_name, any case.")
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
    body, next_cursor = listing.page(session, filters, limit or 100, cursor)
    headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
    return Response(body, media_type="application/json", headers=headers)


@router.get("/{target_material_id}", response_model=MaterialDetail, responses=NOT_FOUND)
def get_material(
    target_material_id: MaterialPathId, principal: ReadKey, session: SessionDep
) -> dict[str, Any]:
    """Extension: one material with its layers nested."""
    material = service.get_material(session, principal, target_material_id)
    return service.material_detail(session, material)


@router.patch("/{target_material_id}", response_model=Material, responses=NOT_FOUND)
def update_material(
    target_material_id: MaterialPathId,
    body: MaterialUpdate,
    principal: WriteKey,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Change name, substrate, metadata (replaced whole) or the detail note; layers untouched."""
    material = service.get_material(session, principal, target_material_id, for_update=True)
    return service.material_out(service.update_material(session, material, body, settings))


@router.delete("/{target_material_id}", status_code=204, responses=NOT_FOUND)
def delete_material(
    target_material_id: MaterialPathId, principal: DeleteKey, session: SessionDep
) -> Response:
    """Extension: delete the material and its layers; linked physical samples lose the link."""
    material = service.get_material(session, principal, target_material_id, for_update=True)
    service.delete_material(session, material)
    return Response(status_code=204)


@router.get("/{target_material_id}/layers", response_model=list[Layer], responses=NOT_FOUND)
def list_layers(
    target_material_id: MaterialPathId, principal: ReadKey, session: SessionDep
) -> list[dict[str, Any]]:
    """Extension: the layers, ordered by position."""
    material = service.get_material(session, principal, target_material_id)
    return [service.layer_out(layer) for layer in service.load_layers(session, material.id)]


@router.post("/{target_material_id}/layers", responses=NOT_FOUND)
def replace_stack(
    target_material_id: MaterialPathId,
    body: Annotated[list[LayerIn], Body(examples=[STACK_EXAMPLE])],
    principal: WriteKey,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """The array becomes the whole stack (an empty array clears it), all or nothing."""
    material = service.get_material(session, principal, target_material_id, for_update=True)
    service.replace_stack(session, material, body, settings)
    return {}


@router.delete("/{target_material_id}/layers/{layer_id}", status_code=204, responses=NOT_FOUND)
def delete_layer(
    target_material_id: MaterialPathId,
    layer_id: LayerPathId,
    principal: DeleteKey,
    session: SessionDep,
) -> Response:
    """Extension: remove one position; the others keep theirs."""
    material = service.get_material(session, principal, target_material_id, for_update=True)
    service.delete_layer(session, material, layer_id)
    return Response(status_code=204)
