import ocop_marketplace_sync.models  # noqa: F401  (registers the service's tables on Base)
from ocop_kit.db import KitBase, alembic_env
from ocop_marketplace_sync.database import Base

alembic_env([KitBase.metadata, Base.metadata])
