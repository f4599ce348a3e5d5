"""Request body limits: 413 past the size limit, 408 past the time limit, as JSON errors."""

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from filmstack.server.errors import error_response


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body larger than the limit of {limit} bytes.")


class BodyTimeout(HTTPException):
    def __init__(self, limit_s: float) -> None:
        super().__init__(
            408,
            f"The request body did not arrive within {limit_s:g} s.",
            headers={"Connection": "close"},
        )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, paths: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.paths = paths or {}  # paths with a limit of their own (file uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"].rstrip("/"), self.max_bytes)
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                # Rendered like every other error, before a byte of the body is read.
                too_large = BodyTooLarge(limit)
                response = error_response(413, too_large.detail, {"Connection": "close"})
                await response(scope, receive, send)
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)
