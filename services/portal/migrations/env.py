import ocop_portal.models  # noqa: F401  (registers the service's tables on Base)
from ocop_kit.db import KitBase, alembic_env
from ocop_portal.database import Base

alembic_env([KitBase.metadata, Base.metadata])
