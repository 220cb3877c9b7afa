"""The relevance test set: what shoppers type, and what they must get.

`top`: the first hit; `includes`: all among the hits; `excludes`: none among them; `before`:
(a, b) means a ranks above b; `approximate`: among the hits, marked approximate (the other
products named must be marked exact, and in every case exact hits come first); `total`: exact
number of matches. Filters use codes. Every entry of the synonym list
(`ocop_search/data/synonyms.json`) has a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    kind: str
    q: str
    top: str | None = None
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    before: tuple[str, str] | None = None
    approximate: tuple[str, ...] = ()
    total: int | None = None
    filters: dict[str, list[str] | list[int]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        extra = f" {self.filters}" if self.filters else ""
        return f"{self.kind}: {self.q!r}{extra}"


FISH_SAUCES = (
    "Nước mắm Lê Gia",
    "Nước mắm Phú Quốc Khải Hoàn",
    "Nước mắm Cát Hải",
    "Nước mắm Nam Ô",
)

CASES: list[Case] = [
    # --- no diacritics ---------------------------------------------------------------------
    Case("no diacritics", "nuoc mam le gia", top="Nước mắm Lê Gia", total=1),
    Case("no diacritics", "gao st25", top="Gạo ST25 Sóc Trăng"),
    Case("no diacritics", "keo dua ben tre", top="Kẹo dừa Bến Tre Thanh Long"),
    Case("no diacritics", "che thai nguyen", top="Chè Thái Nguyên Tân Cương"),
    Case("no diacritics", "mat ong bac ha", top="Mật ong bạc hà Hà Giang"),
    Case("no diacritics", "sam ngoc linh", top="Sâm Ngọc Linh"),
    Case("no diacritics", "gom bat trang", top="Gốm Bát Tràng"),
    Case("no diacritics", "lua van phuc", top="Lụa Vạn Phúc"),
    Case("no diacritics", "banh dau xanh", top="Bánh đậu xanh Hải Dương"),
    Case("no diacritics", "nhan long hung yen", top="Nhãn lồng Hưng Yên"),
    Case("no diacritics", "vai thieu luc ngan", top="Vải thiều Lục Ngạn"),
    Case("no diacritics", "buoi dien", top="Bưởi Diễn"),
    Case("no diacritics", "ca phe buon ma thuot", top="Cà phê Buôn Ma Thuột"),
    Case("no diacritics", "non la hue", top="Nón lá Huế"),
    Case("no diacritics", "ruou bau da", top="Rượu Bàu Đá"),
    Case("no diacritics", "nuoc mam", includes=FISH_SAUCES, total=4),
    # --- with diacritics -------------------------------------------------------------------
    Case("diacritics", "Nước mắm Phú Quốc", top="Nước mắm Phú Quốc Khải Hoàn"),
    Case("diacritics", "Cốm làng Vòng", top="Cốm làng Vòng"),
    Case("diacritics", "Tương Bần", top="Tương Bần"),
    Case("diacritics", "miến dong", top="Miến dong Bình Liêu"),
    Case("diacritics", "NƯỚC MẮM LÊ GIA", top="Nước mắm Lê Gia"),
    # --- wrong diacritics ------------------------------------------------------------------
    Case("wrong diacritics", "nuóc mãm le gia", top="Nước mắm Lê Gia"),
    Case("wrong diacritics", "kẹo dưa", top="Kẹo dừa Bến Tre Thanh Long"),
    Case("wrong diacritics", "chè thai nguyên", top="Chè Thái Nguyên Tân Cương"),
    Case("wrong diacritics", "mạt ong", includes=("Mật ong bạc hà Hà Giang", "Mật ong hoa nhãn")),
    Case("wrong diacritics", "cà phề cầu đất", top="Cà phê Cầu Đất"),
    Case("wrong diacritics", "gạọ séng cù", top="Gạo Séng Cù"),
    # --- đ = d -----------------------------------------------------------------------------
    Case("d for đ", "dao nhat tan", top="Đào Nhật Tân"),
    Case("d for đ", "diem du lich duong lam", top="Điểm du lịch làng cổ Đường Lâm"),
    Case("d for đ", "dua sap cau ke", top="Dừa sáp Cầu Kè"),
    Case("d for đ", "dong trung ha thao", top="Đông trùng hạ thảo Cordyceps militaris"),
    # --- one typo (words of 5+ letters, Meilisearch's default) ------------------------------
    Case("one typo", "nuocc mam", includes=FISH_SAUCES, approximate=FISH_SAUCES),
    Case(
        "one typo",
        "che thai ngyuen",
        top="Chè Thái Nguyên Tân Cương",
        approximate=("Chè Thái Nguyên Tân Cương",),
    ),
    Case("one typo", "mieen dong", top="Miến dong Bình Liêu", approximate=("Miến dong Bình Liêu",)),
    Case(
        "one typo",
        "ca phe buon ma thout",
        top="Cà phê Buôn Ma Thuột",
        approximate=("Cà phê Buôn Ma Thuột",),
    ),
    Case("one typo", "sam ngoc linhh", top="Sâm Ngọc Linh", approximate=("Sâm Ngọc Linh",)),
    Case(
        "one typo",
        "nhan long hungg yen",
        top="Nhãn lồng Hưng Yên",
        approximate=("Nhãn lồng Hưng Yên",),
    ),
    Case(
        "one typo",
        "vai thieeu luc ngan",
        top="Vải thiều Lục Ngạn",
        approximate=("Vải thiều Lục Ngạn",),
    ),
    Case(
        "one typo",
        "banh pia soc trnag",
        top="Bánh pía Sóc Trăng",
        approximate=("Bánh pía Sóc Trăng",),
    ),
    Case(
        "one typo",
        "cordyceps militariss",
        top="Đông trùng hạ thảo Cordyceps militaris",
        approximate=("Đông trùng hạ thảo Cordyceps militaris",),
    ),
    # --- two typos (words of 9+ letters) ---------------------------------------------------
    Case(
        "two typos",
        "kordyseps",
        top="Đông trùng hạ thảo Cordyceps militaris",
        approximate=("Đông trùng hạ thảo Cordyceps militaris",),
    ),
    Case(
        "two typos",
        "hoomestai pu luong",
        top="Homestay Pù Luông",
        approximate=("Homestay Pù Luông",),
    ),
    # --- no typo below 5 letters, none in codes, none into place names ---------------------
    Case("short words exact", "cam vinh", top="Cam Vinh", excludes=("Cốm làng Vòng",)),
    Case(
        "short words exact",
        "banh",
        includes=("Bánh đậu xanh Hải Dương", "Bánh pía Sóc Trăng"),
        excludes=("Gạo tám xoan", "Chiếu cói Kim Sơn", "Miến dong Bình Liêu"),
        total=2,
    ),
    Case(
        "short words exact",
        "nhan",
        includes=("Nhãn lồng Hưng Yên", "Mật ong hoa nhãn"),
        excludes=("Đào Nhật Tân",),
    ),
    Case("short words exact", "buoi", top="Bưởi Diễn", excludes=("Cà phê Buôn Ma Thuột",)),
    Case("codes exact", "st24", total=0),
    # "tuyen" (Tuyên Quang) is one letter from "tuyet", but only as a place name.
    Case(
        "no typo into places",
        "tuyet",
        top="Trà shan tuyết cổ thụ",
        excludes=("Mật ong bạc hà Hà Giang",),
        total=1,
    ),
    # --- prefix of the last word -----------------------------------------------------------
    Case("prefix", "nuoc ma", includes=FISH_SAUCES),
    Case("prefix", "keo du", top="Kẹo dừa Bến Tre Thanh Long"),
    Case("prefix", "che thai ng", top="Chè Thái Nguyên Tân Cương"),
    Case("prefix", "ca phe buon", top="Cà phê Buôn Ma Thuột"),
    Case("prefix", "sam ngoc l", top="Sâm Ngọc Linh"),
    Case("prefix", "gom bat tr", top="Gốm Bát Tràng"),
    Case("prefix", "mien do", top="Miến dong Bình Liêu"),
    Case("prefix", "cordy", top="Đông trùng hạ thảo Cordyceps militaris"),
    # --- legacy (pre-2025) places ----------------------------------------------------------
    Case("legacy place", "hai hau", top="Gạo tám xoan"),
    Case("legacy place", "Hải Hậu", top="Gạo tám xoan"),
    Case("legacy place", "nam dinh", includes=("Gạo tám xoan", "Kẹo sìu châu")),
    Case("legacy place", "gao nam dinh", top="Gạo tám xoan", total=1),
    Case("legacy place", "ha giang", includes=("Trà shan tuyết cổ thụ", "Mật ong bạc hà Hà Giang")),
    Case("legacy place", "tra vi xuyen", top="Trà shan tuyết cổ thụ"),
    Case("legacy place", "bac giang", top="Vải thiều Lục Ngạn"),
    Case("legacy place", "soc trang", includes=("Gạo ST25 Sóc Trăng", "Bánh pía Sóc Trăng")),
    Case("legacy place", "kien giang", includes=("Nước mắm Phú Quốc Khải Hoàn", "Tiêu Phú Quốc")),
    Case("legacy place", "keo ben tre", top="Kẹo dừa Bến Tre Thanh Long"),
    Case("legacy place", "hai duong", top="Bánh đậu xanh Hải Dương"),
    Case("legacy place", "dieu binh phuoc", top="Hạt điều rang muối"),
    # --- current places and other names ----------------------------------------------------
    Case("current place", "ninh binh", includes=("Gạo tám xoan", "Chiếu cói Kim Sơn")),
    Case("current place", "can tho", includes=("Gạo ST25 Sóc Trăng", "Bánh pía Sóc Trăng")),
    Case("synonym", "sai gon", includes=("Cà phê muối Chợ Lớn", "Hạt tiêu Châu Đức")),
    Case("synonym", "tphcm", includes=("Cà phê muối Chợ Lớn", "Hạt tiêu Châu Đức")),
    Case("synonym", "ca phe hcm", top="Cà phê muối Chợ Lớn", total=1),
    Case("synonym", "buoi hn", top="Bưởi Diễn", total=1),
    Case("synonym", "tieu brvt", top="Hạt tiêu Châu Đức", total=1),
    Case("synonym", "daklak", includes=("Cà phê Buôn Ma Thuột", "Socola cacao Đắk Lắk")),
    Case("synonym", "mac ca daknong", top="Mắc ca Tuy Đức", total=1),
    Case("synonym", "tth", includes=("Nón lá Huế", "Tinh dầu tràm Huế", "Xà phòng sả chanh")),
    Case("synonym", "ca phe ban me thuot", top="Cà phê Buôn Ma Thuột", total=1),
    Case("synonym", "dalat", top="Cao actiso Đà Lạt", total=1),
    # --- everyday words --------------------------------------------------------------------
    Case(
        "everyday word",
        "cafe",
        includes=("Cà phê Buôn Ma Thuột", "Cà phê Cầu Đất", "Cafe Arabica Sơn La"),
        total=4,
    ),
    Case("everyday word", "cà phê sơn la", top="Cafe Arabica Sơn La", total=1),
    Case("everyday word", "coffee", includes=("Cà phê Cầu Đất", "Cafe Arabica Sơn La")),
    Case("everyday word", "cacao", includes=("Ca cao Bến Tre", "Socola cacao Đắk Lắk"), total=2),
    Case("everyday word", "ca cao", includes=("Ca cao Bến Tre", "Socola cacao Đắk Lắk")),
    Case("everyday word", "sô cô la", top="Socola cacao Đắk Lắk", total=1),
    Case("everyday word", "tra thai nguyen", top="Chè Thái Nguyên Tân Cương", total=1),
    Case("everyday word", "che shan tuyet", top="Trà shan tuyết cổ thụ", total=1),
    Case("everyday word", "xa bong", top="Xà phòng sả chanh", total=1),
    Case("everyday word", "thit heo gac bep", top="Thịt lợn gác bếp", total=1),
    Case("everyday word", "ruou bap", top="Rượu ngô Bắc Hà", total=1),
    Case("everyday word", "keo dau phong", top="Kẹo lạc Nam Đàn", total=1),
    Case("everyday word", "mi gao", top="Mỳ gạo Chũ", total=1),
    # "mắm" is a word of every "Nước mắm …": no synonym needed (see the list's notes).
    Case("everyday word", "mam phu quoc", top="Nước mắm Phú Quốc Khải Hoàn", total=1),
    # --- place names older than the pre-2025 addresses -------------------------------------
    Case(
        "older place name",
        "ha tay",
        includes=("Lụa Vạn Phúc", "Điểm du lịch làng cổ Đường Lâm"),
        excludes=("Cốm làng Vòng", "Bưởi Diễn"),
    ),
    Case("older place name", "ha nam ninh", includes=("Gạo tám xoan", "Chiếu cói Kim Sơn")),
    Case(
        "older place name",
        "hai hung",
        includes=("Bánh đậu xanh Hải Dương", "Nhãn lồng Hưng Yên"),
    ),
    Case("older place name", "ha bac", includes=("Vải thiều Lục Ngạn", "Mỳ gạo Chũ")),
    Case("older place name", "che bac thai", top="Chè Thái Nguyên Tân Cương", total=1),
    Case("older place name", "nghe tinh", includes=("Cam Vinh", "Kẹo cu đơ")),
    Case("older place name", "keo cu do nghe tinh", top="Kẹo cu đơ", total=1),
    Case("older place name", "ruou nghia binh", top="Rượu Bàu Đá", total=1),
    Case("older place name", "non la binh tri thien", top="Nón lá Huế", total=1),
    # Bến Tre, never part of Cửu Long, is in today's Vĩnh Long: found too.
    Case("older place name", "dua cuu long", includes=("Dừa sáp Cầu Kè",)),
    Case("older place name", "song be", top="Hạt điều rang muối", total=1),
    Case("older place name", "gao hoang lien son", top="Gạo Séng Cù", total=1),
    # --- producer, group, certifications as words ------------------------------------------
    Case("producer", "khai hoan", top="Nước mắm Phú Quốc Khải Hoàn"),
    Case("producer", "gom su", top="Gốm Bát Tràng"),
    Case("certification word", "vietgap", includes=("Vải thiều Lục Ngạn", "Bưởi Diễn", "Cam Vinh")),
    Case(
        "certification word",
        "haccp banh",
        includes=("Bánh đậu xanh Hải Dương", "Bánh pía Sóc Trăng"),
    ),
    Case("group word", "duoc lieu sam", top="Sâm Ngọc Linh"),
    Case("group word", "thuc pham nuoc mam", includes=FISH_SAUCES),  # sub-grouped: gia_vi
    # --- filters ---------------------------------------------------------------------------
    Case("filter", "nuoc mam", top="Nước mắm Cát Hải", total=1, filters={"province_codes": ["31"]}),
    Case(
        "filter",
        "",
        includes=(
            "Gạo ST25 Sóc Trăng",
            "Chè Thái Nguyên Tân Cương",
            "Gốm Bát Tràng",
            "Sâm Ngọc Linh",
        ),
        total=4,
        filters={"stars": [5]},
    ),
    Case("filter", "", total=5, filters={"groups": ["duoc_lieu"]}),
    Case("filter", "", total=4, filters={"groups": ["thuc_pham.gia_vi"]}),
    Case(
        "filter",
        "mat ong",
        top="Mật ong bạc hà Hà Giang",
        total=1,
        filters={"certifications": ["vietgap"]},
    ),
    Case("filter", "", total=3, filters={"certifications": ["iso22000", "globalgap"]}),
    Case(
        "filter",
        "ca phe",
        total=2,
        includes=("Cà phê Buôn Ma Thuột", "Cà phê Cầu Đất"),
        filters={"province_codes": ["66", "68"]},
    ),
    Case(
        "filter",
        "",
        total=4,
        filters={
            "province_codes": ["01"],
            "groups": ["thuc_pham", "thu_cong_my_nghe"],
            "stars": [4, 5],
        },
    ),
    # --- products that may not be shown ----------------------------------------------------
    Case("not public", "hon rot", excludes=("Nước mắm Hòn Rớt",)),
    Case(
        "not public",
        "nuoc mam hon rot",
        includes=FISH_SAUCES,
        excludes=("Nước mắm Hòn Rớt",),
        approximate=FISH_SAUCES,
    ),
    Case("not public", "tra sen tay ho", excludes=("Trà sen Tây Hồ",)),
    Case("not public", "mut gung kim long", total=0),
    Case("not public", "banh trang trang bang", excludes=("Bánh tráng Trảng Bàng",)),
    Case("not public", "ruou sim", excludes=("Rượu sim Phú Quốc",)),
    Case("expiring is shown", "cha muc ha long", top="Chả mực Hạ Long"),
    # --- ranking ---------------------------------------------------------------------------
    Case(
        "exact above approximate",
        "trang",
        before=("Gốm Bát Tràng", "Đông trùng hạ thảo Cordyceps militaris"),
        approximate=("Đông trùng hạ thảo Cordyceps militaris",),
    ),
    Case("whole word above prefix", "lan", before=("Lan hồ điệp Mê Linh", "Cốm làng Vòng")),
    # --- trailing words dropped only when nothing matches ----------------------------------
    Case(
        "drop trailing words",
        "nuoc mam le gia xyzabc",
        top="Nước mắm Lê Gia",
        approximate=("Nước mắm Lê Gia",),
    ),
    Case(
        "drop trailing words",
        "che thai nguyen qwerty",
        top="Chè Thái Nguyên Tân Cương",
        approximate=("Chè Thái Nguyên Tân Cương",),
    ),
    Case("all words required", "nuoc mam phu quoc", total=1, top="Nước mắm Phú Quốc Khải Hoàn"),
]
