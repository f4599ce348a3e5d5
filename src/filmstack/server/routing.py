"""A router that answers each path with and without its trailing slash, without redirecting."""

from typing import Any, get_type_hints

from fastapi import APIRouter, params

from filmstack.server.deps import RequestRoute
from filmstack.server.validation import DigitsPath


def digit_segments(path: str, endpoint: Any) -> str:
    """`{id}` becomes `{id:digits}` where the endpoint, or a dependency it declares (such as
    MaterialDep), declares it a strict id (validation.py)."""
    hints = get_type_hints(endpoint, include_extras=True)
    for name, hint in hints.items():
        for meta in getattr(hint, "__metadata__", ()):
            if isinstance(meta, DigitsPath):
                path = path.replace("{" + name + "}", "{" + name + ":digits}")
            elif isinstance(meta, params.Depends) and meta.dependency is not None:
                path = digit_segments(path, meta.dependency)
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
