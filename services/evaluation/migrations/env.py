import ocop_evaluation.models  # noqa: F401  (registers the service's tables on Base)
from ocop_evaluation.database import Base
from ocop_kit.db import KitBase, alembic_env

alembic_env([KitBase.metadata, Base.metadata])
