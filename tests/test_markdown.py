"""Markdown from start-up sheets becomes HTML that cannot run anything
(startups/markdown.py): one test per way of sneaking script into a page."""

import re

import pytest

from startups.markdown import render_markdown


def test_a_script_tag_is_dropped_with_its_content():
    html = render_markdown("Hello\n\n<script>alert('xss')</script>\n\nWorld")

    assert "<script" not in html
    assert "alert" not in html
    assert "<p>Hello</p>" in html
    assert "<p>World</p>" in html


def test_an_iframe_is_dropped():
    html = render_markdown('<iframe src="https://evil.example/"></iframe>Text')

    assert "<iframe" not in html
    assert "evil.example" not in html
    assert "Text" in html


def test_a_style_tag_is_dropped_with_its_rules():
    html = render_markdown("<style>body { display: none }</style>\n\nVisible")

    assert "<style" not in html
    assert "display" not in html
    assert "Visible" in html


def test_a_style_attribute_is_dropped():
    html = render_markdown('<p style="position:fixed;top:0">Overlay</p>')

    assert "style=" not in html
    assert "<p>Overlay</p>" in html


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "java&#x09;script:alert(1)",
        " javascript:alert(1)",
    ],
)
def test_a_javascript_link_loses_its_address(href):
    html = render_markdown(f'<a href="{href}">click</a> and [md](javascript:alert(2))')

    assert "javascript" not in html.lower()
    assert "href" not in html
    assert "click" in html
    assert "md" in html


def test_a_data_link_loses_its_address():
    html = render_markdown(
        "[open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"
    )

    assert "data:" not in html
    assert "href" not in html
    assert "open" in html


def test_event_handler_attributes_are_dropped():
    html = render_markdown(
        '<a href="https://example.org" onclick="steal()" onmouseover="steal()">'
        "link</a> <b onfocus=steal() tabindex=1>bold</b>"
    )

    assert not re.search(r"\bon\w+=", html)
    assert "steal" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer">link</a>' in html


def test_an_svg_payload_with_onload_is_dropped():
    html = render_markdown('<svg onload="alert(1)"><circle r="5"/></svg>After')

    assert "<svg" not in html
    assert "onload" not in html
    assert "alert" not in html
    assert "After" in html


def test_an_image_with_onerror_keeps_no_handler():
    html = render_markdown('<img src="https://example.org/a.png" onerror="alert(1)">')

    assert "onerror" not in html
    assert "alert" not in html
    assert '<img src="https://example.org/a.png" alt="">' in html


def test_an_image_without_a_web_address_is_dropped():
    html = render_markdown(
        '<img src="x" onerror="alert(1)"> ![pixel](data:image/png;base64,AAAA) '
        "![local](/etc/passwd)"
    )

    assert "<img" not in html
    assert "alert" not in html


def test_headings_start_below_the_page_heading_and_skip_no_level():
    html = render_markdown("# Title\n\n### Deep\n\n###### Deepest", top_level=3)

    assert "<h3>Title</h3>" in html
    assert "<h4>Deep</h4>" in html
    assert "<h5>Deepest</h5>" in html
    assert "<h1" not in html


def test_headings_never_go_below_h6():
    html = render_markdown("# a\n\n## b\n\n### c\n\n#### d", top_level=4)

    assert "<h4>a</h4>" in html
    assert "<h5>b</h5>" in html
    assert "<h6>c</h6>" in html
    assert "<h6>d</h6>" in html


def test_raw_html_headings_are_shifted_too():
    html = render_markdown("<h1>Raw</h1>\n\n## Markdown")

    assert "<h2>Raw</h2>" in html
    assert "<h3>Markdown</h3>" in html


def test_normal_markdown_renders_lists_emphasis_and_code():
    html = render_markdown(
        "Some **bold**, *italic* and `code`.\n\n"
        "- one\n- two\n\n"
        "1. first\n2. second\n\n"
        "> quoted\n\n"
        "```python\nblock\n```\n\n"
        "---"
    )

    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<code>code</code>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in html
    assert "<blockquote>" in html
    assert "<pre><code>block\n</code></pre>" in html
    assert "<hr>" in html


def test_web_and_mail_links_are_kept_and_open_no_window_handle():
    html = render_markdown(
        "[site](https://beta.gouv.fr) [plain](http://example.org) "
        "[mail](mailto:contact@beta.gouv.fr)"
    )

    assert '<a href="https://beta.gouv.fr" rel="noopener noreferrer">site</a>' in html
    assert '<a href="http://example.org" rel="noopener noreferrer">plain</a>' in html
    assert (
        '<a href="mailto:contact@beta.gouv.fr" rel="noopener noreferrer">mail</a>'
        in html
    )


def test_tables_render():
    html = render_markdown("| Phase | Months |\n|---|---|\n| Construction | 5 |")

    assert "<table>" in html
    assert "<th>Phase</th>" in html
    assert "<td>Construction</td>" in html


def test_an_image_from_the_web_keeps_its_text_alternative():
    html = render_markdown("![Screenshot of the service](https://example.org/s.png)")

    assert '<img alt="Screenshot of the service" src="https://example.org/s.png">' in (
        html
    )


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
