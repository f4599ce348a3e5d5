"""ASGI middleware: request ids and the access log, body limits, and the checks made before any
routing.

Both render their errors through server/errors.py, like every other error.
"""

import logging
import re
import time
import uuid
from email.message import Message as EmailMessage
from typing import Any
from urllib.parse import parse_qsl

import anyio
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from filmstack.server.errors import (
    REQUEST_ID_HEADER,
    UnsupportedMediaType,
    error_response,
    internal_error_response,
    problem,
)
from filmstack.server.limits import BodyTimeout, BodyTooLarge

access_log = logging.getLogger("filmstack.access")
log = logging.getLogger("filmstack")

# An incoming id is kept when it is short and plain; anything else is replaced by our own.
_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode()


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SANE_ID.fullmatch(text) else None
    return None


class RequestMiddleware:
    """Every request's own handling, in one layer (each ASGI layer costs a few µs a request):

    - an X-Request-ID on every response, one access line per request, a JSON 500 for any bug;
    - a body over its size limit refused (413) before a byte of it is read, and counted as it
      arrives; a body that does not arrive within `body_timeout_s` refused (408);
    - query text checked like body text, before any routing (422).

    Every refusal is rendered through server/errors.py, like every other error.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        body_timeout_s: float,
        max_bytes: int,
        paths: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.body_timeout_s = body_timeout_s
        self.max_bytes = max_bytes
        self.paths = paths or {}  # paths with a body limit of their own (file uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 0
        header = (_REQUEST_ID_NAME, rid.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0] != _REQUEST_ID_NAME]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send_with_id)
            elif _has_body(scope):
                await self.app(scope, self._guarded(scope, receive), send_with_id)
            else:  # nothing to count or to wait for: uvicorn answers receive() at once
                await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error("internal error (request %s)", rid, exc_info=exc)
            if status == 0:  # nothing sent yet: the client still gets a JSON answer
                status = 500
                await internal_error_response(rid)(scope, receive, send)
        finally:
            ms = (time.perf_counter() - started) * 1000
            path = scope.get("path", "")
            access_log.info(
                "%s %s %s %.1fms id=%s",
                scope.get("method"),
                path.encode("unicode_escape").decode("ascii"),
                status or "-",
                ms,
                rid,
            )

    def _limit(self, scope: Scope) -> int:
        return self.paths.get(scope["path"].rstrip("/"), self.max_bytes)

    def _refusal(self, scope: Scope) -> Any:
        """The answer to a request refused before routing, or None."""
        limit = self._limit(scope)
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                too_large = BodyTooLarge(limit)
                return error_response(413, too_large.detail, {"Connection": "close"})
        return _query_problem(scope)

    def _guarded(self, scope: Scope, receive: Receive) -> Receive:
        """receive() with the body counted against its limit and bounded in time."""
        limit = self._limit(scope)
        deadline = time.monotonic() + self.body_timeout_s
        seen = 0
        body_done = False

        async def guarded_receive() -> Message:
            # Only the body has a deadline: once it is in, receive() just waits for a disconnect
            # (as a long streamed listing does) and must not time out.
            nonlocal body_done, seen
            if body_done:
                return await receive()
            remaining = deadline - time.monotonic()
            with anyio.move_on_after(max(0.0, remaining)) as waited:
                message = await receive()
            if waited.cancelled_caught:
                raise BodyTimeout(self.body_timeout_s)
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        return guarded_receive


def _query_problem(scope: Scope) -> Any:
    raw = scope.get("query_string", b"").decode("latin-1")
    if not raw:
        return None
    for key, value in parse_qsl(raw, keep_blank_values=True, errors="replace"):
        for text in (key, value):
            why = _bad_text(text)
            if why is not None:
                return error_response(422, [problem(["query", key], f"query text {why}", value)])
    return None


def _bad_text(text: str) -> str | None:
    """Why a piece of request text cannot be accepted, or None."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return "must not contain control characters"
    return None


def _is_json(content_type: str) -> bool:
    message = EmailMessage()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def require_json_body(request: Request) -> None:
    """A body sent to an endpoint that reads JSON must be declared JSON.

    RequestRoute calls it after routing and before the body is read, for endpoints with a
    body; one that takes no body never answers 415, whatever content type a client sends it.
    """
    if not _has_body(request.scope):
        return
    content_type = request.headers.get("content-type", "")
    if not _is_json(content_type):
        shown = _safe_header(content_type) or "none"
        raise UnsupportedMediaType(
            f"Send the body as JSON with Content-Type: application/json (got {shown})."
        )


def _safe_header(value: str) -> str:
    return value if len(value) <= 100 else value[:99] + "…"


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value.strip() not in (b"0", b"")
        if name == b"transfer-encoding":
            return True
    return False
