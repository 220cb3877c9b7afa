"""The Portal: server-rendered pages (Jinja2 + htmx) over the other services' HTTP APIs."""

import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ocop_kit.app import create_service_app
from ocop_kit.celery_app import make_celery
from ocop_kit.db import ServiceDatabase
from ocop_kit.service_cli import migrations_dir
from ocop_portal import SERVICE
from ocop_portal.about.api import router as about_router
from ocop_portal.accounts.api import router as accounts_router
from ocop_portal.backends import SERVICE_LABELS, BackendProblem, Backends, BackendUnavailable
from ocop_portal.catalog import GroupNames
from ocop_portal.council.api import router as council_router
from ocop_portal.council.manage import router as council_manage_router
from ocop_portal.dashboard.api import router as dashboard_router
from ocop_portal.imports.api import router as imports_router
from ocop_portal.producer.api import router as producer_router
from ocop_portal.producer.photo_upload import router as photo_upload_router
from ocop_portal.products.api import router as products_router
from ocop_portal.search.api import router as search_router
from ocop_portal.settings import Settings, get_settings
from ocop_portal.staff.api import router as staff_router
from ocop_portal.staff.api import sign_in_redirect
from ocop_portal.staff.auth import ROLE_NAMES, NotPermitted, SignInRequired
from ocop_portal.sync.api import router as sync_router
from ocop_portal.web import LANG_COOKIE, STATIC_DIR, pick_language, render, translator

log = logging.getLogger(__name__)

# Scripts only from the portal itself (htmx is vendored); product photos may live elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def security_headers_for(settings: Settings) -> dict[str, str]:
    """SECURITY_HEADERS, with the origin product photos are served from allowed for images
    (on the embedded default that is the registry's plain-http local address)."""
    headers = dict(SECURITY_HEADERS)
    origin = settings.media_origin
    if not origin.startswith("https://"):  # https: is allowed already
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "img-src 'self' https: data:", f"img-src 'self' https: data: {origin}"
        )
    return headers


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def same_site(request: Request) -> bool:
    """Whether a write comes from the portal's own pages (cross-site request forgery guard).

    Browsers send `Origin` with every POST; a form on another site gives its own origin, which
    must match the host the portal is served on. Without `Origin` (not a browser, or a very old
    one) `Referer` is checked the same way; a request with neither is not from a browser page
    and cannot carry another site's forged form, so it passes (the services check its token)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return True
    return urlsplit(source).netloc == request.headers.get("host")


def _wants_html(request: Request) -> bool:
    """API paths (`/v1/…`, `/healthz`) keep the kit's problem+json errors; pages get HTML."""
    path = request.url.path
    return not (path.startswith("/v1/") or path == "/healthz" or path.startswith("/static/"))


