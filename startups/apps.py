from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StartupsConfig(AppConfig):
    name = "startups"
    verbose_name = _("Start-ups d'État catalogue")

    def ready(self):
        from startups import media, signals

        signals.connect()
        media.connect()
