"""Alembic environment of the store.

aispm runs migrations itself (:func:`aispm.store.migrate.upgrade`), handing the open connection
over in ``config.attributes["connection"]``; there is no ``alembic.ini`` and no logging setup.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from aispm.store.tables import Base

_connection = context.config.attributes.get("connection")
if not isinstance(_connection, Connection):
    raise RuntimeError("aispm migrations run through aispm.store.migrate.upgrade(), not the alembic CLI")

context.configure(
    connection=_connection,
    target_metadata=Base.metadata,
    render_as_batch=_connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
