from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StartupsConfig(AppConfig):
    name = "startups"
    verbose_name = _("Start-ups d'État catalogue")

    def ready(self):
        from django.db.models.signals import post_migrate

        from startups import media, signals

        signals.connect()
        media.connect()
        post_migrate.connect(after_migrate, sender=self)


def after_migrate(app_config, using="default", **kwargs):
    """After every migrate: on SQLite, the full-text index and its triggers
    (a migration that rebuilds the start-ups' table drops them, see
    startups.search.SQLITE_FTS); the roles' groups carry the permissions of
    every model (policy.sync_groups), and every sheet has a complete version in
    its history, so that a database imported before revisions covered whole
    sheets is safe to restore (history.keep_complete_versions)."""
    from django.db import connections

    from startups.history import keep_complete_versions
    from startups.policy import sync_groups
    from startups.search import ensure_sqlite_index

    ensure_sqlite_index(connections[using])
    if using != "default":
        return
    sync_groups()
    keep_complete_versions()
