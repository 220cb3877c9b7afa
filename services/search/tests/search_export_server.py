"""A stand-in for the registry's export endpoint, speaking its format, for reindex tests.

`GET /v1/export/products?cursor=&limit=` → `{items: [ProductSnapshot JSON + "version"],
next_cursor}`; it needs a bearer token, as the registry's does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from ocop_contracts import ProductSnapshot


@dataclass
class ExportServer:
    products: list[tuple[ProductSnapshot, int]]
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_after_pages: int | None = None


@contextmanager
def export_server(products: list[tuple[ProductSnapshot, int]]) -> Iterator[ExportServer]:
    state = ExportServer(products)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            state.requests.append(
                {"path": url.path, "query": query, "auth": self.headers.get("Authorization")}
            )
            if url.path != "/v1/export/products":
                return self._send(404, {"title": "not found"})
            if not (self.headers.get("Authorization") or "").startswith("Bearer "):
                return self._send(401, {"title": "unauthorized"})
            if state.fail_after_pages is not None and len(state.requests) > state.fail_after_pages:
                return self._send(503, {"title": "registry down"})
            start = int(query.get("cursor") or 0)
            limit = int(query.get("limit") or 100)
            page = state.products[start : start + limit]
            items = [{**p.model_dump(mode="json"), "version": v} for p, v in page]
            more = start + limit < len(state.products)
            self._send(200, {"items": items, "next_cursor": str(start + limit) if more else None})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
