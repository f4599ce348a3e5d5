"""Organizations, users and API keys: creation, lookup and revocation."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import cast

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload

from filmstack.schemas import Name
from filmstack.server.accounts.models import ApiKey, Organization, User
from filmstack.server.db import DriverQuery, utcnow
from filmstack.server.errors import InvalidInput, NotFound, plain_message

SCOPES = ("read", "write", "delete", "admin")
DEFAULT_SCOPES = ("read", "write", "delete")
KEY_PREFIX = "fs_"


@dataclass(frozen=True)
class Principal:
    """Who is asking: the key's user, organization and scopes."""

    key_id: int
    user_id: str
    user_name: str
    organization_id: int
    organization_name: str
    scopes: frozenset[str]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


_NAME: TypeAdapter[str] = TypeAdapter(Name)


def check_name(value: str, loc: list[str | int]) -> str:
    """An organization or user name, by the API's rules for names (1-255 characters, one line)."""
    try:
        return _NAME.validate_python(value)
    except ValidationError as exc:
        raise InvalidInput.at(loc, plain_message(exc.errors()[0]), value) from None


def check_scopes(scopes: list[str] | tuple[str, ...]) -> list[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise InvalidInput.at(
            ["body", "scopes"], f"unknown scope {unknown[0]!r}; choose from {', '.join(SCOPES)}"
        )
    if not scopes:
        raise InvalidInput.at(["body", "scopes"], "at least one scope is needed")
    return [s for s in SCOPES if s in scopes]


def get_or_create_org(session: Session, name: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        org = Organization(name=name)
        session.add(org)
        session.flush()
    return org


def get_or_create_user(session: Session, org: Organization, name: str) -> User:
    user = session.scalar(select(User).where(User.organization_id == org.id, User.name == name))
    if user is None:
        user = User(organization_id=org.id, name=name)
        session.add(user)
        session.flush()
    return user


def create_key(
    session: Session, org_name: str, user_name: str, scopes: list[str] | tuple[str, ...]
) -> tuple[str, ApiKey]:
    """Create the key (and its organization and user when missing); return it in clear once."""
    ordered = check_scopes(scopes)
    org = get_or_create_org(session, check_name(org_name, ["body", "organization"]))
    user = get_or_create_user(session, org, check_name(user_name, ["body", "user"]))
    key = new_key()
    row = ApiKey(user_id=user.id, key_hash=hash_key(key), prefix=key[:10], scopes=",".join(ordered))
    session.add(row)
    session.flush()
    return key, row


_KEYS = cast(Table, ApiKey.__table__)
_USERS = cast(Table, User.__table__)
_ORGS = cast(Table, Organization.__table__)
# One Core query, compiled once: the key, its user and organization; a revoked key finds nothing.
_AUTHENTICATE = DriverQuery(
    select(_KEYS.c.id, _KEYS.c.scopes, _USERS.c.id, _USERS.c.name, _ORGS.c.id, _ORGS.c.name)
    .join(_USERS, _KEYS.c.user_id == _USERS.c.id)
    .join(_ORGS, _USERS.c.organization_id == _ORGS.c.id)
    .where(_KEYS.c.key_hash == bindparam("key_hash"), _KEYS.c.revoked_at.is_(None))
)


def authenticate(db: Session | Connection, key: str) -> Principal | None:
    """Who the key belongs to, read in the caller's transaction; None for unknown or revoked."""
    connection = db if isinstance(db, Connection) else db.connection()
    row = _AUTHENTICATE.first(connection, {"key_hash": hash_key(key)})
    if row is None:
        return None
    key_id, scopes, user_id, user_name, org_id, org_name = row
    return Principal(
        key_id=key_id,
        user_id=user_id,
        user_name=user_name,
        organization_id=org_id,
        organization_name=org_name,
        scopes=frozenset(scopes.split(",")),
    )


def list_keys(session: Session, org_name: str | None = None) -> list[ApiKey]:
    query = (
        select(ApiKey)
        .join(User, ApiKey.user_id == User.id)
        .join(Organization, User.organization_id == Organization.id)
        .options(joinedload(ApiKey.user).joinedload(User.organization))
        .order_by(ApiKey.id)
    )
    if org_name is not None:
        query = query.where(Organization.name == org_name)
    return list(session.scalars(query))


def revoke_key(session: Session, key_id_or_prefix: str, org_id: int | None = None) -> ApiKey:
    """Revoke by numeric id or by the printed prefix; takes effect on the next request."""
    query = select(ApiKey).join(User, ApiKey.user_id == User.id)
    if key_id_or_prefix.isdigit():
        query = query.where(ApiKey.id == int(key_id_or_prefix))
    else:
        query = query.where(ApiKey.prefix == key_id_or_prefix[:10])
    if org_id is not None:
        query = query.where(User.organization_id == org_id)
    matches = list(session.scalars(query.limit(2)))
    if len(matches) != 1:
        raise NotFound(f"API key {key_id_or_prefix} not found")
    key = matches[0]
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


def count_keys(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ApiKey)) or 0


def bootstrap(session: Session) -> str | None:
    """On an empty database, create organization 'default', user 'admin' and an all-scope key."""
    if count_keys(session):
        return None
    key, _ = create_key(session, "default", "admin", SCOPES)
    return key
