"""Request bodies larger than the limit get 413, counted as the bytes arrive.

A declared Content-Length over the limit is refused before anything is read; a chunked body (no
Content-Length) is counted chunk by chunk and refused the moment it passes the limit, so nothing
downstream (the idempotency record, JSON or form parsing) ever holds more than the limit.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocop_kit.errors import PayloadTooLarge, send_problem


class _BodyTooLarge(Exception):
    """Raised inside the app's receive to abandon reading; the middleware answers 413."""


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"Tối đa {max_bytes // 1_000_000} MB một yêu cầu",
        f"At most {max_bytes // 1_000_000} MB per request",
    )


class BodySizeLimitMiddleware:
    """Pure ASGI, so it sees each chunk as the server receives it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await send_problem(send, too_large(self.max_bytes), scope["path"])
            return
        received = 0
        exceeded = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app makes of the abandoned body, the answer is 413
            started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await send_problem(send, too_large(self.max_bytes), scope["path"])
