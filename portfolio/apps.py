from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin with the catalogue's staff space as its default site."""

    default_site = "startups.admin.site.default_site"
