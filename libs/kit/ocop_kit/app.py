"""The FastAPI app every service starts from: health and readiness, metrics, errors, correlation
ids, idempotency, request size limits, CORS, migrations on start and the dead-letter API."""

from __future__ import annotations

import hmac
import logging
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from celery import Celery
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from pydantic import BaseModel
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from ocop_kit.auth import Principal, require_roles
from ocop_kit.body_limit import BodySizeLimitMiddleware
from ocop_kit.db import ServiceDatabase, run_migrations, utc_now
from ocop_kit.errors import (
    FieldError,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
    install_error_handlers,
    problem_response,
)
from ocop_kit.idempotency import IdempotencyMiddleware
from ocop_kit.logging import correlation_id, new_correlation_id
from ocop_kit.metrics import ServiceMetrics
from ocop_kit.pagination import Page, paginate
from ocop_kit.revocation import TokenVersions
from ocop_kit.settings import KitSettings
from ocop_kit.tables import DeadLetter

log = logging.getLogger(__name__)


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request; the endpoint commits, anything uncommitted is rolled back."""
    db: ServiceDatabase = request.app.state.db
    with db.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    settings: KitSettings,
    db: ServiceDatabase,
    celery: Celery | None,
    migrations_dir: Path | None,
    routers: list[APIRouter],
    version: str = "0.1.0",
    on_startup: Callable[[], None] | None = None,
    collectors: Sequence[Collector] = (),
    readiness_checks: dict[str, Callable[[FastAPI], object]] | None = None,
) -> FastAPI:
    """Build a service's app: its routers plus everything the kit gives every service.

    `on_startup` runs once the database is migrated; `collectors` add the service's own metrics;
    `readiness_checks` name further dependencies `/readyz` checks (a check raises if one is down).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrations_dir is not None:
            run_migrations(db, migrations_dir)
        if on_startup is not None:
            on_startup()
        log.info("service ready", extra={"service": service})
        yield
        db.dispose()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    app.state.db = db
    app.state.celery = celery
    app.state.token_versions = TokenVersions(settings)
    metrics = ServiceMetrics(service, db, celery)
    for collector in collectors:
        metrics.registry.register(collector)
    install_error_handlers(app)
    app.add_middleware(IdempotencyMiddleware, db=db)
    app.add_middleware(ControlCharactersInUrlRefused)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "X-Request-ID"],
        )

    @app.middleware("http")
    async def _correlation_and_access_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        cid = request.headers.get("x-request-id") or new_correlation_id()
        token = correlation_id.set(cid)
        started = time.perf_counter()
        try:
            response = await call_next(request)
            route = request.scope.get("route")
            metrics.observe(
                request.method,
                getattr(route, "path", "unmatched"),
                response.status_code,
                time.perf_counter() - started,
            )
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
        finally:
            correlation_id.reset(token)
        response.headers["X-Request-ID"] = cid
        return response

    # Added last, so it runs first: nothing reads a body before it is counted.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)

    @app.get("/healthz", tags=["health"], summary="Ready: the service and its database answer")
    def healthz(session: DbSession) -> dict[str, str]:
        session.execute(text("SELECT 1"))
        return {"status": "ok", "service": service}

    @app.get("/readyz", tags=["health"], summary="Ready: database and broker answer")
    def readyz(session: DbSession) -> dict[str, str]:
        session.execute(text("SELECT 1"))
        if celery is not None:
            try:
                with celery.connection_for_write() as connection:
                    connection.ensure_connection(max_retries=1, timeout=2)
            except Exception as exc:
                raise ServiceUnavailable(
                    "Hàng đợi không phản hồi", "The message broker does not answer"
                ) from exc
        for name, check in (readiness_checks or {}).items():
            try:
                check(app)
            except Exception as exc:
                log.warning("not ready", extra={"dependency": name, "error": str(exc)})
                raise ServiceUnavailable(
                    f"{name} không phản hồi", f"{name} does not answer", dependency=name
                ) from exc
        return {"status": "ready", "service": service}

    @app.get(
        "/metrics",
        tags=["health"],
        summary="Prometheus metrics (with OCOP_METRICS_TOKEN as bearer token where it is set)",
        response_class=Response,
    )
    def prometheus_metrics(request: Request) -> Response:
        _check_metrics_token(settings, request)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    app.include_router(dead_letter_router())
    return app


class ControlCharactersInUrlRefused:
    """A path or query holding a control character (`%00`, `%07`) is a 422 before any route
    sees it: no id or filter has one, and PostgreSQL refuses NUL in text outright (a 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("query_string", b"").replace(b"+", b" ")
            query = unquote_to_bytes(raw).decode("utf-8", "replace")
            if any(unicodedata.category(char) == "Cc" for char in scope["path"] + query):
                error = ValidationFailed(
                    "Đường dẫn hoặc tham số chứa ký tự điều khiển",
                    "The path or query holds a control character",
                    errors=[FieldError("query", "Ký tự điều khiển", "Control character")],
                )
                response = problem_response(error, Request(scope))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


Operator = Annotated[Principal, require_roles("sync_operator")]


def _check_metrics_token(settings: KitSettings, request: Request) -> None:
    """Metrics tell an outsider the routes, volumes and queues: in production they are served
    only to a caller holding the metrics token."""
    if settings.metrics_token is None:
        if settings.environment == "production":
            raise NotFound(
                "Chỉ số chỉ phục vụ khi đặt OCOP_METRICS_TOKEN",
                "Metrics are served only with OCOP_METRICS_TOKEN set",
            )
        return
    expected = f"Bearer {settings.metrics_token.get_secret_value()}"
    if not hmac.compare_digest(
        request.headers.get("authorization", "").encode(), expected.encode()
    ):
        raise Unauthorized("Cần mã truy cập chỉ số", "The metrics token is required")


class DeadLetterOut(BaseModel):
    id: str
    task_name: str
    task_id: str
    args: list[Any]
    keyword_args: dict[str, Any]
    error: str
    retries: int
    failed_at: datetime
    replayed_at: datetime | None


def _dead_letter_out(letter: DeadLetter) -> DeadLetterOut:
    return DeadLetterOut(
        id=letter.id,
        task_name=letter.task_name,
        task_id=letter.task_id,
        args=letter.args,
        keyword_args=letter.kwargs,
        error=letter.error,
        retries=letter.retries,
        failed_at=letter.failed_at,
        replayed_at=letter.replayed_at,
    )


def dead_letter_router() -> APIRouter:
    router = APIRouter(prefix="/v1/dead-letters", tags=["operations"])

    @router.get("", summary="Tasks that failed after all their retries")
    def list_dead_letters(
        session: DbSession, _: Operator, cursor: str | None = None, limit: int | None = None
    ) -> Page[DeadLetterOut]:
        rows, next_cursor = paginate(session, select(DeadLetter), DeadLetter.id, cursor, limit)
        return Page(items=[_dead_letter_out(r) for r in rows], next_cursor=next_cursor)

    @router.post(
        "/{dead_letter_id}/replay", status_code=202, summary="Send a dead-lettered task again"
    )
    def replay(
        dead_letter_id: str, request: Request, session: DbSession, _: Operator
    ) -> DeadLetterOut:
        letter = session.get(DeadLetter, dead_letter_id)
        if letter is None:
            raise NotFound("Không có bản ghi lỗi này", "No such dead letter")
        celery: Celery = request.app.state.celery
        celery.send_task(letter.task_name, args=letter.args, kwargs=letter.kwargs)
        letter.replayed_at = utc_now()
        session.commit()
        return _dead_letter_out(letter)

    return router
