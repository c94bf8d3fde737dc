"""Reads to a replica when DATABASE_REPLICA_URL is set; writes, and every read after
a write in the same request, to the primary (so a reader sees their own change)."""

from asgiref.local import Local
from django.conf import settings
from django.db import connections

_request = Local()


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            "replica" in settings.DATABASES
            and not getattr(_request, "wrote", False)
            # inside a transaction (imports, services) reads must see its writes
            and not connections["default"].in_atomic_block
        ):
            return "replica"
        return "default"

    def db_for_write(self, model, **hints):
        _request.wrote = True
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def new_request() -> None:
    _request.wrote = False


class ReplicaRequestMiddleware:
    """Each request starts reading from the replica again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        new_request()
        return self.get_response(request)
