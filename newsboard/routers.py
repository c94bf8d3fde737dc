"""Reads to a replica when DATABASE_REPLICA_URL is set; writes, and every read after
a write in the same request, to the primary (so a reader sees their own change).

A replica that cannot be reached is left alone for REPLICA_RETRY seconds: reads
go to the primary meanwhile, rather than every page answering 503 while the
primary (and /healthz, which asks it) is fine.
"""

import logging
import time

from asgiref.local import Local
from django.conf import settings
from django.db import DatabaseError, connections

REPLICA_RETRY = 30  # seconds

logger = logging.getLogger(__name__)
_request = Local()
_replica_down_until = 0.0  # per process, as connections are


def _may_read_replica() -> bool:
    """Whether reads may go to the replica, its health aside."""
    return (
        "replica" in settings.DATABASES
        and not getattr(_request, "wrote", False)
        # inside a transaction (imports, services) reads must see its writes
        and not connections["default"].in_atomic_block
    )


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return "replica" if _may_read_replica() and not _replica_down_for_request() else "default"

    def db_for_write(self, model, **hints):
        _request.wrote = True
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def expected_read_db() -> str:
    """The database db_for_read() would pick now, without asking the replica
    whether it answers (a connect timeout while it does not): for a reading
    already in hand, not for reading rows."""
    known_down = getattr(_request, "replica_down", None) or time.monotonic() < _replica_down_until
    return "replica" if _may_read_replica() and not known_down else "default"


def _replica_down() -> bool:
    """Whether this request should read from the primary: the replica could not
    be reached just now, or within the last REPLICA_RETRY seconds. Connecting
    is a no-op while connected; a connection lost mid-request fails that
    request and is closed after it, so the next one reconnects here."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return True
    try:
        connections["replica"].ensure_connection()
    except DatabaseError as error:
        _replica_down_until = time.monotonic() + REPLICA_RETRY
        logger.warning(
            "replica unreachable, reading from the primary for %s s: %s", REPLICA_RETRY, error
        )
        return True
    return False


def _replica_down_for_request() -> bool:
    """_replica_down(), asked on a request's first read only: static files and
    page-cache hits read nothing, and must not wait on the replica."""
    down = getattr(_request, "replica_down", None)
    if down is None:
        down = _request.replica_down = _replica_down()
    return down


def new_request() -> None:
    _request.wrote = False
    _request.replica_down = None  # not asked yet


class ReplicaRequestMiddleware:
    """Each request starts reading from the replica again (if it answers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        new_request()
        return self.get_response(request)
