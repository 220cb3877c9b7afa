"""Which picture a page shows for a product: its first photo, or the portal's placeholder."""

from __future__ import annotations

from collections.abc import Sequence

NO_PHOTO = "/static/no-photo.svg"


def photo_url(images: Sequence[str] | None, size: str = "card") -> str:
    """The address of a product's picture at `size` (`card`, `page`): the first image, or the
    placeholder when it has none. `size` is where thumbnails will plug in."""
    for image in images or ():
        if isinstance(image, str) and image.strip():
            return image
    return NO_PHOTO
