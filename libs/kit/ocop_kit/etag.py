"""ETag / If-Match: an update names the version it read, and loses to any change since."""

from __future__ import annotations

from fastapi import Request, Response

from ocop_kit.errors import PreconditionFailed


def etag_for(entity_id: str, version: int) -> str:
    return f'W/"{entity_id}-{version}"'


def set_etag(response: Response, entity_id: str, version: int) -> None:
    response.headers["ETag"] = etag_for(entity_id, version)


def check_if_match(request: Request, entity_id: str, version: int) -> None:
    """Refuse an update whose If-Match names another version (a missing header is allowed)."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return
    current = etag_for(entity_id, version)
    wanted = {tag.strip() for tag in header.split(",")}
    # Compare weakly: a client may strip the W/ prefix.
    if current not in wanted and current.removeprefix("W/") not in wanted:
        raise PreconditionFailed(
            "Bản ghi đã được người khác sửa; hãy tải lại rồi sửa tiếp",
            "The record was changed by someone else; reload it and try again",
            current_etag=current,
        )
