"""Make the demo's own product pictures once (they are committed; run again only to change them).

    .venv/bin/python libs/cli/scripts/make_demo_photos.py

One small WebP a product of `ocop_cli/demo/ocop-demo.csv`, named by `demo_photo_name(product
name)`: the product group's colour, a simple drawn shape for what the product is, its name, and
"Ảnh minh hoạ · Illustration" so nobody takes it for a real photograph. Needs Pillow (the
registry's dependency) and the DejaVu Sans font (Debian: fonts-dejavu-core) for Vietnamese text.
"""

from __future__ import annotations

import colorsys
import csv
import math
import sys

from PIL import Image, ImageDraw, ImageFont

from ocop_cli.demo import DEMO_PHOTOS, DEMO_SHEET, demo_photo_name

SIDE = 480
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

# Hue of each product group (folded start of the group cell), in degrees.
GROUP_HUES = {
    "thuc pham": 32,  # food: warm amber
    "thuc_pham": 32,
    "do uong": 200,  # drinks: blue
    "do_uong": 200,
    "duoc lieu": 140,  # herbal: green
    "duoc_lieu": 140,
    "thao duoc": 140,
    "hang thu cong": 12,  # crafts: terracotta
    "thu_cong": 12,
    "vai va may mac": 290,  # textiles: plum
    "luu niem": 12,
    "sinh vat canh": 330,  # ornamental plants: rose
    "dich vu du lich": 170,  # tourism: teal
    "du_lich": 170,
}

# What to draw, by a word in the product's name (first match), else by group.
SHAPES = [
    ("thanh tra", "fruit"),
    ("cam ", "fruit"),
    ("quyt", "fruit"),
    ("toi ", "fruit"),
    ("du lich", "house"),
    ("gao", "bowl"),
    ("nuoc mam", "bottle"),
    ("ruou", "bottle"),
    ("dau dua", "bottle"),
    ("tinh dau", "bottle"),
    ("mat ong", "jar"),
    ("cao ", "jar"),
    ("tra ", "cup"),
    ("ca phe", "cup"),
    ("sua chua", "cup"),
    ("che ", "leaf"),
    ("ba kich", "leaf"),
    ("atiso", "leaf"),
    ("vai thieu", "fruit"),
    ("nhan", "fruit"),
    ("man ", "fruit"),
    ("mo ", "fruit"),
    ("keo", "candy"),
    ("muoi", "mound"),
    ("ngao", "shell"),
    ("cha ca", "fish"),
    ("binh", "vase"),
    ("lo hoa", "vase"),
    ("am chen", "vase"),
    ("gom", "vase"),
    ("lua", "fabric"),
    ("khan", "fabric"),
    ("theu", "fabric"),
    ("den long", "lantern"),
    ("may tre", "basket"),
    ("lan ", "basket"),
    ("hoa ", "flower"),
    ("lan", "flower"),
    ("nha vuon", "house"),
    ("lang", "house"),
    ("homestay", "house"),
]
GROUP_SHAPES = {32: "bowl", 200: "bottle", 140: "leaf", 12: "vase", 290: "fabric", 330: "flower"}


