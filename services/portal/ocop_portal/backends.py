"""Calls to the other services over HTTP (the portal never imports them).

Every call has a short timeout. A service that cannot be reached, or answers 5xx, raises
`BackendUnavailable`; a 4xx answer raises `BackendProblem` carrying the RFC 9457 problem, so pages
can show the service's own Vietnamese and English message.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
from fastapi.responses import Response

from ocop_kit.client_address import HEADER as CLIENT_HEADER
from ocop_kit.client_address import vouch_for_client
from ocop_portal.settings import Settings

ServiceName = Literal["registry", "evaluation", "marketplace_sync", "search"]

SERVICE_LABELS: dict[str, tuple[str, str]] = {
    "registry": ("dịch vụ sổ đăng ký sản phẩm", "the product registry"),
    "evaluation": ("dịch vụ đánh giá, phân hạng", "the evaluation service"),
    "marketplace_sync": ("dịch vụ đồng bộ sàn thương mại điện tử", "the marketplace sync service"),
    "search": ("dịch vụ tìm kiếm", "the search service"),
}

Params = dict[str, str | int | float | None]


class BackendUnavailable(Exception):
    """A service did not answer in time, or answered with a server error."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


class BackendProblem(Exception):
    """A service refused the request (4xx) with a problem document."""

    def __init__(self, service: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{service} answered {status}: {problem}")
        self.service = service
        self.status = status
        self.problem = problem

    def message(self, lang: str) -> str:
        """The service's own explanation in the reader's language, field errors included."""
        problem = self.problem
        if lang == "en":
            head = problem.get("detail_en") or problem.get("title_en") or problem.get("detail")
        else:
            head = problem.get("detail") or problem.get("title") or problem.get("detail_en")
        parts = [str(head or f"HTTP {self.status}")]
        for error in problem.get("errors") or []:
            if not isinstance(error, dict):
                continue
            text = error.get("message_en" if lang == "en" else "message") or error.get("message")
            parts.append(f"{error.get('field', '')}: {text}")
        return " — ".join(parts)


def _clean(params: Params | None) -> dict[str, str | int | float] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None and v != ""}


class Backends:
    """One pooled HTTP client for every service the portal reads and writes."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.urls: dict[str, str] = {
            "registry": settings.registry_url,
            "evaluation": settings.evaluation_url,
            "marketplace_sync": settings.marketplace_sync_url,
            "search": settings.search_url,
        }
        timeout = httpx.Timeout(
            settings.backend_timeout_seconds, connect=settings.backend_connect_timeout_seconds
        )
        # A merged product's id answers 308 to the product kept: its page shows that one.
        self.client = httpx.Client(timeout=timeout, transport=transport, follow_redirects=True)

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        service: ServiceName,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        token: str | None = None,
        request_id: str | None = None,
        client: str | None = None,
        timeout: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; raise `BackendUnavailable` or `BackendProblem` on failure.

        `files` sends a multipart form (an uploaded sheet); `timeout` overrides the short default
        read timeout for a call that carries a large body. `client` vouches for the reader's
        address (the registry throttles sign-ins by it); `headers` adds others (If-Match)."""
        headers = {"Accept": "application/json", **(headers or {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if request_id:
            headers["X-Request-ID"] = request_id
        if client:
            headers[CLIENT_HEADER] = vouch_for_client(self.settings, client)
        url = self.urls[service].rstrip("/") + path
        try:
            response = self.client.request(
                method,
                url,
                params=_clean(params),
                json=json,
                files=files,
                headers=headers,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            raise BackendUnavailable(service, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise BackendUnavailable(service, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            if not isinstance(problem, dict):
                problem = {"detail": str(problem)}
            raise BackendProblem(service, response.status_code, problem)
        return response

    def get_json(
        self,
        service: ServiceName,
        path: str,
        params: Params | None = None,
        token: str | None = None,
    ) -> Any:
        return self.request("GET", service, path, params=params, token=token).json()

    def send_json(
        self,
        method: str,
        service: ServiceName,
        path: str,
        body: Any = None,
        token: str | None = None,
    ) -> Any:
        response = self.request(method, service, path, json=body, token=token)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return None


def passed_through(upstream: httpx.Response) -> Response:
    """A file a service made (a sheet, an error report), handed to the reader as it came."""
    headers = {}
    if "content-disposition" in upstream.headers:
        headers["Content-Disposition"] = upstream.headers["content-disposition"]
    return Response(
        upstream.content,
        media_type=upstream.headers.get("content-type", "application/octet-stream"),
        headers=headers,
    )
