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

# The 26 product sets (bộ sản phẩm) of Decision 26/2026/QĐ-TTg, Phụ lục I, in its order: code →
# (top-level group, Vietnamese name). A product's `product_set` is one of these (or None until
# chosen); the evaluation service keeps one score card per set. The registry's
# product_groups.json (checked against this at load) places each under its sub-group and cites
# the sources.
PRODUCT_SETS: dict[str, tuple[str, str]] = {
    "rau_cu_qua_hat_tuoi": ("thuc_pham", "Rau, củ, quả, hạt tươi"),
    "thit_thuy_san_trung_sua_tuoi": ("thuc_pham", "Thịt, thủy sản, trứng, sữa tươi"),
    "gao_ngu_coc_hat_so_che": ("thuc_pham", "Gạo, ngũ cốc, hạt sơ chế khác"),
    "mat_ong_nong_san_khac": ("thuc_pham", "Mật ong, mật khác và nông sản thực phẩm khác"),
    "do_an_nhanh": ("thuc_pham", "Đồ ăn nhanh"),
    "che_bien_gao_ngu_coc": ("thuc_pham", "Chế biến từ gạo, ngũ cốc"),
    "che_bien_rau_cu_qua_hat": ("thuc_pham", "Chế biến từ rau, củ, quả, hạt"),
    "che_bien_thit_thuy_san_trung_sua": (
        "thuc_pham",
        "Chế biến từ thịt, thủy sản, trứng, sữa, các sản phẩm từ mật ong, mật khác "
        "và nông sản thực phẩm khác",
    ),
    "tuong_nuoc_mam_gia_vi_long": ("thuc_pham", "Tương, nước mắm, gia vị dạng lỏng khác"),
    "gia_vi_khac": ("thuc_pham", "Gia vị khác"),
    "che_tuoi_che_bien": ("thuc_pham", "Chè tươi, chế biến"),
    "tra_thuc_vat_khac": ("thuc_pham", "Sản phẩm chè từ thực vật khác"),
    "ca_phe_ca_cao": ("thuc_pham", "Cà phê, ca cao"),
    "ruou_trang": ("do_uong", "Rượu trắng"),
    "do_uong_co_con_khac": ("do_uong", "Đồ uống có cồn khác"),
    "nuoc_khoang_nuoc_dong_chai": ("do_uong", "Nước khoáng thiên nhiên, nước uống đóng chai"),
    "do_uong_khong_con_khac": ("do_uong", "Đồ uống không cồn khác"),
    "thuc_pham_chuc_nang_thuoc_duoc_lieu": (
        "duoc_lieu",
        "Thực phẩm chức năng, thuốc dược liệu, thuốc cổ truyền",
    ),
    "my_pham_duoc_lieu": ("duoc_lieu", "Mỹ phẩm có thành phần từ dược liệu"),
    "tinh_dau_duoc_lieu_khac": ("duoc_lieu", "Tinh dầu và dược liệu khác"),
    "thu_cong_my_nghe_gia_dung_trang_tri": (
        "thu_cong_my_nghe",
        "Thủ công mỹ nghệ gia dụng, trang trí",
    ),
    "vai_may_mac": ("thu_cong_my_nghe", "Vải, may mặc"),
    "hoa": ("sinh_vat_canh", "Hoa"),
    "cay_canh": ("sinh_vat_canh", "Cây cảnh"),
    "dong_vat_canh": ("sinh_vat_canh", "Động vật cảnh"),
    "du_lich_cong_dong": (
        "du_lich",
        "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
    ),
}
PRODUCT_SET_CODES = tuple(PRODUCT_SETS)


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
