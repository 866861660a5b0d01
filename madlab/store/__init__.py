"""The SQL store: models, repositories, unit of work and migrations.

>>> from madlab.store import Store
>>> store = Store("sqlite:///madlab.db")          # or postgresql://...
>>> store.upgrade()                               # alembic upgrade head
>>> with store.unit_of_work() as uow:             # commit on success
...     org = uow.organizations.ensure("default")
"""

from madlab.store.database import Store
from madlab.store.engine import create_store_engine, normalize_url
from madlab.store.migrate import current_revision, head_revision, schema_differences, upgrade
from madlab.store.ports import UnitOfWork

__all__ = [
    "Store",
    "UnitOfWork",
    "create_store_engine",
    "current_revision",
    "head_revision",
    "normalize_url",
    "schema_differences",
    "upgrade",
]
