"""QR codes for product pages (printed on traceability stamps)."""

from __future__ import annotations

import segno


def product_page_url(base_url: str, product_id: str) -> str:
    """The product page's full address (what stamps printed before short codes encode)."""
    return f"{base_url.rstrip('/')}/products/{product_id}"


def short_page_url(base_url: str, code: str) -> str:
    """The short address a QR code encodes: fewer modules, easier to scan from a small stamp."""
    return f"{base_url.rstrip('/')}/q/{code}"


def qr_svg(url: str, scale: int = 4, inline: bool = True) -> str:
    """An SVG QR code of `url`, medium error correction (survives a scuffed label)."""
    code = segno.make(url, error="m", micro=False)
    if inline:
        return str(code.svg_inline(scale=scale, title=url))
    import io

    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=scale, title=url)
    return buffer.getvalue().decode()
