"""HTTP for API keys of the caller's organization (admin scope)."""

from typing import Any

from fastapi import Response

from filmstack.schemas import ApiKeyCreate, ApiKeyInfo, NewApiKey
from filmstack.server.accounts import service
from filmstack.server.accounts.models import ApiKey
from filmstack.server.deps import AdminKey, SessionDep
from filmstack.server.materials.serialize import iso
from filmstack.server.routing import SlashRouter
from filmstack.server.validation import KeyPathId

router = SlashRouter(prefix="/api-keys", tags=["api keys"])


def key_out(key: ApiKey, organization: str, user: str) -> dict[str, Any]:
    return {
        "id": key.id,
        "prefix": key.prefix,
        "organization": organization,
        "user": user,
        "scopes": key.scopes.split(","),
        "created_at": iso(key.created_at),
        "revoked_at": iso(key.revoked_at) if key.revoked_at else None,
    }


@router.get("/", response_model=list[ApiKeyInfo])
def list_keys(principal: AdminKey, session: SessionDep) -> list[dict[str, Any]]:
    """Extension: the organization's keys (never the keys themselves)."""
    keys = service.list_keys(session, principal.organization_name)
    return [key_out(k, principal.organization_name, k.user.name) for k in keys]


@router.post("/", response_model=NewApiKey)
def create_key(body: ApiKeyCreate, principal: AdminKey, session: SessionDep) -> dict[str, Any]:
    """Extension: a new key for a user of the caller's organization, shown only in this answer."""
    key, row = service.create_key(session, principal.organization_name, body.user, body.scopes)
    return {**key_out(row, principal.organization_name, body.user), "key": key}


@router.delete("/{key_id}", status_code=204)
def revoke_key(key_id: KeyPathId, principal: AdminKey, session: SessionDep) -> Response:
    """Extension: revoke a key; it stops working on the next request."""
    service.revoke_key(session, str(key_id), principal.organization_id)
    return Response(status_code=204)
