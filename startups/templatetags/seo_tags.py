"""Tags for the <head>: the title and description are written once, in the pages'
blocks, and reused by the canonical link and the OpenGraph tags (templates/_meta.html).
"""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # Rendered output is already escaped: keep it safe, without the blanks that
        # surround multi-line blocks.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}…{% endcapture %}: render the enclosed template, blocks
    included, once, into a variable. Django renders a block once only; base.html
    wraps `title` and `meta_description` so that <title>, the description and the
    OpenGraph tags share what each page puts in them."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("usage: {% capture as name %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    """The absolute URL of a path on this site (og:image, og:url need them)."""
    request = context.get("request")
    if request is None or not path:
        return path or ""
    return request.build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """This page's address without its query string: filtered, sorted and paginated
    views of the catalogue all point search engines at the catalogue itself, whose
    start-ups the sitemap lists one by one. A view may set `canonical_path`."""
    request = context.get("request")
    if request is None:
        return ""
    return request.build_absolute_uri(context.get("canonical_path") or request.path)
