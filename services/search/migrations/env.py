import ocop_search.models  # noqa: F401  (registers the service's tables on Base)
from ocop_kit.db import KitBase, alembic_env
from ocop_search.database import Base

alembic_env([KitBase.metadata, Base.metadata])
