"""{% startup_json_ld startup %} and {% incubator_json_ld incubator %}: the page's
schema.org description in a <script type="application/ld+json">, data that no
browser runs (a strict Content-Security-Policy allows it)."""

from __future__ import annotations

import json

from django import template
from django.utils.safestring import SafeString, mark_safe

from startups import structured_data

register = template.Library()

# Nothing in the text can close the <script> element or open a comment:
# JSON reads these escapes as the same characters.
_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


def json_ld_script(data: dict) -> SafeString:
    text = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.simple_tag(takes_context=True)
def startup_json_ld(context, startup) -> SafeString:
    return json_ld_script(
        structured_data.startup_json_ld(startup, context.get("request"))
    )


@register.simple_tag(takes_context=True)
def incubator_json_ld(context, incubator) -> SafeString:
    return json_ld_script(
        structured_data.incubator_json_ld(incubator, context.get("request"))
    )
