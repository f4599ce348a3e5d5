"""HTTP for epitaxy: the report of a stored or unsaved stack, and the organization's lattices."""

from typing import Annotated, Any

from fastapi import Body, Path, Response

from filmstack.schemas_epitaxy import EpitaxyReport, EpitaxyRequest, LatticeRowIn, LatticeRowOut
from filmstack.server.deps import (
    DeleteKey,
    MaterialDep,
    ReadKey,
    SessionDep,
    SettingsDep,
    WriteKey,
)
from filmstack.server.epitaxy import service
from filmstack.server.routing import SlashRouter

router = SlashRouter(tags=["epitaxy"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such row."}}
BUILT_IN: dict[int | str, dict[str, Any]] = {
    409: {"description": "A built-in row: it cannot be changed, only overridden."}
}
# One path template for the three calls on /lattices/{lattice}, so that the resource the OpenAPI
# document describes is the one the server answers for (and its Allow header lists all three).
RowId = Annotated[
    str, Path(max_length=300, description='An organization row\'s id, or "builtin:…".')
]
Formula = Annotated[
    str, Path(max_length=300, description="A formula or an alias (STO, sapphire, …).")
]


@router.get(
    "/target-materials/{target_material_id}/epitaxy",
    response_model=EpitaxyReport,
    response_model_exclude_unset=True,
    responses={404: {"description": "No such target material in your organization."}},
)
def material_epitaxy(
    material: MaterialDep, principal: ReadKey, session: SessionDep
) -> dict[str, Any]:
    """Extension: mismatch, strain and critical thickness of every interface, bottom up."""
    return service.material_report(session, principal, material)


@router.post("/epitaxy", response_model=EpitaxyReport, response_model_exclude_unset=True)
def stack_epitaxy(
    body: Annotated[
        EpitaxyRequest,
        Body(
            examples=[
                {"prompt": "BaTiO3 (001) 50 nm / SrTiO3 (001)"},
                {
                    "sample": {
                        "sample_name": "BTO on STO",
                        "substrate": "SrTiO3",
                        "substrate_orientation": "(001)",
                    },
                    "layers": [{"layer_id": 1, "composition_string": "BaTiO3", "thickness_nm": 50}],
                },
            ]
        ),
    ],
    principal: ReadKey,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Extension: the same report for a stack sent in the body, stored nowhere."""
    return service.unsaved_report(session, principal, body.model_dump(exclude_unset=True), settings)


@router.get("/lattices/", response_model=list[LatticeRowOut])
def list_lattices(principal: ReadKey, session: SessionDep) -> list[Any]:
    """Extension: the lattice table as this organization sees it: its rows, then the built-in."""
    return service.list_lattices(session, principal)


@router.get("/lattices/{lattice}", response_model=list[LatticeRowOut], responses=NOT_FOUND)
def lattices_of(lattice: Formula, principal: ReadKey, session: SessionDep) -> list[Any]:
    """Extension: the rows of one formula (aliases and reduced formulas match), own rows first."""
    return service.list_lattices(session, principal, lattice)


@router.post("/lattices/", response_model=LatticeRowOut, status_code=201)
def create_lattice(body: LatticeRowIn, principal: WriteKey, session: SessionDep) -> dict[str, Any]:
    """Extension: add an organization row; it overrides built-in rows of the same material."""
    return service.create_lattice(session, principal, body)


@router.patch(
    "/lattices/{lattice}", response_model=LatticeRowOut, responses={**NOT_FOUND, **BUILT_IN}
)
def update_lattice(
    lattice: RowId, body: LatticeRowIn, principal: WriteKey, session: SessionDep
) -> dict[str, Any]:
    """Extension: change fields of an organization row (`lattice` is its id)."""
    return service.update_lattice(session, principal, lattice, body)


@router.delete("/lattices/{lattice}", status_code=204, responses={**NOT_FOUND, **BUILT_IN})
def delete_lattice(lattice: RowId, principal: DeleteKey, session: SessionDep) -> Response:
    """Extension: remove an organization row (`lattice` is its id); the built-in one, if any,
    applies again."""
    service.delete_lattice(session, principal, lattice)
    return Response(status_code=204)
