"""Photo upload benchmark: 200 phone-sized photos uploaded to the registry's photo API.

    .venv/bin/python bench/media/upload.py [--count 200] [--width 2000 --height 1500]
                                          [--postgres URL]

The registry app runs in this process (FastAPI's test client: multipart parsing, the checks,
re-encoding, thumbnails, the file media store under a temporary data dir, the product update
with its history entry and outbox event), on SQLite by default or PostgreSQL with `--postgres`
(a fresh database, dropped afterwards). Photos are JPEGs with camera metadata and enough
texture to compress like real ones. Prints per-upload wall time percentiles, the share of it
spent in the image work alone, uploads a second and bytes stored.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import percentiles

from ocop_kit.auth import issue_token
from ocop_registry.app import create_app
from ocop_registry.photos.images import prepare_photo
from ocop_registry.settings import Settings

PHOTOS_PER_PRODUCT = 10


def phone_photo(width: int, height: int, seed: int) -> bytes:
    """A textured JPEG (noise over a gradient) with EXIF, about as large as a phone's."""
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 40 + seed % 20).convert("RGB")
    tint = Image.new("RGB", (width, height), (seed * 37 % 255, seed * 91 % 255, seed * 53 % 255))
    image = Image.blend(Image.blend(base, noise, 0.35), tint, 0.3)
    exif = Image.Exif()
    exif[0x010F] = "PhoneCam"
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def run(settings: Settings, count: int, width: int, height: int) -> None:
    photos = [phone_photo(width, height, n) for n in range(8)]
    size = sum(len(p) for p in photos) / len(photos)
    print(f"{count} uploads of {width}×{height} JPEG, {size / 1e6:.2f} MB on average")
    # The image work alone, for the share of the request it is.
    started = time.perf_counter()
    for photo in photos:
        prepare_photo(photo)
    image_ms = (time.perf_counter() - started) * 1000 / len(photos)

    with TestClient(create_app(settings)) as client:
        admin = {"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
        producer = client.post(
            "/v1/producers",
            json={
                "name": f"HTX Ảnh {uuid.uuid4().hex[:6]}",
                "kind": "cooperative",
                "address": {"legacy": "Xã Hải Đông, Huyện Hải Hậu, Tỉnh Nam Định"},
            },
            headers=admin,
        ).json()
        products = [
            client.post(
                "/v1/products",
                json={
                    "producer_id": producer["id"],
                    "name": f"Sản phẩm ảnh số {n} {uuid.uuid4().hex[:6]}",
                    "group": "thuc_pham",
                    "confirm_not_duplicate": True,
                },
                headers=admin,
            ).json()
            for n in range(-(-count // PHOTOS_PER_PRODUCT))
        ]
        walls: list[float] = []
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        for n in range(count):
            product = products[n // PHOTOS_PER_PRODUCT]
            started = time.perf_counter()
            response = client.post(
                f"/v1/products/{product['id']}/photos",
                files={"file": (f"p{n}.jpg", photos[n % len(photos)], "image/jpeg")},
                headers=admin,
            )
            walls.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.text
        wall = time.perf_counter() - wall_started
        cpu = time.process_time() - cpu_started
    stored = sum(p.stat().st_size for p in (settings.data_dir / "media").rglob("*") if p.is_file())
    print(f"  per upload (ms): {percentiles(walls)}")
    print(f"  image work alone (prepare_photo): {image_ms:.0f} ms an upload")
    print(f"  {count / wall:.1f} uploads/s, CPU {cpu * 1000 / count:.0f} ms an upload")
    print(f"  stored: {stored / 1e6:.1f} MB ({stored / count / 1e3:.0f} kB a photo, thumbnails in)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--width", type=int, default=2000)
    parser.add_argument("--height", type=int, default=1500)
    parser.add_argument("--postgres", help="PostgreSQL server URL (a database is made on it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        if not args.postgres:
            print("SQLite (embedded), file media store")
            run(Settings(data_dir=Path(data_dir)), args.count, args.width, args.height)
            return 0
        import psycopg

        name = f"bench_media_{uuid.uuid4().hex[:8]}"
        server = args.postgres.rstrip("/")
        with psycopg.connect(server + "/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            print("PostgreSQL, file media store")
            settings = Settings(data_dir=Path(data_dir), database_url=f"{server}/{name}")
            run(settings, args.count, args.width, args.height)
        finally:
            with psycopg.connect(server + "/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
