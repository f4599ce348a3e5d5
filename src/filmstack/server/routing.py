"""A router that answers each path with and without its trailing slash, without redirecting."""

from typing import Any, get_type_hints

from fastapi import APIRouter

from filmstack.server.validation import DigitsPath


def digit_segments(path: str, endpoint: Any) -> str:
    """`{id}` becomes `{id:digits}` where the endpoint declares it a strict id (validation.py)."""
    hints = get_type_hints(endpoint, include_extras=True)
    for name, hint in hints.items():
        if any(isinstance(m, DigitsPath) for m in getattr(hint, "__metadata__", ())):
            path = path.replace("{" + name + "}", "{" + name + ":digits}")
    return path


class SlashRouter(APIRouter):
    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        path = digit_segments(path, endpoint)
        super().add_api_route(path, endpoint, **kwargs)
        twin = path[:-1] if path.endswith("/") else path + "/"
        if (twin or self.prefix) and (self.prefix + twin) not in ("", "/"):
            twin_kwargs = {**kwargs, "include_in_schema": False}
            twin_kwargs.pop("operation_id", None)
            super().add_api_route(twin, endpoint, **twin_kwargs)
