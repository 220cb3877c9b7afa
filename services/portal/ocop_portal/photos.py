"""Which picture a page shows for a product: its first photo at the size the page needs, or
the portal's placeholder."""

from __future__ import annotations

from collections.abc import Sequence

from ocop_kit.media import thumbnail_url

NO_PHOTO = "/static/no-photo.svg"
# A card shows the 320 px thumbnail, a product page the 960 px one (the registry makes both
# once at upload); an outside image address is shown as it is.
THUMBNAIL_FOR = {"card": "thumb", "page": "medium"}


def photo_url(images: Sequence[str] | None, size: str = "card") -> str:
    """The address of a product's picture at `size` (`card`, `page`): the first image, or the
    placeholder when it has none."""
    for image in images or ():
        if isinstance(image, str) and image.strip():
            return thumbnail_url(image, THUMBNAIL_FOR[size])
    return NO_PHOTO
