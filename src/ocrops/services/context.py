"""What every service function gets: settings, database, blob storage and job queue, built once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ocrops.errors import Forbidden
from ocrops.services.schemas import Role

if TYPE_CHECKING:
    from ocrops.jobs.queue import JobQueue
    from ocrops.settings import Settings
    from ocrops.storage import BlobStorage
    from ocrops.store.db import Database


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant and role of an authenticated API key."""

    tenant_id: str
    key_id: str
    role: Role

    def require(self, *roles: Role) -> None:
        """Forbidden unless the caller has one of ``roles`` (admin may always)."""
        if self.role != Role.admin and self.role not in roles:
            raise Forbidden(
                f"this needs the {' or '.join(r.value for r in roles) or 'admin'} role; "
                f"this key is {self.role.value}"
            )

    def require_write(self) -> None:
        self.require(Role.member)


@dataclass
class ServiceContext:
    settings: Settings
    db: Database
    storage: BlobStorage
    queue: JobQueue

    def close(self) -> None:
        self.db.dispose()


def build_context(
    settings: Settings, *, upgrade: bool = True, queue: JobQueue | None = None
) -> ServiceContext:
    """Open the database (migrated), the blob storage and the job queue named by ``settings``."""
    from ocrops.jobs.queue import open_queue
    from ocrops.storage import open_storage
    from ocrops.store.db import open_database

    db = open_database(settings, upgrade=upgrade)
    return ServiceContext(
        settings=settings, db=db, storage=open_storage(settings), queue=queue or open_queue(settings, db)
    )
