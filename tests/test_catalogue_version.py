"""The catalogue version: one module reads, raises and batches it, and every
model of the app says whether its writes change public pages."""

import pytest
from django.db.models.signals import m2m_changed, post_delete, post_save

from startups import caching, catalogue_version, services
from startups.catalogue_version import (
    PRIVATE_MODELS,
    PUBLIC_MODELS,
    bump_catalogue_version,
    catalogue_write,
    public_models,
    read,
    undeclared_models,
)
from startups.models import Startup, Theme


def test_every_model_of_the_app_is_declared_public_or_private():
    # A new model: add it to PUBLIC_MODELS if its rows show on a public page
    # (its writes must then raise the version), else to PRIVATE_MODELS.
    assert undeclared_models() == []


def test_no_model_is_declared_both_nor_a_model_that_no_longer_exists():
    from django.apps import apps

    names = {m.__name__ for m in apps.get_app_config("startups").get_models()}
    assert not PUBLIC_MODELS & PRIVATE_MODELS
    assert PUBLIC_MODELS | PRIVATE_MODELS == names


def test_a_model_declared_nowhere_is_reported(monkeypatch):
    monkeypatch.setattr(catalogue_version, "PUBLIC_MODELS", PUBLIC_MODELS - {"Theme"})

    assert undeclared_models() == ["Theme"]


def test_every_public_model_and_the_tables_between_them_raise_the_version():
    models = public_models()

    assert Startup.themes.through in models
    assert Startup in models
    assert all(m.__name__ in PUBLIC_MODELS or m._meta.auto_created for m in models)
    for model in models:
        assert post_save.has_listeners(model), model
        assert post_delete.has_listeners(model), model
        if model._meta.auto_created:
            assert m2m_changed.has_listeners(model), model


def test_a_private_model_does_not_raise_it():
    from startups.models import StaleReminder, StartupEditor

    assert StartupEditor not in public_models()
    assert StaleReminder not in public_models()


@pytest.mark.django_db
def test_a_write_to_a_public_row_raises_the_version_and_a_batch_raises_it_once(
    django_assert_num_queries,
):
    before = read()
    Theme.objects.create(slug="sante", label="Santé")
    after = read()
    assert after != before

    with catalogue_write():
        with django_assert_num_queries(0):
            bump_catalogue_version()
            bump_catalogue_version()
    assert read() != after


def test_the_old_imports_still_work():
    assert services.bump_catalogue_version is bump_catalogue_version
    assert services.catalogue_write is catalogue_write
    assert caching.catalogue_version is read
