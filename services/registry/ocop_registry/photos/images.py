"""What an uploaded photo must be, and what is kept of it: no I/O, bytes in and bytes out.

A photo is accepted by what its content is (Pillow must recognise it as JPEG, PNG or WebP),
never by its name or declared type. Its size in bytes and in pixels is bounded before any pixel
is decoded (a small file can declare a huge canvas: a decompression bomb). What is kept is
re-encoded from the pixels alone, so EXIF (camera, GPS position, time), XMP, ICC and text chunks
are gone; the EXIF orientation is applied first, so phone photos stay upright. The thumbnails
are made here, once.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from ocop_kit.media import CONTENT_TYPES, THUMBNAIL_SIZES

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # 40 MP, past every phone camera; 160 MB decoded as RGBA
MAX_PHOTO_SIDE = 12_000
MIN_PHOTO_SIDE = 100  # smaller is no product photo; marketplaces ask for 500 px or more
FORMATS: dict[str, str] = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

Reason = Literal["too_large", "unsupported_type", "too_many_pixels", "too_small", "unreadable"]


class PhotoRefused(Exception):
    """Why a photo is refused, in Vietnamese and English; `reason` picks the HTTP status."""

    def __init__(self, reason: Reason, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.reason = reason
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready to store: the cleaned original and its thumbnails (WebP), by size name."""

    ext: str
    width: int
    height: int
    original: bytes
    thumbnails: dict[str, bytes]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.ext]


def prepare_photo(data: bytes) -> PreparedPhoto:
    """Check an uploaded photo and make what is stored of it; raises `PhotoRefused`."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoRefused(
            "too_large",
            f"Ảnh lớn hơn {MAX_PHOTO_BYTES // (1024 * 1024)} MB",
            f"The photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB",
        )
    image = _open(data)
    width, height = image.size
    if width * height > MAX_PHOTO_PIXELS or max(width, height) > MAX_PHOTO_SIDE:
        raise _too_many_pixels(width, height)
    if min(width, height) < MIN_PHOTO_SIDE:
        raise PhotoRefused(
            "too_small",
            f"Ảnh quá nhỏ ({width}×{height}); cạnh ngắn nhất phải từ {MIN_PHOTO_SIDE} điểm ảnh",
            f"The photo is too small ({width}×{height}); its shorter side must be at least "
            f"{MIN_PHOTO_SIDE} pixels",
        )
    ext = FORMATS[str(image.format)]
    try:
        image.load()  # the first frame of an animation; a truncated file fails here
        upright = ImageOps.exif_transpose(image)
    except (OSError, EOFError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PhotoRefused(
            "unreadable",
            "Không đọc được ảnh (tệp hỏng hoặc không đầy đủ)",
            "The photo cannot be read (damaged or incomplete file)",
        ) from exc
    pixels = _pixels_only(upright, ext)
    return PreparedPhoto(
        ext=ext,
        width=pixels.width,
        height=pixels.height,
        original=_encode(pixels, ext),
        thumbnails=_thumbnails(pixels),
    )


def _open(data: bytes) -> Image.Image:
    """Read the header only (no pixels yet), refusing anything but the three formats."""
    try:
        with warnings.catch_warnings():
            # Pillow warns past its own pixel limit and refuses at twice it; both are bombs.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(None, None) from exc
    except (UnidentifiedImageError, OSError, EOFError, ValueError, SyntaxError) as exc:
        raise PhotoRefused(
            "unsupported_type",
            "Chỉ nhận ảnh JPEG, PNG hoặc WebP",
            "Only JPEG, PNG or WebP photos are accepted",
        ) from exc


def _too_many_pixels(width: int | None, height: int | None) -> PhotoRefused:
    size = f" ({width}×{height})" if width and height else ""
    return PhotoRefused(
        "too_many_pixels",
        f"Ảnh có quá nhiều điểm ảnh{size}; tối đa {MAX_PHOTO_PIXELS // 1_000_000} triệu, "
        f"cạnh dài nhất {MAX_PHOTO_SIDE}",
        f"The photo has too many pixels{size}; at most {MAX_PHOTO_PIXELS // 1_000_000} "
        f"million, longest side {MAX_PHOTO_SIDE}",
    )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


def _pixels_only(image: Image.Image, ext: str) -> Image.Image:
    """The pixels in a mode the format keeps, with no metadata attached."""
    if ext == "jpg":
        mode = "L" if image.mode in ("1", "L") else "RGB"
    elif ext == "png" and image.mode in ("RGB", "RGBA", "L", "LA"):
        mode = image.mode
    else:
        mode = "RGBA" if _has_alpha(image) else "RGB"
    pixels = image.convert(mode) if image.mode != mode else image.copy()
    pixels.info = {}  # EXIF, XMP, ICC profile, DPI, PNG text chunks: none travel on
    return pixels


def _encode(image: Image.Image, ext: str) -> bytes:
    out = io.BytesIO()
    # No `optimize`/`progressive` passes: they cost six times the encode for a few per cent
    # of size (bench/media/README.md).
    if ext == "jpg":
        image.save(out, format="JPEG", quality=88)
    elif ext == "png":
        image.save(out, format="PNG", compress_level=6)
    else:
        image.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def _thumbnails(image: Image.Image) -> dict[str, bytes]:
    """Each thumbnail as WebP, no larger than its size on its longest side (never enlarged),
    the largest first and each smaller one from the one before (less to resample)."""
    made: dict[str, bytes] = {}
    source = image
    for name, side in sorted(THUMBNAIL_SIZES.items(), key=lambda item: -item[1]):
        small = source.copy()
        small.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)
        if small.mode not in ("RGB", "RGBA"):
            small = small.convert("RGBA" if _has_alpha(small) else "RGB")
        out = io.BytesIO()
        # method 2: half the encode time of the default 4 for the same size here.
        small.save(out, format="WEBP", quality=80, method=2)
        made[name] = out.getvalue()
        source = small
    return made
