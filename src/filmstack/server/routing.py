"""A router that answers each path with and without its trailing slash, without redirecting."""

from collections.abc import Iterator
from typing import Any, get_type_hints

from fastapi import APIRouter, params
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

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


def _api_routes(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route an app tries, in its order: included routers' routes in their place."""
    for route in routes:
        original = getattr(route, "original_router", None)  # an included router
        if original is not None:
            yield from _api_routes(original.routes)
        else:
            yield route


class RouteIndex(BaseRoute):
    """The app's routes indexed by first path segment and segment count, tried first.

    FastAPI tries routes one by one, an included router's each time twice (once to match, once
    to handle): a request to a material tried some forty route patterns, a tenth of its cost.
    The index tries only the routes whose template has the request's first segment and number
    of segments, in the app's own order, so the first full match is the one FastAPI would have
    chosen. What it does not find (a 404, say) falls through to FastAPI's own routing; routes
    other than Route and APIRoute (mounts) and templates with a `:path` parameter are left to
    it entirely.
    """

    def __init__(self, routes: list[BaseRoute]) -> None:
        self._index: dict[tuple[str, int], list[Route]] = {}
        for route in _api_routes(routes):
            if not isinstance(route, Route) or ":path}" in route.path:
                continue
            first, count = self._shape(route.path)
            if first.startswith("{"):
                continue  # a parameter first: left to FastAPI, like a mount
            self._index.setdefault((first, count), []).append(route)

    @staticmethod
    def _shape(path: str) -> tuple[str, int]:
        return path[1:].split("/", 1)[0], path.count("/")

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        routes = self._index.get(self._shape(get_route_path(scope)))
        if routes is None:
            return Match.NONE, {}
        partial: Scope | None = None
        for route in routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return match, {**child_scope, _MATCHED: route}
            if match is Match.PARTIAL and partial is None:
                partial = {**child_scope, _MATCHED: route}
        if partial is not None:
            return Match.PARTIAL, partial
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: Route = scope.pop(_MATCHED)
        await route.handle(scope, receive, send)


_MATCHED = "filmstack.route"


def install_route_index(app: Any) -> None:
    """Put a RouteIndex of every route added so far in front of the app's routes."""
    app.router.routes.insert(0, RouteIndex(list(app.router.routes)))
