from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin with the catalogue's staff space as its default site."""

    default_site = "startups.admin.site.default_site"

    def ready(self):
        super().ready()
        from django.core import checks

        from portfolio.middleware import site_url_check
        from portfolio.ratelimit import shared_counts_check

        checks.register(shared_counts_check, checks.Tags.security, deploy=True)
        checks.register(site_url_check, checks.Tags.security, deploy=True)
