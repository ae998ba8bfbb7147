"""Markdown written by start-up teams -> HTML safe to put in a page.

The text comes from outside (beta.gouv.fr's files, staff edits) and Markdown lets
raw HTML through, so every rendering goes through nh3's allow-list: what is not
listed below (scripts, styles, frames, SVG, event handlers, javascript: and data:
addresses...) never reaches the page."""

from __future__ import annotations

import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

from startups.rules import DESCRIPTION_MAX_LENGTH

ALLOWED_TAGS = {
    *(f"h{level}" for level in range(1, 7)),
    "p",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "a",
    "strong",
    "b",
    "em",
    "i",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
# Tags whose content goes too, not only the tag: their text is code or styling,
# never something to read.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "svg", "math", "object", "embed"}
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_IMAGE_SCHEMES = ("http://", "https://")
# Browsers ignore these inside a URL ("java\tscript:" is "javascript:").
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")
_HEADING = re.compile(r"<(/?)h([1-6])>")
_IMAGE = re.compile(r"<img\b[^>]*>")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Keep a link only to the web or an e-mail address and an image only from
    the web; relative addresses would point into this site, not the author's."""
    if (tag, attribute) not in {("a", "href"), ("img", "src")}:
        return value
    schemes = _LINK_SCHEMES if tag == "a" else _IMAGE_SCHEMES
    plain = _IGNORED_IN_URLS.sub("", value).lower()
    return value if plain.startswith(schemes) else None


def _shift_headings(html: str, top_level: int) -> str:
    """Give the text's headings consecutive levels from `top_level` on, keeping
    their order: the page keeps its one h1 and no level is skipped."""
    levels = sorted({int(m.group(2)) for m in _HEADING.finditer(html)})
    new_level = {level: min(top_level + rank, 6) for rank, level in enumerate(levels)}
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{new_level[int(m.group(2))]}>", html)


def _fix_image(match: re.Match[str]) -> str:
    """An image whose address was refused goes; one without a text alternative
    gets an empty one (decorative) rather than none at all."""
    tag = match.group(0)
    if " src=" not in tag:
        return ""
    return tag if " alt=" in tag else tag[:-1] + ' alt="">'


def render_markdown(text: str, *, top_level: int = 2) -> SafeString:
    # Bounded work whatever a row holds (the admin and the import refuse longer
    # descriptions; a row written otherwise is shown cut).
    text = (text or "")[:DESCRIPTION_MAX_LENGTH]
    html = markdown_lib.markdown(
        text, extensions=["tables", "fenced_code", "sane_lists"]
    )
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    # nh3's output escapes every "<" that is not a tag it kept, so the tags the
    # patterns find are real ones, with their attributes quoted.
    clean = _IMAGE.sub(_fix_image, clean)
    return mark_safe(_shift_headings(clean, top_level))
