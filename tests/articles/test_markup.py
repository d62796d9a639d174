"""Comment Markdown: code shows exactly what the reader typed, links are marked, nothing else."""

import pytest

from articles.markup import render_comment


@pytest.mark.parametrize(
    "text, code",
    [
        ("`a < b && c`", "<code>a &lt; b &amp;&amp; c</code>"),
        ("```\nx < y && z\n```", "<pre><code>x &lt; y &amp;&amp; z\n</code></pre>"),
        ("    i < j && k", "<pre><code>i &lt; j &amp;&amp; k\n</code></pre>"),
    ],
    ids=["inline", "fenced", "indented"],
)
def test_code_in_a_comment_is_escaped_once(text, code):
    assert code in render_comment(text)


def test_addresses_are_linked_with_ugc_rel_except_inside_code():
    html = render_comment("See https://example.org or `https://example.net`.")

    assert '<a href="https://example.org" rel="nofollow ugc noopener">' in html
    assert "<code>https://example.net</code>" in html


def test_markup_outside_the_allow_list_is_stripped():
    html = render_comment("<script>alert(1)</script><img src=x onerror=alert(1)> **ok**")

    assert "<script" not in html and "<img" not in html and "onerror" not in html
    assert "<strong>ok</strong>" in html
