from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StartupsConfig(AppConfig):
    name = "startups"
    verbose_name = _("Start-ups d'État catalogue")

    def ready(self):
        from startups import signals

        signals.connect()
        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(sender, using, **kwargs):
    # SQLite: a migration that rebuilds the start-ups' table drops the triggers
    # that keep its full-text index in step (startups.search.SQLITE_FTS).
    from startups.search import ensure_sqlite_index

    ensure_sqlite_index(connections[using])
