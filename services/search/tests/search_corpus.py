"""A small national catalogue of OCOP products for the behaviour and relevance tests.

Current units follow the 2025 reorganisation (34 provinces); the pre-2025 commune, district and
province are kept where people still use them ("Hải Hậu", "Nam Định").
"""

from __future__ import annotations

from datetime import date

from search_factories import snapshot

from ocop_contracts import ProductSnapshot

HA_NOI = {"province_code": "01", "province_name": "Thành phố Hà Nội"}
HCM = {"province_code": "79", "province_name": "Thành phố Hồ Chí Minh"}
HAI_PHONG = {"province_code": "31", "province_name": "Thành phố Hải Phòng"}
HUNG_YEN = {"province_code": "33", "province_name": "Tỉnh Hưng Yên"}
NINH_BINH = {"province_code": "37", "province_name": "Tỉnh Ninh Bình"}
CAN_THO = {"province_code": "92", "province_name": "Thành phố Cần Thơ"}
VINH_LONG = {"province_code": "86", "province_name": "Tỉnh Vĩnh Long"}
AN_GIANG = {"province_code": "91", "province_name": "Tỉnh An Giang"}
THAI_NGUYEN = {"province_code": "19", "province_name": "Tỉnh Thái Nguyên"}
TUYEN_QUANG = {"province_code": "08", "province_name": "Tỉnh Tuyên Quang"}
DAK_LAK = {"province_code": "66", "province_name": "Tỉnh Đắk Lắk"}
LAM_DONG = {"province_code": "68", "province_name": "Tỉnh Lâm Đồng"}
BAC_NINH = {"province_code": "24", "province_name": "Tỉnh Bắc Ninh"}
NGHE_AN = {"province_code": "40", "province_name": "Tỉnh Nghệ An"}
HUE = {"province_code": "46", "province_name": "Thành phố Huế"}
GIA_LAI = {"province_code": "52", "province_name": "Tỉnh Gia Lai"}
DA_NANG = {"province_code": "48", "province_name": "Thành phố Đà Nẵng"}
QUANG_NGAI = {"province_code": "51", "province_name": "Tỉnh Quảng Ngãi"}
QUANG_NINH = {"province_code": "22", "province_name": "Tỉnh Quảng Ninh"}
THANH_HOA = {"province_code": "38", "province_name": "Tỉnh Thanh Hóa"}
DONG_NAI = {"province_code": "75", "province_name": "Tỉnh Đồng Nai"}
LAO_CAI = {"province_code": "15", "province_name": "Tỉnh Lào Cai"}
PHU_THO = {"province_code": "25", "province_name": "Tỉnh Phú Thọ"}
TAY_NINH = {"province_code": "80", "province_name": "Tỉnh Tây Ninh"}
SON_LA = {"province_code": "14", "province_name": "Tỉnh Sơn La"}
HA_TINH = {"province_code": "42", "province_name": "Tỉnh Hà Tĩnh"}

TODAY_FOR_TESTS = date(2026, 6, 1)


