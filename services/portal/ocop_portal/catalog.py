"""Names people read in place of codes: provinces, product groups, producer kinds, channels.

Province names come from `vietnam-provinces` (the official 2025 units); product group names from
the registry's `/v1/product-groups`, cached for a few minutes, with the six groups of Decision 148
as a fallback while the registry cannot be reached.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache
from typing import Any

from vietnam_provinces import Province

from ocop_portal.backends import BackendProblem, Backends, BackendUnavailable

Names = dict[str, tuple[str, str]]

FALLBACK_GROUPS: Names = {
    "thuc_pham": ("Thực phẩm", "Food"),
    "do_uong": ("Đồ uống", "Beverages"),
    "duoc_lieu": ("Dược liệu và sản phẩm từ dược liệu", "Medicinal herbs and herbal products"),
    "thu_cong_my_nghe": ("Hàng thủ công mỹ nghệ", "Handicrafts"),
    "sinh_vat_canh": ("Sinh vật cảnh", "Ornamental plants and animals"),
    "du_lich": (
        "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
        "Community and eco-tourism services and destinations",
    ),
}

PRODUCER_KINDS: Names = {
    "enterprise": ("Doanh nghiệp", "Enterprise"),
    "cooperative": ("Hợp tác xã", "Cooperative"),
    "cooperative_group": ("Tổ hợp tác", "Cooperative group"),
    "household": ("Hộ kinh doanh", "Household business"),
}

CHANNELS: dict[str, str] = {
    "postmart": "Postmart",
    "voso": "Voso",
    "shopee": "Shopee",
    "lazada": "Lazada",
    "tiki": "Tiki",
    "sendo": "Sendo",
    "provincial": "Sàn TMĐT tỉnh",
}

# Quality certification filter codes (as the search service folds them) → how they are written.
CERTIFICATIONS: dict[str, str] = {
    "vietgap": "VietGAP",
    "globalgap": "GlobalGAP",
    "haccp": "HACCP",
    "iso22000": "ISO 22000",
    "fssc22000": "FSSC 22000",
    "halal": "Halal",
    "organic": "Hữu cơ (organic)",
}


def certification_name(code: str) -> str:
    return CERTIFICATIONS.get(code, code)


CERTIFICATE_STATUS: Names = {
    "valid": ("Còn hiệu lực", "Valid"),
    "expiring": ("Sắp hết hạn", "Expiring soon"),
    "expired": ("Đã hết hạn", "Expired"),
    "revoked": ("Đã thu hồi", "Revoked"),
}

LEVELS: Names = {
    "central": ("Trung ương", "Central"),
    "provincial": ("Cấp tỉnh", "Provincial"),
    "district": ("Cấp huyện (trước 2025)", "District (before 2025)"),
    "commune": ("Cấp xã", "Commune"),
}


@lru_cache
def province_names() -> dict[str, str]:
    """Official two-digit province code → name (`"01"` → `Thành phố Hà Nội`)."""
    return {f"{int(p.code.value):02d}": p.name for p in Province.iter_all()}


def province_name(code: Any) -> str:
    if code in (None, ""):
        return "—"
    text = str(code)
    names = province_names()
    if text in names:
        return names[text]
    if text.isdigit():
        return names.get(f"{int(text):02d}", text)
    return text


def _group_names_from(payload: Any) -> Names:
    """Read `/v1/product-groups` whether it is `{groups: [...]}` or a bare list."""
    items = (
        payload.get("groups", payload.get("items", [])) if isinstance(payload, dict) else payload
    )
    names: Names = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or "code" not in item:
            continue
        vi = item.get("name_vi") or item.get("name") or item["code"]
        names[str(item["code"])] = (str(vi), str(item.get("name_en") or vi))
        for sub in item.get("subgroups") or item.get("sub_groups") or item.get("children") or []:
            if isinstance(sub, dict) and "code" in sub:
                sub_vi = sub.get("name_vi") or sub.get("name") or sub["code"]
                names[str(sub["code"])] = (str(sub_vi), str(sub.get("name_en") or sub_vi))
                # The product sets (bộ sản phẩm) under it: their codes never clash with groups'.
                for leaf in sub.get("product_sets") or []:
                    if isinstance(leaf, dict) and "code" in leaf:
                        leaf_vi = str(leaf.get("name_vi") or leaf["code"])
                        names[str(leaf["code"])] = (leaf_vi, str(leaf.get("name_en") or leaf_vi))
    return names


class GroupNames:
    """Product group names from the registry, refreshed every `ttl` seconds."""

    def __init__(self, backends: Backends, ttl: float = 600.0) -> None:
        self.backends = backends
        self.ttl = ttl
        self._names: Names = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def all(self) -> Names:
        now = time.monotonic()
        if self._names and now - self._fetched_at < self.ttl:
            return self._names
        with self._lock:
            if self._names and now - self._fetched_at < self.ttl:
                return self._names
            try:
                fetched = _group_names_from(
                    self.backends.get_json("registry", "/v1/product-groups")
                )
            except (BackendUnavailable, BackendProblem, ValueError):
                fetched = {}
            if fetched:
                self._names = {**FALLBACK_GROUPS, **fetched}
                self._fetched_at = now
            else:
                # Try again on a later page view, but not on every one.
                self._fetched_at = now - self.ttl + 30
                self._names = self._names or dict(FALLBACK_GROUPS)
            return self._names

    def name(self, code: Any, lang: str) -> str:
        if code in (None, ""):
            return "—"
        names = self.all()
        pair = names.get(str(code)) or names.get(str(code).split(".", 1)[0])
        if pair is None:
            return str(code)
        return pair[1] if lang == "en" else pair[0]
