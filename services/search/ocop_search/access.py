"""Who may see what through search, in one place.

- Shoppers (no sign-in) see the public products only: not withdrawn, holding a valid or soon
  expiring star certificate (the registry's rule, `ProductSnapshot.is_public`). Others are never
  indexed, and a certificate that expires while indexed hides its product from that day on.
- Rebuilding the index is for admins.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from ocop_contracts import ProductSnapshot
from ocop_kit.auth import Principal, require_roles
from ocop_kit.dates import today_local

# Admins only.
Admin = Annotated[Principal, require_roles("admin")]


def may_be_shown(snapshot: ProductSnapshot) -> bool:
    """Whether the product may be in the index at all."""
    return snapshot.is_public and snapshot.certificate is not None


def shown_on() -> date:
    """The day hits must hold a valid certificate on: today in Vietnam."""
    return today_local()
