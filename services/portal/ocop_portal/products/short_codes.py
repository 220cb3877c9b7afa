"""Short QR addresses (`/q/<code>`): a product's code, derived from its id and kept in a table.

Why derived *and* stored: the code is the first characters of a hash of the product id, so the
same product always gets the same code (a reprinted stamp matches the old one, and a lost table
can be rebuilt from the product ids); but a hash cannot be turned back into an id, so the portal
stores each code it hands out to resolve it. 8 characters are 40 bits: among 100,000 products
there is about one chance in 200 that two share a code; the later one then gets a longer code.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_portal.products.models import ProductShortCode

# Crockford's base 32: no I, L, O or U, so a code read aloud or typed from a label is unambiguous.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT_LENGTH = 8
LONGEST = 16
# What people mistype for what they meant (Crockford's rules): read as the digit they resemble.
LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def derive_short_code(product_id: str, length: int = SHORT_LENGTH) -> str:
    """The first `length` base-32 characters of the SHA-256 of the product id."""
    digest = int.from_bytes(hashlib.sha256(product_id.encode()).digest(), "big")
    characters = []
    for _ in range(length):
        digest, index = divmod(digest, 32)
        characters.append(ALPHABET[index])
    return "".join(characters)


def normalise_code(code: str) -> str | None:
    """A code as typed or scanned → its canonical form, or None if it cannot be one."""
    cleaned = code.strip().upper().replace("-", "").translate(LOOK_ALIKES)
    if not SHORT_LENGTH <= len(cleaned) <= LONGEST or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def short_code_for(session: Session, product_id: str) -> str:
    """The product's short code, stored on first use (idempotent, safe under concurrency)."""
    known = session.scalar(
        select(ProductShortCode.code).where(ProductShortCode.product_id == product_id)
    )
    if known is not None:
        return known
    for length in range(SHORT_LENGTH, LONGEST + 1):
        code = derive_short_code(product_id, length)
        holder = session.get(ProductShortCode, code)
        if holder is not None:
            if holder.product_id == product_id:
                return code
            continue  # another product holds this prefix: try one character more
        session.add(ProductShortCode(code=code, product_id=product_id))
        try:
            session.commit()
        except IntegrityError:
            # Another request stored this product's code (or took this one) just now.
            session.rollback()
            return short_code_for(session, product_id)
        return code
    raise RuntimeError(f"no free short code for product {product_id}")


def product_for_code(session: Session, code: str) -> str | None:
    """The product id a short code stands for, or None for a code never handed out."""
    canonical = normalise_code(code)
    if canonical is None:
        return None
    holder = session.get(ProductShortCode, canonical)
    return holder.product_id if holder else None
