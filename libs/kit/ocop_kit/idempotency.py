"""Idempotency-Key on creates: a repeated POST with the same key gets the first answer again.

The key is scoped to the caller's token and the path. The same key with a different body is an
error; a key whose first request is still running is a conflict.
"""

from __future__ import annotations

import hashlib
from typing import Any

from anyio import to_thread
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocop_kit.db import ServiceDatabase
from ocop_kit.errors import Conflict, ProblemError, ValidationFailed, send_problem
from ocop_kit.tables import IdempotencyRecord

HEADER = b"idempotency-key"


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, db: ServiceDatabase) -> None:
        self.app = app
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = headers.get(HEADER)
        if not key:
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        auth = headers.get(b"authorization", b"")
        scoped_key = hashlib.sha256(auth + b"|" + scope["path"].encode() + b"|" + key).hexdigest()
        request_hash = hashlib.sha256(body).hexdigest()
        try:
            stored = await to_thread.run_sync(self._claim, scoped_key, request_hash)
        except ProblemError as exc:
            await send_problem(send, exc, scope["path"])
            return
        if stored is not None:
            status, content_type, payload = stored
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", content_type.encode()),
                        (b"idempotent-replayed", b"true"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": payload.encode()})
            return

        replayed = False

        async def replay_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        captured: dict[str, Any] = {"status": 500, "content_type": "application/json", "body": b""}

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        captured["content_type"] = value.decode()
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            await to_thread.run_sync(self._finish, scoped_key, captured)

    def _claim(self, key: str, request_hash: str) -> tuple[int, str, str] | None:
        with self.db.session() as session:
            record = session.get(IdempotencyRecord, key)
            if record is None:
                session.add(IdempotencyRecord(key=key, request_hash=request_hash))
                try:
                    session.flush()
                except IntegrityError as exc:
                    raise _in_flight() from exc
                return None
            if record.request_hash != request_hash:
                raise ValidationFailed(
                    "Idempotency-Key này đã được dùng cho một yêu cầu khác",
                    "This Idempotency-Key was already used with a different request body",
                )
            if record.status_code is None:
                raise _in_flight()
            return (
                record.status_code,
                record.content_type or "application/json",
                record.response_body or "",
            )

    def _finish(self, key: str, captured: dict[str, Any]) -> None:
        with self.db.session() as session:
            record = session.get(IdempotencyRecord, key)
            if record is None:
                return
            if captured["status"] >= 500:
                # Failed for reasons of ours: let the client try the same key again.
                session.delete(record)
                return
            record.status_code = captured["status"]
            record.content_type = captured["content_type"]
            record.response_body = captured["body"].decode("utf-8", errors="replace")


def _in_flight() -> Conflict:
    return Conflict(
        "Yêu cầu với Idempotency-Key này đang được xử lý",
        "A request with this Idempotency-Key is still in progress",
    )
