"""Tables of the Registry service (imported here so migrations see them all)."""

from ocop_registry.accounts.models import Account, SignInFailure
from ocop_registry.certificates.models import Certificate
from ocop_registry.database import Base
from ocop_registry.duplicates.models import DuplicatePair
from ocop_registry.imports.models import ImportedProduct, ImportJob
from ocop_registry.notifications.models import Notification
from ocop_registry.producers.models import Producer
from ocop_registry.products.models import MarketListing, Product, SearchVisibility

__all__ = [
    "Account",
    "Base",
    "Certificate",
    "DuplicatePair",
    "ImportJob",
    "ImportedProduct",
    "MarketListing",
    "Notification",
    "Producer",
    "Product",
    "SearchVisibility",
    "SignInFailure",
]
