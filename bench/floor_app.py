"""The floor: a bare Starlette app answering constant JSON (what the framework alone costs)."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "database": "none"})


app = Starlette(routes=[Route("/healthz", healthz)])
