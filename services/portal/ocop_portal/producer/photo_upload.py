"""A product's photos for the people who keep it (its producer, the province's officers): see
them, upload one, remove one. Every write goes to the registry's photo API with the person's own
token, so the registry decides who may do what and checks each photo."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ocop_kit.media import parse_photo_url, thumbnail_url
from ocop_portal.backends import BackendProblem, Backends
from ocop_portal.staff.auth import Staff, require_staff
from ocop_portal.web import pick_language, render, translator

router = APIRouter(prefix="/my-products", tags=["pages"], include_in_schema=False)

MAX_PHOTO_BYTES = 8 * 1024 * 1024  # the registry's own limit: a larger file is refused here
UPLOAD_TIMEOUT_SECONDS = 30.0  # the registry re-encodes the photo and makes thumbnails first
ACCEPTED_TYPES = "image/jpeg,image/png,image/webp"
ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def _keeper(request: Request) -> Staff:
    return require_staff(request, "producer", "province_officer")


def _checked(value: str) -> str:
    """An id of another shape is no product or photo (404), never part of a registry path."""
    if not ID.fullmatch(value):
        raise HTTPException(404)
    return value


def photos_of(product: dict[str, Any]) -> list[dict[str, Any]]:
    """The product's images as the page shows them: our photos can be removed here; an image
    elsewhere on the web (from an imported sheet) is shown as it is."""
    shown = []
    for url in product.get("images") or []:
        address = parse_photo_url(url)
        shown.append(
            {
                "url": url,
                "thumb": thumbnail_url(url, "thumb"),
                "id": address.photo_id if address and address.product_id == product["id"] else None,
            }
        )
    return shown


def _page(
    request: Request,
    staff: Staff,
    product_id: str,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    backends: Backends = request.app.state.backends
    product = backends.get_json("registry", f"/v1/products/{product_id}", token=staff.token)
    photos = photos_of(product)
    return render(
        request,
        "product_photos.html",
        {
            "product": product,
            "photos": photos,
            "error": error,
            "done": request.query_params.get("done") if error is None else None,
            "room": 20 - len(photos),
            "accepted_types": ACCEPTED_TYPES,
            "max_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        },
        status_code,
    )


@router.get("/{product_id}/photos", response_class=HTMLResponse)
def photos_page(request: Request, product_id: str) -> HTMLResponse:
    return _page(request, _keeper(request), _checked(product_id))


@router.post("/{product_id}/photos", response_class=HTMLResponse)
def upload_photo(
    request: Request, product_id: str, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    """Send the chosen photo to the registry; the page again, with the photo or the reason."""
    staff = _keeper(request)
    product_id = _checked(product_id)
    lang = pick_language(request)
    tr = translator(lang)
    if file is None or not file.filename:
        return _page(
            request,
            staff,
            product_id,
            tr("Hãy chọn một ảnh JPEG, PNG hoặc WebP.", "Choose a JPEG, PNG or WebP photo."),
            422,
        )
    content = file.file.read(MAX_PHOTO_BYTES + 1)
    if len(content) > MAX_PHOTO_BYTES:
        return _page(
            request,
            staff,
            product_id,
            tr("Ảnh lớn hơn 8 MB.", "The photo is larger than 8 MB."),
            413,
        )
    backends: Backends = request.app.state.backends
    try:
        backends.request(
            "POST",
            "registry",
            f"/v1/products/{product_id}/photos",
            files={
                "file": (file.filename, content, file.content_type or "application/octet-stream")
            },
            token=staff.token,
            timeout=UPLOAD_TIMEOUT_SECONDS,
        )
    except BackendProblem as problem:
        if problem.status in (401, 403, 404):
            raise
        return _page(request, staff, product_id, problem.message(lang), problem.status)
    return RedirectResponse(f"/my-products/{product_id}/photos?done=added", status_code=303)


@router.post("/{product_id}/photos/{photo_id}/delete")
def remove_photo(request: Request, product_id: str, photo_id: str) -> Response:
    staff = _keeper(request)
    product_id, photo_id = _checked(product_id), _checked(photo_id)
    backends: Backends = request.app.state.backends
    backends.request(
        "DELETE", "registry", f"/v1/products/{product_id}/photos/{photo_id}", token=staff.token
    )
    return RedirectResponse(f"/my-products/{product_id}/photos?done=removed", status_code=303)
