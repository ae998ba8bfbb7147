"""{% data_licence as licence %} (settings.DATA_LICENCE: id, name, url) and
{% dataset_json_ld %} (the schema.org Dataset of /api/)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.safestring import SafeString

from startups.api.catalogue import schema_org_dataset
from startups.templatetags.structured_data import json_ld_script

register = template.Library()


@register.simple_tag
def data_licence() -> dict:
    return settings.DATA_LICENCE


@register.simple_tag(takes_context=True)
def dataset_json_ld(context) -> SafeString:
    return json_ld_script(schema_org_dataset(context["request"]))
