"""A router that answers each path with and without its trailing slash, without redirecting."""

from typing import Any, get_type_hints

from fastapi import APIRouter, params

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


class SlashRouter(APIRouter):
    """Routes run as RequestRoute: key check, work and commit in one thread and transaction."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", RequestRoute)
        super().__init__(**kwargs)

    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        path = digit_segments(path, endpoint)
        super().add_api_route(path, endpoint, **kwargs)
        twin = path[:-1] if path.endswith("/") else path + "/"
        if (twin or self.prefix) and (self.prefix + twin) not in ("", "/"):
            twin_kwargs = {**kwargs, "include_in_schema": False}
            twin_kwargs.pop("operation_id", None)
            super().add_api_route(twin, endpoint, **twin_kwargs)
