"""A cap on request bodies, checked before and while they are read (never buffered unbounded).

A declared ``Content-Length`` over the cap is answered 413 at once, without reading the body;
a body that turns out longer (chunked uploads) stops being read at the cap and the route's
body parsing ends with the same 413. Both are problem+json like every other error.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocrops.api.problem import problem
from ocrops.observability import record_error


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the {limit}-byte limit of this server")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            record_error("PayloadTooLarge", "http")
            detail = (
                f"the request body ({declared} bytes) is over the {self.max_bytes}-byte limit of this server"
            )
            response = problem(
                413,
                kind="PayloadTooLarge",
                detail=detail,
                instance=scope.get("path", ""),
                request_id=scope.get("state", {}).get("request_id"),
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted_receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