def fold(text: str) -> str:
    import unicodedata

    text = text.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def rgb(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb((hue % 360) / 360, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def hue_of(group: str) -> int:
    folded = fold(group)
    for start, hue in GROUP_HUES.items():
        if folded.startswith(start):
            return hue
    return 32


def shape_of(name: str, hue: int) -> str:
    folded = fold(name) + " "
    for word, shape in SHAPES:
        if word in folded:
            return shape
    return GROUP_SHAPES.get(hue, "bowl")


def draw_shape(draw: ImageDraw.ImageDraw, shape: str, ink: tuple, fill: tuple) -> None:
    """A simple, flat drawing centred at (240, 190), about 200 px across."""
    cx, cy, w = 240, 190, 6
    if shape == "bowl":
        for i in range(14):
            x = cx - 70 + (i * 37) % 140
            y = cy - 40 + (i * 23) % 40
            draw.ellipse((x, y, x + 16, y + 9), fill=(255, 255, 255), outline=ink, width=2)
        draw.chord((cx - 100, cy - 40, cx + 100, cy + 100), 0, 180, fill=fill, outline=ink, width=w)
    elif shape == "bottle":
        draw.rounded_rectangle(
            (cx - 16, cy - 110, cx + 16, cy - 60), 6, fill=fill, outline=ink, width=w
        )
        draw.rounded_rectangle(
            (cx - 50, cy - 60, cx + 50, cy + 90), 24, fill=fill, outline=ink, width=w
        )
        draw.rectangle((cx - 50 + w, cy - 5, cx + 50 - w, cy + 45), fill=(255, 255, 255))
    elif shape == "jar":
        draw.rounded_rectangle((cx - 60, cy - 95, cx + 60, cy - 70), 8, fill=ink)
        draw.rounded_rectangle(
            (cx - 75, cy - 70, cx + 75, cy + 90), 30, fill=fill, outline=ink, width=w
        )
        draw.polygon([(cx, cy - 30), (cx - 22, cy + 15), (cx + 22, cy + 15)], fill=(255, 255, 255))
        draw.ellipse((cx - 22, cy - 5, cx + 22, cy + 38), fill=(255, 255, 255))
    elif shape == "cup":
        draw.rounded_rectangle(
            (cx - 80, cy - 50, cx + 50, cy + 70), 28, fill=fill, outline=ink, width=w
        )
        draw.arc((cx + 25, cy - 25, cx + 95, cy + 40), -90, 90, fill=ink, width=w + 2)
        for dx in (-45, -15, 15):
            draw.arc((cx + dx - 12, cy - 115, cx + dx + 12, cy - 65), 100, 260, fill=ink, width=4)
        draw.ellipse((cx - 110, cy + 62, cx + 110, cy + 92), outline=ink, width=w)
    elif shape == "leaf":
        draw.ellipse((cx - 60, cy - 110, cx + 60, cy + 90), fill=fill, outline=ink, width=w)
        draw.line((cx, cy - 100, cx, cy + 110), fill=ink, width=w)
        for dy in (-60, -20, 20):
            draw.line((cx, cy + dy + 30, cx - 45, cy + dy), fill=ink, width=4)
            draw.line((cx, cy + dy + 30, cx + 45, cy + dy), fill=ink, width=4)
    elif shape == "fruit":
        for dx, dy in ((-55, 20), (55, 20), (0, -35), (0, 60)):
            draw.ellipse(
                (cx + dx - 48, cy + dy - 48, cx + dx + 48, cy + dy + 48),
                fill=fill,
                outline=ink,
                width=w,
            )
        draw.line((cx, cy - 83, cx + 20, cy - 115), fill=ink, width=w)
    elif shape == "candy":
        draw.polygon(
            [(cx - 120, cy - 40), (cx - 70, cy), (cx - 120, cy + 40)], fill=fill, outline=ink
        )
        draw.polygon(
            [(cx + 120, cy - 40), (cx + 70, cy), (cx + 120, cy + 40)], fill=fill, outline=ink
        )
        draw.rounded_rectangle(
            (cx - 75, cy - 45, cx + 75, cy + 45), 40, fill=fill, outline=ink, width=w
        )
    elif shape == "mound":
        draw.polygon(
            [(cx - 120, cy + 80), (cx, cy - 80), (cx + 120, cy + 80)],
            fill=(255, 255, 255),
            outline=ink,
        )
        draw.line(
            [(cx - 120, cy + 80), (cx, cy - 80), (cx + 120, cy + 80), (cx - 120, cy + 80)],
            fill=ink,
            width=w,
        )
        for i in range(12):
            x, y = cx - 60 + (i * 29) % 120, cy + 10 + (i * 17) % 60
            draw.rectangle((x, y, x + 6, y + 6), fill=fill)
    elif shape == "shell":
        draw.pieslice(
            (cx - 110, cy - 90, cx + 110, cy + 130), 180, 360, fill=fill, outline=ink, width=w
        )
        for angle in range(200, 360, 25):
            a = math.radians(angle)
            draw.line(
                (cx, cy + 20, cx + 100 * math.cos(a), cy + 20 + 100 * math.sin(a)),
                fill=ink,
                width=4,
            )
    elif shape == "fish":
        draw.ellipse((cx - 110, cy - 50, cx + 60, cy + 50), fill=fill, outline=ink, width=w)
        draw.polygon(
            [(cx + 50, cy), (cx + 115, cy - 50), (cx + 115, cy + 50)], fill=fill, outline=ink
        )
        draw.ellipse((cx - 80, cy - 15, cx - 60, cy + 5), fill=ink)
    elif shape == "vase":
        draw.rounded_rectangle(
            (cx - 30, cy - 110, cx + 30, cy - 80), 8, fill=fill, outline=ink, width=w
        )
        draw.ellipse((cx - 85, cy - 85, cx + 85, cy + 95), fill=fill, outline=ink, width=w)
        draw.arc((cx - 60, cy - 20, cx + 60, cy + 40), 0, 180, fill=(255, 255, 255), width=6)
        draw.arc((cx - 60, cy - 45, cx + 60, cy + 15), 0, 180, fill=(255, 255, 255), width=6)
    elif shape == "fabric":
        for i, dy in enumerate((-70, -20, 30)):
            points = [(cx - 120 + x, cy + dy + 18 * math.sin(x / 22 + i)) for x in range(0, 241, 8)]
            bottom = [(x, y + 40) for x, y in reversed(points)]
            draw.polygon(points + bottom, fill=fill if i % 2 == 0 else (255, 255, 255), outline=ink)
            draw.line(points, fill=ink, width=4)
    elif shape == "lantern":
        draw.line((cx, cy - 130, cx, cy - 95), fill=ink, width=w)
        draw.ellipse((cx - 70, cy - 95, cx + 70, cy + 75), fill=fill, outline=ink, width=w)
        for dx in (-35, 0, 35):
            draw.arc(
                (cx + dx - 25, cy - 93, cx + dx + 25, cy + 73),
                270 if dx < 0 else -90,
                90,
                fill=ink,
                width=3,
            )
        draw.rectangle((cx - 30, cy + 70, cx + 30, cy + 85), fill=ink)
        draw.line((cx, cy + 85, cx, cy + 120), fill=ink, width=4)
    elif shape == "basket":
        draw.arc((cx - 80, cy - 110, cx + 80, cy + 30), 180, 360, fill=ink, width=w + 2)
        draw.polygon(
            [(cx - 110, cy - 40), (cx + 110, cy - 40), (cx + 80, cy + 90), (cx - 80, cy + 90)],
            fill=fill,
            outline=ink,
        )
        for y in range(-25, 90, 22):
            draw.line((cx - 105, cy + y, cx + 105, cy + y), fill=ink, width=3)
    elif shape == "flower":
        for k in range(6):
            a = math.radians(k * 60)
            px, py = cx + 55 * math.cos(a), cy - 20 + 55 * math.sin(a)
            draw.ellipse((px - 38, py - 38, px + 38, py + 38), fill=fill, outline=ink, width=4)
        draw.ellipse((cx - 28, cy - 48, cx + 28, cy + 8), fill=(255, 214, 90), outline=ink, width=4)
        draw.line((cx, cy + 40, cx, cy + 120), fill=ink, width=w)
    else:  # house
        draw.polygon([(cx - 120, cy - 10), (cx, cy - 110), (cx + 120, cy - 10)], fill=ink)
        draw.rectangle((cx - 90, cy - 10, cx + 90, cy + 100), fill=fill, outline=ink, width=w)
        draw.rectangle(
            (cx - 20, cy + 30, cx + 20, cy + 100), fill=(255, 255, 255), outline=ink, width=4
        )


def wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(trial, font=font) <= width:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def picture(name: str, group: str, index: int) -> Image.Image:
    hue = hue_of(group) + (index * 7) % 21 - 10  # neighbours of one group differ a little
    image = Image.new("RGB", (SIDE, SIDE), rgb(hue, 0.93, 0.45))
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 10, 420, 370), fill=rgb(hue, 0.86, 0.5))
    draw_shape(draw, shape_of(name, hue_of(group)), rgb(hue, 0.25, 0.6), rgb(hue, 0.62, 0.55))
    draw.rectangle((0, 340, SIDE, SIDE), fill=(255, 255, 255))
    title = ImageFont.truetype(FONT_BOLD, 26)
    note = ImageFont.truetype(FONT, 15)
    lines = wrap(draw, name, title, SIDE - 40)[:2]
    y = 352 if len(lines) == 2 else 366
    for line in lines:
        draw.text((SIDE / 2, y), line, font=title, fill=(26, 26, 26), anchor="ma")
        y += 34
    draw.text(
        (SIDE / 2, 452), "Ảnh minh hoạ · Illustration", font=note, fill=(74, 74, 74), anchor="ma"
    )
    return image


def main() -> int:
    DEMO_PHOTOS.mkdir(exist_ok=True)
    for old in DEMO_PHOTOS.glob("*.webp"):
        old.unlink()
    total = 0
    with DEMO_SHEET.open(encoding="utf-8") as sheet:
        for index, row in enumerate(csv.DictReader(sheet)):
            name = row["Tên sản phẩm"]
            path = DEMO_PHOTOS / demo_photo_name(name)
            picture(name, row["Nhóm sản phẩm"], index).save(
                path, format="WEBP", quality=72, method=6
            )
            total += path.stat().st_size
    print(f"{len(list(DEMO_PHOTOS.glob('*.webp')))} pictures, {total // 1024} KB in {DEMO_PHOTOS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
