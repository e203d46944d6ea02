"""The SQLite store: schema, migrations and the one connection that writes."""

from .db import Store, copy_database, iso, open_store
from .schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Store", "copy_database", "iso", "open_store"]
