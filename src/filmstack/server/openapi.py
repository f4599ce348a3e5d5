"""The OpenAPI document declares every status an operation can answer, decided in one place."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from filmstack.server.deps import API_KEY_SCHEME, made_parameters, needs_key

_ERROR = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"title": "Detail", "description": "What went wrong."}},
}
_INTERNAL = {
    "title": "InternalError",
    "type": "object",
    "required": ["detail", "request_id"],
    "properties": {
        "detail": {"type": "string", "const": "internal error"},
        "request_id": {"type": "string", "description": "Find the traceback in the log by it."},
    },
}
_PROBLEM = {
    "title": "Problem",
    "type": "object",
    "required": ["loc", "msg", "type"],
    "properties": {
        "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"type": "string"},
        "type": {"type": "string"},
        "input": {},
        "ctx": {"type": "object"},
    },
}
_PROBLEMS = {
    "title": "Problems",
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}}},
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "string"},
    }
}
_REQUEST_ID = {
    "X-Request-ID": {
        "description": "Id of this request in the server log.",
        "schema": {"type": "string"},
    }
}

_DESCRIPTIONS = {
    "401": "Missing, unknown or revoked API key.",
    "403": "The API key lacks the scope this call needs.",
    "404": "No such record in your organization (or a path id that is not an id).",
    "408": "The request body did not arrive in time.",
    "409": "Conflicting change.",
    "412": "If-Match names a revision that is no longer current.",
    "413": "Request body larger than the limit.",
    "415": "The body is not declared as JSON (Content-Type: application/json).",
    "422": "Invalid input; each problem names its field in `loc`.",
    "429": "Too many failed API key checks from this address.",
    "500": "A bug: the body carries the request id to find it in the log.",
    "503": "The database is busy or did not answer in time.",
}


def _statuses(operation: dict[str, Any], method: str) -> list[str]:
    """The statuses an operation can answer, read from the operation itself."""
    params = operation.get("parameters", [])
    where = {(p.get("in"), str(p.get("name", "")).lower()) for p in params}
    secured = bool(operation.get("security"))
    statuses = {"422", "500", "503"}  # a query string is checked on every call
    if secured:
        statuses |= {"401", "403", "429"}
    if any(kind == "path" for kind, _ in where):
        statuses.add("404")
    if "requestBody" in operation:
        statuses |= {"408", "413", "415"}
    if secured and method in ("post", "put", "patch", "delete"):
        statuses |= {"404", "409"}
    if ("header", "if-match") in where:
        statuses.add("412")
    return sorted(statuses)


def _response(status: str) -> dict[str, Any]:
    ref = {"422": "Problems", "500": "InternalError"}.get(status, "Error")
    out: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
        "headers": dict(_REQUEST_ID),
    }
    if status in ("429", "503"):
        out["headers"].update(_RETRY_AFTER)
    return out


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        _declare_keys(app, schema)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(Error=_ERROR, InternalError=_INTERNAL, Problem=_PROBLEM)
        components["Problems"] = _PROBLEMS
        for item in schema.get("paths", {}).values():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                for status in _statuses(operation, method):
                    responses[status] = {**_response(status), **_described(responses, status)}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _described(responses: dict[str, Any], status: str) -> dict[str, Any]:
    """Keep a route's own description of a status (e.g. "Position taken." for 409)."""
    own = responses.get(status) or {}
    return {"description": own["description"]} if own.get("description") else {}


def _declare_keys(app: FastAPI, schema: dict[str, Any]) -> None:
    """Every operation that depends on an API key declares the X-API-KEY scheme, and every
    one whose route makes a dependency itself the parameters that dependency reads."""
    secured = False
    for route in _api_routes(app.routes):
        if not route.include_in_schema:
            continue
        item = schema.get("paths", {}).get(route.path_format, {})
        for method in route.methods or ():
            operation = item.get(method.lower())
            if operation is None:
                continue
            if made := made_parameters(route):
                operation["parameters"] = [*operation.get("parameters", []), *made]
            if needs_key(route):
                operation["security"] = [{name: [] for name in API_KEY_SCHEME}]
                secured = True
    if secured:
        schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(API_KEY_SCHEME)


def _api_routes(routes: Any) -> Any:
    """The API routes, those of included routers too (included without a prefix of their own)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif getattr(route, "original_router", None) is not None:
            yield from _api_routes(route.original_router.routes)
