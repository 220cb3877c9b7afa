"""The Registry service's own tables derive from this Base."""

from sqlalchemy.orm import DeclarativeBase

from ocop_kit.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()
