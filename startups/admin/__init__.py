"""The staff space (Django's admin, as a package): site.py is its AdminSite
(declared as the default site by portfolio.apps.StaffAdminConfig), forms.py
its forms, common.py what every model admin shares (scoping, history and safe
restores), and one module per group of models. Importing the package registers
them all."""

from startups.admin import (  # noqa: F401
    incubators,
    indicators,
    people,
    sheets,
    vocabulary,
)
