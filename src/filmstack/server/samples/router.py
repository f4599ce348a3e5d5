"""HTTP for physical samples."""

from typing import Annotated, Any

from fastapi import Query, Response

from filmstack.schemas import (
    PhysicalSample,
    PhysicalSampleCreate,
    PhysicalSampleRow,
    PhysicalSampleUpdate,
    TargetMaterialLink,
)
from filmstack.server.deps import ReadKey, SessionDep, SettingsDep, WriteKey
from filmstack.server.idempotency import IdempotencyDep
from filmstack.server.routing import SlashRouter
from filmstack.server.samples import service

router = SlashRouter(prefix="/physical_samples", tags=["physical samples"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such physical sample (or target material) in your organization."},
    409: {"description": "A request with this Idempotency-Key is still running."},
}


@router.post("/", response_model=PhysicalSample, responses=NOT_FOUND)
def create_sample(
    body: PhysicalSampleCreate,
    principal: WriteKey,
    idem: IdempotencyDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Record a grown sample, optionally linked to the target material it realises."""
    if (stored := idem.start(session)) is not None:
        return stored
    sample = service.create_sample(session, principal, body, settings)
    return idem.respond(session, service.shown(session, sample))


@router.get("/", response_model=list[PhysicalSampleRow])
def list_samples(
    principal: ReadKey,
    session: SessionDep,
    sample_id: Annotated[
        int | None,
        Query(ge=1, description="Extension: only the samples linked to this target material."),
    ] = None,
) -> list[dict[str, Any]]:
    """Every physical sample of the organization, with owner, note and linked material."""
    return service.list_samples(session, principal, target_material_id=sample_id)


@router.get("/{physical_sample_id}", response_model=PhysicalSample, responses=NOT_FOUND)
def get_sample(physical_sample_id: str, principal: ReadKey, session: SessionDep) -> dict[str, Any]:
    return service.read_sample(session, principal, physical_sample_id)


@router.patch("/{physical_sample_id}", response_model=PhysicalSample, responses=NOT_FOUND)
def update_sample(
    physical_sample_id: str,
    body: PhysicalSampleUpdate,
    principal: WriteKey,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    sample = service.get_sample(session, principal, physical_sample_id, for_update=True)
    return service.shown(session, service.update_sample(session, principal, sample, body, settings))


@router.patch(
    "/{physical_sample_id}/target_material", response_model=PhysicalSample, responses=NOT_FOUND
)
def link_target_material(
    physical_sample_id: str, body: TargetMaterialLink, principal: WriteKey, session: SessionDep
) -> dict[str, Any]:
    """Point the sample at a target material, or unlink it with null."""
    sample = service.get_sample(session, principal, physical_sample_id, for_update=True)
    return service.shown(
        session, service.link_sample(session, principal, sample, body.target_material_id)
    )
