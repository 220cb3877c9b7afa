"""Codes and facts more than one service must agree on."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo

from vietnam_provinces import Province

# What people see (dates, times, "today") is read in Vietnam's time; what is stored is UTC.
VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# A certificate is "expiring" (and its product due for re-evaluation) within this many days of
# its expiry date.
CERTIFICATE_EXPIRING_WITHIN_DAYS = 180

# Marketplace channels a product can be listed on (the sync service owns their configuration).
CHANNEL_CODES = ("postmart", "voso", "shopee", "lazada", "tiki", "sendo", "provincial")

# The six product groups of Decision 148/QĐ-TTg (2023). A product's `group` is one of these or a
# sub-group code below it, written `<group>.<sub-group>`: its top-level group is the part before
# the first dot.
PRODUCT_GROUP_CODES = (
    "thuc_pham",  # Thực phẩm
    "do_uong",  # Đồ uống
    "duoc_lieu",  # Dược liệu và sản phẩm từ dược liệu
    "thu_cong_my_nghe",  # Hàng thủ công mỹ nghệ
    "sinh_vat_canh",  # Sinh vật cảnh
    "du_lich",  # Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch
)


def top_level_group(group: str) -> str:
    """`thuc_pham.nong_san` → `thuc_pham`."""
    return group.split(".", 1)[0]


@cache
def province_codes() -> frozenset[str]:
    """The official two-digit codes of the current provinces (34 since 1 July 2025), from the
    maintained `vietnam-provinces` package, as the registry's addresses carry them (`"37"`)."""
    return frozenset(f"{int(province.code):02d}" for province in Province.iter_all())


def is_province_code(code: str) -> bool:
    """Whether `code` is a current province's official code."""
    return code in province_codes()
