"""HTTP: upload and remove a product's photos; serve stored media with long-lived caching."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ocop_kit.app import DbSession
from ocop_kit.auth import CurrentPrincipal
from ocop_kit.errors import FieldError, NotFound, PayloadTooLarge, ProblemError, ValidationFailed
from ocop_kit.media import IMMUTABLE, KEY_PATTERN, MediaStore
from ocop_registry.photos.images import MAX_PHOTO_BYTES, PhotoRefused, prepare_photo
from ocop_registry.photos.service import (
    add_photo,
    ensure_room_for_photo,
    remove_photo,
    writable_product,
)
from ocop_registry.settings import Settings

router = APIRouter(tags=["photos"])


class UnsupportedPhotoType(ProblemError):
    status = 415
    code = "unsupported_media_type"
    title = "Định dạng không được hỗ trợ"
    title_en = "Unsupported media type"


class PhotoOut(BaseModel):
    id: str = Field(description="The photo's id (in its address; DELETE …/photos/{id})")
    product_id: str
    url: str = Field(description="Absolute public address of the photo, as added to `images`")
    thumb_url: str = Field(description="320 px WebP thumbnail")
    medium_url: str = Field(description="960 px WebP thumbnail")
    content_type: str
    width: int
    height: int
    size_bytes: int


def _refusal(exc: PhotoRefused) -> ProblemError:
    errors = [FieldError("file", exc.message_vi, exc.message_en)]
    if exc.reason == "too_large":
        return PayloadTooLarge(exc.message_vi, exc.message_en, errors=errors)
    if exc.reason == "unsupported_type":
        return UnsupportedPhotoType(exc.message_vi, exc.message_en, errors=errors)
    return ValidationFailed(exc.message_vi, exc.message_en, errors=errors)


@router.post(
    "/v1/products/{product_id}/photos",
    status_code=201,
    summary="Upload a product photo (JPEG, PNG or WebP; metadata stripped; thumbnails made)",
    responses={
        413: {"description": f"Larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB"},
        415: {"description": "Not a JPEG, PNG or WebP image (judged by its content)"},
        422: {"description": "Too many or too few pixels, unreadable, or 20 photos already"},
    },
)
def post_photo(
    product_id: str,
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="The photo: JPEG, PNG or WebP, at most 8 MB")],
) -> PhotoOut:
    product = writable_product(session, product_id, principal)
    ensure_room_for_photo(product)
    data = file.file.read(MAX_PHOTO_BYTES + 1)
    try:
        prepared = prepare_photo(data)
    except PhotoRefused as exc:
        raise _refusal(exc) from exc
    settings: Settings = request.app.state.settings
    stored = add_photo(
        session, request.app.state.media, product, prepared, principal, settings.media_base_url
    )
    return PhotoOut.model_validate(stored, from_attributes=True)


@router.delete(
    "/v1/products/{product_id}/photos/{photo_id}",
    status_code=204,
    summary="Remove a product photo (from `images`, then its files)",
)
def delete_photo(
    product_id: str,
    photo_id: str,
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
) -> Response:
    product = writable_product(session, product_id, principal)
    remove_photo(session, request.app.state.media, product, photo_id, principal)
    return Response(status_code=204)


# HEAD answers the same headers; it stays out of the OpenAPI (one operation per path there).
@router.head("/v1/media/{key:path}", include_in_schema=False)
@router.get(
    "/v1/media/{key:path}",
    summary="A stored photo or thumbnail (public; cached for a year, never changes)",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
        304: {"description": "If-None-Match matched"},
    },
)
def get_media(key: str, request: Request) -> Response:
    """`products/{product_id}/{photo_id}/original.{jpg|png|webp}` is the photo as uploaded
    (re-encoded without metadata); `thumb.webp` (320 px) and `medium.webp` (960 px) beside it
    are its thumbnails."""
    store: MediaStore = request.app.state.media
    found = store.get(key) if KEY_PATTERN.fullmatch(key) else None
    if found is None:
        raise NotFound("Không có tệp này", "No such file")
    headers = {"Cache-Control": IMMUTABLE, "ETag": found.etag}
    if found.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else found.data
    headers["Content-Length"] = str(len(found.data))
    return Response(body, media_type=found.content_type, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