def install_page_errors(app: FastAPI) -> None:
    """Errors on pages are pages: bilingual, friendly, never a bare 500."""
    json_http_handler = app.exception_handlers[StarletteHTTPException]
    json_unexpected_handler = app.exception_handlers[Exception]

    def error_page(request: Request, heading: str, message: str, status: int) -> HTMLResponse:
        context = {"heading": heading, "message": message, "status": status}
        return render(request, "error.html", context, status)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return sign_in_redirect(request)

    @app.exception_handler(NotPermitted)
    async def _not_permitted(request: Request, exc: NotPermitted) -> Response:
        tr = translator(pick_language(request))
        roles = ", ".join(tr(*ROLE_NAMES[role]) for role in exc.roles if role in ROLE_NAMES)
        return error_page(
            request,
            tr("Không có quyền xem trang này", "You may not open this page"),
            tr(f"Trang này dành cho: {roles}.", f"This page is for: {roles}."),
            403,
        )

    @app.exception_handler(BackendUnavailable)
    async def _unavailable(request: Request, exc: BackendUnavailable) -> Response:
        log.warning(
            "service unavailable",
            extra={"backend": exc.service, "reason": exc.reason, "path": request.url.path},
        )
        tr = translator(pick_language(request))
        vi, en = SERVICE_LABELS.get(exc.service, (exc.service, exc.service))
        return error_page(
            request,
            tr("Tạm thời chưa xem được", "Temporarily unavailable"),
            tr(
                f"Không kết nối được {vi}. Vui lòng thử lại sau ít phút.",
                f"Could not reach {en}. Please try again in a few minutes.",
            ),
            503,
        )

    @app.exception_handler(BackendProblem)
    async def _problem(request: Request, exc: BackendProblem) -> Response:
        lang = pick_language(request)
        tr = translator(lang)
        headings = {
            401: tr("Cần đăng nhập lại", "Please sign in again"),
            403: tr("Không có quyền", "Not allowed"),
            404: tr("Không tìm thấy", "Not found"),
            409: tr("Chưa thực hiện được", "Could not be done yet"),
        }
        heading = headings.get(exc.status, tr("Yêu cầu không hợp lệ", "Invalid request"))
        return error_page(request, heading, exc.message(lang), exc.status)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if not _wants_html(request):
            return await json_unexpected_handler(request, exc)  # type: ignore[misc]
        log.exception("unhandled error", extra={"path": request.url.path})
        tr = translator(pick_language(request))
        return error_page(
            request,
            tr("Lỗi hệ thống", "Something went wrong"),
            tr(
                "Trang này tạm thời gặp lỗi. Vui lòng thử lại sau, hoặc tìm sản phẩm bên dưới.",
                "This page hit an error. Please try again later, or search for a product below.",
            ),
            500,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if not _wants_html(request):
            return await json_http_handler(request, exc)  # type: ignore[misc]
        tr = translator(pick_language(request))
        if exc.status_code == 404:
            return error_page(
                request,
                tr("Không tìm thấy trang", "Page not found"),
                tr("Địa chỉ này không có trên cổng thông tin.", "There is no such page here."),
                404,
            )
        return error_page(
            request, tr("Lỗi yêu cầu", "Request error"), str(exc.detail), exc.status_code
        )


def create_app(
    settings: Settings | None = None, transport: httpx.BaseTransport | None = None
) -> FastAPI:
    """The portal app. `transport` replaces the network for the portal's own rendering tests."""
    settings = settings or get_settings()
    db = ServiceDatabase(SERVICE, settings)
    app = create_service_app(
        service=SERVICE,
        title="OCOP Hub — Portal",
        description="the web pages people use",
        settings=settings,
        db=db,
        celery=make_celery(SERVICE, settings, db),
        migrations_dir=migrations_dir("ocop_portal"),
        routers=[
            search_router,
            products_router,
            about_router,
            staff_router,
            dashboard_router,
            council_manage_router,
            council_router,
            sync_router,
            imports_router,
            producer_router,
            accounts_router,
            photo_upload_router,
        ],
    )
    backends = Backends(settings, transport)
    app.state.backends = backends
    security_headers = security_headers_for(settings)
    app.state.group_names = GroupNames(backends)
    app.state.criteria_sets = {}  # criteria sets are versioned legal texts: cached by id
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_page_errors(app)

    @app.middleware("http")
    async def _refuse_cross_site_writes(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.method not in SAFE_METHODS and not same_site(request):
            tr = translator(pick_language(request))
            return render(
                request,
                "error.html",
                {
                    "heading": tr("Yêu cầu bị từ chối", "Request refused"),
                    "message": tr(
                        "Biểu mẫu này chỉ gửi được từ chính cổng thông tin.",
                        "This form can only be sent from the portal itself.",
                    ),
                    "status": 403,
                },
                403,
            )
        return await call_next(request)

    @app.middleware("http")
    async def _remember_language(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        # The page's server time, readable in the browser's dev tools and by the benchmark.
        elapsed_ms = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.2f}"
        for header, value in security_headers.items():
            response.headers.setdefault(header, value)
        if settings.environment == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        chosen = request.query_params.get("lang")
        if chosen in ("vi", "en") and request.cookies.get(LANG_COOKIE) != chosen:
            response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax")
        return response

    return app