def catalogue() -> list[ProductSnapshot]:
    """Every product of the test catalogue, public or not."""
    products = [
        snapshot(
            "Nước mắm Lê Gia",
            description="Nước mắm cốt cá cơm ủ chượp truyền thống 12 tháng",
            producer="Công ty TNHH Lê Gia",
            producer_kind="enterprise",
            group="thuc_pham.gia_vi",
            group_name="Gia vị",
            **HUNG_YEN,
            legacy_district="Huyện Thái Thụy",
            legacy_province="Tỉnh Thái Bình",
            stars=4,
        ),
        snapshot(
            "Nước mắm Phú Quốc Khải Hoàn",
            producer="Công ty cổ phần Khải Hoàn",
            producer_kind="enterprise",
            group="thuc_pham.gia_vi",
            group_name="Gia vị",
            **AN_GIANG,
            legacy_district="Thành phố Phú Quốc",
            legacy_province="Tỉnh Kiên Giang",
            certifications=("HACCP",),
            stars=4,
        ),
        snapshot(
            "Nước mắm Cát Hải", group="thuc_pham.gia_vi", group_name="Gia vị", **HAI_PHONG, stars=3
        ),
        snapshot(
            "Nước mắm Nam Ô", group="thuc_pham.gia_vi", group_name="Gia vị", **DA_NANG, stars=3
        ),
        snapshot(
            "Gạo ST25 Sóc Trăng",
            description="Gạo thơm ST25 của kỹ sư Hồ Quang Cua",
            **CAN_THO,
            legacy_district="Huyện Mỹ Xuyên",
            legacy_province="Tỉnh Sóc Trăng",
            stars=5,
        ),
        snapshot(
            "Gạo tám xoan",
            producer="Hợp tác xã Nông nghiệp Hải Toàn",
            **NINH_BINH,
            ward_name="Xã Hải Hậu",
            legacy_commune="Xã Hải Toàn",
            legacy_district="Huyện Hải Hậu",
            legacy_province="Tỉnh Nam Định",
            stars=4,
        ),
        snapshot(
            "Kẹo sìu châu",
            **NINH_BINH,
            legacy_district="Thành phố Nam Định",
            legacy_province="Tỉnh Nam Định",
            stars=3,
        ),
        snapshot(
            "Kẹo dừa Bến Tre Thanh Long",
            **VINH_LONG,
            legacy_district="Thành phố Bến Tre",
            legacy_province="Tỉnh Bến Tre",
            stars=4,
        ),
        snapshot(
            "Dừa sáp Cầu Kè",
            **VINH_LONG,
            legacy_district="Huyện Cầu Kè",
            legacy_province="Tỉnh Trà Vinh",
            stars=4,
        ),
        snapshot(
            "Chè Thái Nguyên Tân Cương",
            group="do_uong",
            **THAI_NGUYEN,
            certifications=("VietGAP",),
            stars=5,
        ),
        snapshot(
            "Trà shan tuyết cổ thụ",
            group="do_uong",
            **TUYEN_QUANG,
            legacy_district="Huyện Vị Xuyên",
            legacy_province="Tỉnh Hà Giang",
            stars=4,
        ),
        snapshot("Cà phê Buôn Ma Thuột", group="do_uong", **DAK_LAK, stars=4),
        snapshot("Cà phê Cầu Đất", group="do_uong", **LAM_DONG, stars=4),
        snapshot(
            "Cà phê muối Chợ Lớn",
            group="do_uong",
            **HCM,
            ward_name="Phường Chợ Lớn",
            stars=3,
        ),
        snapshot(
            "Mật ong bạc hà Hà Giang",
            **TUYEN_QUANG,
            legacy_district="Huyện Đồng Văn",
            legacy_province="Tỉnh Hà Giang",
            certifications=("VietGAP",),
            stars=4,
        ),
        snapshot("Mật ong hoa nhãn", **HUNG_YEN, stars=3),
        snapshot("Nhãn lồng Hưng Yên", **HUNG_YEN, certifications=("VietGAP",), stars=4),
        snapshot(
            "Vải thiều Lục Ngạn",
            **BAC_NINH,
            legacy_district="Huyện Lục Ngạn",
            legacy_province="Tỉnh Bắc Giang",
            certifications=("VietGAP", "GlobalGAP"),
            stars=4,
        ),
        snapshot("Bưởi Diễn", **HA_NOI, certifications=("VietGAP",), stars=4),
        snapshot("Cam Vinh", **NGHE_AN, certifications=("VietGAP",), stars=3),
        snapshot(
            "Bánh đậu xanh Hải Dương",
            **HAI_PHONG,
            legacy_province="Tỉnh Hải Dương",
            certifications=("HACCP",),
            stars=4,
        ),
        snapshot("Cốm làng Vòng", **HA_NOI, stars=4),
        snapshot(
            "Rượu Bàu Đá",
            group="do_uong",
            **GIA_LAI,
            legacy_district="Thị xã An Nhơn",
            legacy_province="Tỉnh Bình Định",
            stars=3,
        ),
        snapshot(
            "Tương Bần", **HUNG_YEN, legacy_district="Huyện Mỹ Hào", group="thuc_pham", stars=3
        ),
        snapshot("Nón lá Huế", group="thu_cong_my_nghe", **HUE, stars=4),
        snapshot(
            "Gốm Bát Tràng",
            group="thu_cong_my_nghe",
            producer="Công ty TNHH Gốm sứ Bát Tràng",
            producer_kind="enterprise",
            **HA_NOI,
            legacy_district="Huyện Gia Lâm",
            stars=5,
        ),
        snapshot(
            "Lụa Vạn Phúc",
            group="thu_cong_my_nghe",
            **HA_NOI,
            legacy_district="Quận Hà Đông",
            stars=4,
        ),
        snapshot("Chiếu cói Kim Sơn", group="thu_cong_my_nghe", **NINH_BINH, stars=3),
        snapshot(
            "Sâm Ngọc Linh",
            group="duoc_lieu",
            **QUANG_NGAI,
            legacy_district="Huyện Tu Mơ Rông",
            legacy_province="Tỉnh Kon Tum",
            stars=5,
        ),
        snapshot(
            "Cao actiso Đà Lạt",
            group="duoc_lieu",
            **LAM_DONG,
            certifications=("ISO 22000",),
            stars=4,
        ),
        snapshot("Tinh dầu tràm Huế", group="duoc_lieu", **HUE, stars=3),
        snapshot("Trà hoa vàng Ba Chẽ", group="duoc_lieu", **QUANG_NINH, stars=4),
        snapshot(
            "Đông trùng hạ thảo Cordyceps militaris",
            group="duoc_lieu",
            **PHU_THO,
            legacy_district="Huyện Tam Đảo",
            legacy_province="Tỉnh Vĩnh Phúc",
            stars=4,
        ),
        snapshot("Lan hồ điệp Mê Linh", group="sinh_vat_canh", **HA_NOI, stars=3),
        snapshot("Đào Nhật Tân", group="sinh_vat_canh", **HA_NOI, stars=3),
        snapshot("Homestay Pù Luông", group="du_lich", **THANH_HOA, stars=3),
        snapshot(
            "Điểm du lịch làng cổ Đường Lâm",
            group="du_lich",
            **HA_NOI,
            legacy_district="Thị xã Sơn Tây",
            stars=4,
        ),
        snapshot(
            "Bánh pía Sóc Trăng",
            **CAN_THO,
            legacy_province="Tỉnh Sóc Trăng",
            certifications=("HACCP",),
            stars=4,
        ),
        snapshot(
            "Hạt điều rang muối",
            **DONG_NAI,
            legacy_province="Tỉnh Bình Phước",
            certifications=("HACCP", "ISO 22000"),
            stars=4,
        ),
        snapshot("Tiêu Phú Quốc", **AN_GIANG, legacy_province="Tỉnh Kiên Giang", stars=3),
        snapshot("Mắm tôm Hậu Lộc", **THANH_HOA, stars=3),
        snapshot("Gạo Séng Cù", **LAO_CAI, stars=3),
        snapshot("Miến dong Bình Liêu", **QUANG_NINH, stars=4),
        snapshot("Chả mực Hạ Long", **QUANG_NINH, status="expiring", stars=4),
        # Everyday words and older place names (the synonym list).
        snapshot("Ca cao Bến Tre", **VINH_LONG, legacy_province="Tỉnh Bến Tre", stars=3),
        snapshot("Socola cacao Đắk Lắk", **DAK_LAK, stars=3),
        snapshot("Cafe Arabica Sơn La", group="do_uong", **SON_LA, stars=3),
        snapshot("Xà phòng sả chanh", group="thu_cong_my_nghe", **HUE, stars=3),
        snapshot("Thịt lợn gác bếp", **LAO_CAI, stars=3),
        snapshot("Rượu ngô Bắc Hà", group="do_uong", **LAO_CAI, stars=4),
        snapshot("Kẹo lạc Nam Đàn", **NGHE_AN, stars=3),
        snapshot("Kẹo cu đơ", **HA_TINH, stars=3),
        snapshot("Mỳ gạo Chũ", **BAC_NINH, stars=3),
        snapshot(
            "Hạt tiêu Châu Đức",
            **HCM,
            legacy_district="Huyện Châu Đức",
            legacy_province="Tỉnh Bà Rịa - Vũng Tàu",
            stars=3,
        ),
        snapshot(
            "Mắc ca Tuy Đức",
            **LAM_DONG,
            legacy_district="Huyện Tuy Đức",
            legacy_province="Tỉnh Đắk Nông",
            stars=3,
        ),
        # Not public: expired, revoked, never certified, expired by date before the status job ran.
        snapshot("Nước mắm Hòn Rớt", **DA_NANG, status="expired", stars=3),
        snapshot("Trà sen Tây Hồ", group="do_uong", **HA_NOI, status="revoked", stars=4),
        snapshot("Mứt gừng Kim Long", **HUE, stars=None),
        snapshot(
            "Bánh tráng Trảng Bàng",
            **TAY_NINH,
            recognised_on=date(2021, 1, 1),
            expires_on=date(2024, 1, 1),
            stars=3,
        ),
        snapshot("Rượu sim Phú Quốc", group="do_uong", **AN_GIANG, deleted=True, stars=4),
    ]
    return products


NOT_PUBLIC = (
    "Nước mắm Hòn Rớt",
    "Trà sen Tây Hồ",
    "Mứt gừng Kim Long",
    "Bánh tráng Trảng Bàng",
    "Rượu sim Phú Quốc",
)
