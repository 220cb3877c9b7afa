"""Tables of the Portal service: every model module is imported here so migrations see it."""

from ocop_portal.dashboard.models import ProvinceTarget
from ocop_portal.database import Base
from ocop_portal.products.models import ProductShortCode

__all__ = ["Base", "ProductShortCode", "ProvinceTarget"]
