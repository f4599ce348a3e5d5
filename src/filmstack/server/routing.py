"""A router that answers each path with and without its trailing slash, without redirecting."""

from typing import Any

from fastapi import APIRouter

from filmstack.server.deps import RequestRoute


class SlashRouter(APIRouter):
    """Routes run as RequestRoute: key check, work and commit in one thread and transaction."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", RequestRoute)
        super().__init__(**kwargs)

    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        twin = path[:-1] if path.endswith("/") else path + "/"
        if (twin or self.prefix) and (self.prefix + twin) not in ("", "/"):
            twin_kwargs = {**kwargs, "include_in_schema": False}
            twin_kwargs.pop("operation_id", None)
            super().add_api_route(twin, endpoint, **twin_kwargs)
