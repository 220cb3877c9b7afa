"""Generated OCOP products for the search benchmark: national scale, realistic shape.

Stars about 75 % 3★, 24 % 4★, 1 % 5★; producers a third cooperatives, a third households, a quarter
enterprises; six product groups; the 34 current provinces with some pre-2025 addresses.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from ocop_contracts import ProductSnapshot

PROVINCES = [
    ("01", "Thành phố Hà Nội", ["Huyện Gia Lâm", "Huyện Thanh Oai", "Huyện Mê Linh"], "Hà Nội"),
    ("04", "Tỉnh Cao Bằng", ["Huyện Trùng Khánh"], "Cao Bằng"),
    ("08", "Tỉnh Tuyên Quang", ["Huyện Vị Xuyên", "Huyện Đồng Văn"], "Hà Giang"),
    ("11", "Tỉnh Điện Biên", ["Huyện Mường Ảng"], "Điện Biên"),
    ("12", "Tỉnh Lai Châu", ["Huyện Tam Đường"], "Lai Châu"),
    ("14", "Tỉnh Sơn La", ["Huyện Mộc Châu"], "Sơn La"),
    ("15", "Tỉnh Lào Cai", ["Huyện Bát Xát", "Huyện Văn Chấn"], "Yên Bái"),
    ("19", "Tỉnh Thái Nguyên", ["Huyện Đại Từ"], "Bắc Kạn"),
    ("20", "Tỉnh Lạng Sơn", ["Huyện Bắc Sơn"], "Lạng Sơn"),
    ("22", "Tỉnh Quảng Ninh", ["Huyện Ba Chẽ", "Huyện Bình Liêu"], "Quảng Ninh"),
    ("24", "Tỉnh Bắc Ninh", ["Huyện Lục Ngạn"], "Bắc Giang"),
    ("25", "Tỉnh Phú Thọ", ["Huyện Tam Đảo"], "Vĩnh Phúc"),
    ("31", "Thành phố Hải Phòng", ["Huyện Cát Hải", "Huyện Thanh Hà"], "Hải Dương"),
    ("33", "Tỉnh Hưng Yên", ["Huyện Thái Thụy", "Huyện Mỹ Hào"], "Thái Bình"),
    ("37", "Tỉnh Ninh Bình", ["Huyện Hải Hậu", "Huyện Kim Sơn", "Huyện Lý Nhân"], "Nam Định"),
    ("38", "Tỉnh Thanh Hóa", ["Huyện Hậu Lộc", "Huyện Bá Thước"], "Thanh Hóa"),
    ("40", "Tỉnh Nghệ An", ["Huyện Quỳ Hợp"], "Nghệ An"),
    ("42", "Tỉnh Hà Tĩnh", ["Huyện Hương Khê"], "Hà Tĩnh"),
    ("44", "Tỉnh Quảng Trị", ["Huyện Lệ Thủy"], "Quảng Bình"),
    ("46", "Thành phố Huế", ["Huyện Phong Điền"], "Thừa Thiên Huế"),
    ("48", "Thành phố Đà Nẵng", ["Huyện Hòa Vang", "Huyện Đại Lộc"], "Quảng Nam"),
    ("51", "Tỉnh Quảng Ngãi", ["Huyện Tu Mơ Rông"], "Kon Tum"),
    ("52", "Tỉnh Gia Lai", ["Thị xã An Nhơn"], "Bình Định"),
    ("56", "Tỉnh Khánh Hòa", ["Huyện Ninh Hải"], "Ninh Thuận"),
    ("66", "Tỉnh Đắk Lắk", ["Huyện Krông Pắc"], "Phú Yên"),
    ("68", "Tỉnh Lâm Đồng", ["Huyện Đơn Dương", "Huyện Tuy Phong"], "Bình Thuận"),
    ("75", "Tỉnh Đồng Nai", ["Huyện Bù Đăng"], "Bình Phước"),
    ("79", "Thành phố Hồ Chí Minh", ["Huyện Củ Chi", "Huyện Long Điền"], "Bà Rịa - Vũng Tàu"),
    ("80", "Tỉnh Tây Ninh", ["Huyện Đức Hòa"], "Long An"),
    ("82", "Tỉnh Đồng Tháp", ["Huyện Cái Bè"], "Tiền Giang"),
    ("86", "Tỉnh Vĩnh Long", ["Huyện Chợ Lách", "Huyện Cầu Kè"], "Bến Tre"),
    ("91", "Tỉnh An Giang", ["Thành phố Phú Quốc"], "Kiên Giang"),
    ("92", "Thành phố Cần Thơ", ["Huyện Mỹ Xuyên", "Huyện Phụng Hiệp"], "Sóc Trăng"),
    ("96", "Tỉnh Cà Mau", ["Huyện Hồng Dân"], "Bạc Liêu"),
]

PRODUCTS = {
    "thuc_pham": [
        "Nước mắm",
        "Gạo",
        "Gạo ST25",
        "Mật ong",
        "Kẹo dừa",
        "Kẹo lạc",
        "Bánh đậu xanh",
        "Bánh pía",
        "Miến dong",
        "Mắm tôm",
        "Tương",
        "Nhãn lồng",
        "Vải thiều",
        "Bưởi",
        "Cam sành",
        "Hạt điều",
        "Tiêu",
        "Chả cá",
        "Giò lụa",
        "Mực khô",
        "Tỏi",
        "Khô cá lóc",
        "Bánh tráng",
        "Măng khô",
        "Thịt trâu gác bếp",
    ],
    "do_uong": [
        "Chè",
        "Trà shan tuyết",
        "Cà phê",
        "Rượu",
        "Rượu cần",
        "Nước cốt dừa",
        "Trà atiso",
        "Rượu sim",
    ],
    "duoc_lieu": [
        "Sâm",
        "Cao actiso",
        "Tinh dầu tràm",
        "Trà hoa vàng",
        "Đông trùng hạ thảo",
        "Tinh bột nghệ",
        "Cao dược liệu",
    ],
    "thu_cong_my_nghe": [
        "Gốm",
        "Nón lá",
        "Chiếu cói",
        "Lụa",
        "Mây tre đan",
        "Thổ cẩm",
        "Tranh thêu",
    ],
    "sinh_vat_canh": ["Lan hồ điệp", "Đào cảnh", "Quất cảnh", "Bonsai"],
    "du_lich": ["Homestay", "Điểm du lịch cộng đồng", "Làng nghề"],
}
GROUP_WEIGHTS = {
    "thuc_pham": 60,
    "do_uong": 15,
    "duoc_lieu": 10,
    "thu_cong_my_nghe": 10,
    "sinh_vat_canh": 3,
    "du_lich": 2,
}
QUALIFIERS = [
    "truyền thống",
    "đặc biệt",
    "thượng hạng",
    "hữu cơ",
    "cổ truyền",
    "loại 1",
    "rang xay",
    "sấy khô",
    "nguyên chất",
    "thơm",
    "đặc sản",
    "",
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hải", "Hạnh", "Lan", "Minh", "Phúc", "Thảo", "Tâm"]
CERTIFICATIONS = ["VietGAP", "GlobalGAP", "HACCP", "ISO 22000", "FSSC 22000", "Halal", "Hữu cơ"]
KINDS = [("cooperative", 33), ("household", 33), ("enterprise", 25), ("cooperative_group", 9)]
KIND_PREFIX = {
    "cooperative": "Hợp tác xã",
    "household": "Hộ kinh doanh",
    "enterprise": "Công ty TNHH",
    "cooperative_group": "Tổ hợp tác",
}


def generate_products(count: int, seed: int = 2025) -> list[ProductSnapshot]:
    """`count` public products (valid certificates), deterministic for a seed."""
    rng = random.Random(seed)
    groups = list(GROUP_WEIGHTS)
    group_weights = list(GROUP_WEIGHTS.values())
    kinds = [k for k, _ in KINDS]
    kind_weights = [w for _, w in KINDS]
    today = date.today()
    products = []
    for n in range(count):
        group = rng.choices(groups, group_weights)[0]
        base = rng.choice(PRODUCTS[group])
        code, province, districts, legacy_province = rng.choice(PROVINCES)
        district = rng.choice(districts)
        place = district.split(" ", 1)[1]
        qualifier = rng.choice(QUALIFIERS)
        name = " ".join(part for part in (base, qualifier, place) if part)
        kind = rng.choices(kinds, kind_weights)[0]
        producer = f"{KIND_PREFIX[kind]} {rng.choice(SURNAMES)} {rng.choice(GIVEN)} {place}"
        stars = rng.choices([3, 4, 5], [75, 24, 1])[0]
        recognised = today - timedelta(days=rng.randint(0, 3 * 365 - 40))
        legacy = rng.random() < 0.6
        products.append(
            ProductSnapshot.model_validate(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "name": name,
                    "description": f"{base} {qualifier} của {producer}, sản phẩm OCOP {stars} sao "
                    f"của {province}.",
                    "group": group,
                    "price_vnd": rng.randrange(20_000, 2_000_000, 1000),
                    "unit": "sản phẩm",
                    "producer": {"id": f"producer-{n % 9800}", "name": producer, "kind": kind},
                    "address": {
                        "province_code": code,
                        "province_name": province,
                        "ward_code": None,
                        "ward_name": f"Xã {rng.choice(GIVEN)} {place}",
                        "legacy_district": district if legacy else None,
                        "legacy_province": f"Tỉnh {legacy_province}" if legacy else None,
                    },
                    "certifications": [
                        {"scheme": s}
                        for s in rng.sample(CERTIFICATIONS, rng.choice([0, 0, 0, 1, 1, 2]))
                    ],
                    "certificate": {
                        "stars": stars,
                        "level": "provincial" if stars < 5 else "central",
                        "decision_no": f"{rng.randint(1, 3000)}/QĐ-UBND",
                        "recognised_on": recognised.isoformat(),
                        "expires_on": (recognised + timedelta(days=3 * 365)).isoformat(),
                        "status": "valid",
                    },
                }
            )
        )
    return products
