"""A router that answers each path with and without its trailing slash, without redirecting."""

from typing import Any, get_type_hints

from fastapi import APIRouter, params
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

from filmstack.server.deps import RequestRoute
from filmstack.server.validation import DigitsPath


def strict_ids(call: Any, seen: set[int] | None = None) -> set[str]:
    """Path parameters declared strict ids (validation.py) by `call` or any of its dependencies."""
    seen = set() if seen is None else seen
    if id(call) in seen:
        return set()
    seen.add(id(call))
    try:
        hints = get_type_hints(call, include_extras=True)
    except (NameError, TypeError):
        return set()
    names: set[str] = set()
    for name, hint in hints.items():
        for meta in getattr(hint, "__metadata__", ()):
            if isinstance(meta, DigitsPath):
                names.add(name)
            dependency = getattr(meta, "dependency", None)
            if isinstance(meta, params.Depends) and dependency is not None:
                names |= strict_ids(dependency, seen)
    return names


def digit_segments(path: str, endpoint: Any) -> str:
    """`{id}` becomes `{id:digits}` where the endpoint (or a dependency) declares a strict id."""
    for name in strict_ids(endpoint):
        path = path.replace("{" + name + "}", "{" + name + ":digits}")
    return path


def literal_prefix(path: str) -> str:
    """The part of a path template before its first parameter: every match starts with it."""
    return path.split("{", 1)[0]


class PrefixRouter(APIRouter):
    """Routes run as RequestRoute: key check, work and commit in one thread and transaction.

    Included without a prefix of its own (each router names its full paths), it answers "no
    match" for a path outside its routes' literal prefixes at once: FastAPI tries every
    included router's routes in turn, which cost a request to the last one about 0.1 ms.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", RequestRoute)
        super().__init__(**kwargs)
        self._exact: frozenset[str] = frozenset()
        self._prefixes: tuple[str, ...] = ()
        self._indexed = -1  # len(self.routes) when the two were computed

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            if self._indexed != len(self.routes):
                paths = [getattr(route, "path", "") for route in self.routes]
                self._exact = frozenset(p for p in paths if "{" not in p)
                self._prefixes = tuple(sorted({literal_prefix(p) for p in paths if "{" in p}))
                self._indexed = len(self.routes)
            path = get_route_path(scope)
            if path not in self._exact and not path.startswith(self._prefixes):
                return Match.NONE, {}
        return super().matches(scope)


class SlashRouter(PrefixRouter):
    """A PrefixRouter whose every path also answers with or without its trailing slash."""

    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        path = digit_segments(path, endpoint)
        super().add_api_route(path, endpoint, **kwargs)
        twin = path[:-1] if path.endswith("/") else path + "/"
        if (twin or self.prefix) and (self.prefix + twin) not in ("", "/"):
            twin_kwargs = {**kwargs, "include_in_schema": False}
            twin_kwargs.pop("operation_id", None)
            super().add_api_route(twin, endpoint, **twin_kwargs)
