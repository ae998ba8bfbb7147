"""Read replicas: reads go to a replica picked at random, writes to the primary.

Kept simple on purpose. Replication lag means a read just after a write may not
see it on a replica; what must read its own writes does so in a transaction on
"default" (the admin wraps every save in one: transaction.atomic uses "default",
and reads routed inside it stay there, see db_for_read). The catalogue version
(startups.caching) is also read through here, so a replica that lags serves the
previous version's pages until it catches up: a lag of a moment, never a wrong
page for ever."""

import random

from django.conf import settings
from django.db import connections


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        names = replicas()
        if not names or connections["default"].in_atomic_block:
            return "default"
        return random.choice(names)

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
