# ruff: noqa: E501 (export snippets read best on one line)
"""Reading WordPress exports: the XML edge cases of real files, hostile files, and content."""

import io
import tracemalloc

import pytest

from articles.markup import render_article
from articles.wordpress import parser
from articles.wordpress.content import Conversion
from tests import wxr


def records(text, encoding="utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    return list(parser.read(io.BytesIO(data)))


def posts(text):
    return [r for r in records(text) if isinstance(r, parser.WxrPost)]


def test_cdata_closing_sequence_split_across_sections_is_read_back_whole():
    body = "<p>if (a[b[0]]>1) { return; }</p> and ]]> again"

    [post] = posts(wxr.export(wxr.item(1, "Arrays]]>", body)))

    assert post.content == body
    assert post.title == "Arrays]]>"


def test_four_byte_characters_and_combining_marks_survive_untouched():
    title = "Cafe\u0301 \U0001f600 \U0001d11e"  # combining acute accent, emoji, musical G clef
    [post] = posts(wxr.export(wxr.item(1, title, f"<p>{title}</p>")))

    assert post.title == title
    assert Conversion(post.content).markdown.strip() == title


def test_backslashes_and_slashes_in_content_reach_the_page_as_written():
    body = r"<p>Save to C:\temp\new and \\server\share, or a/b//c; \*not emphasis\*</p>"
    [post] = posts(wxr.export(wxr.item(1, "Paths", body)))

    html = render_article(Conversion(post.content).markdown)

    assert r"C:\temp\new and \\server\share, or a/b//c; \*not emphasis\*" in html


def test_multi_line_author_names_become_one_line():
    export = wxr.export(wxr.author("ada", "Ada\n   Lovelace\r\n  (Countess)"))

    [author] = records(export)

    assert author.name == "Ada Lovelace (Countess)"


def test_namespaces_are_matched_by_address_whatever_the_prefix_or_where_declared():
    odd_item = """<item xmlns:x="http://wordpress.org/export/1.2/" xmlns:body="http://purl.org/rss/1.0/modules/content/">
<title>Odd</title><x:post_id>7</x:post_id><x:post_type>post</x:post_type>
<wp:status xmlns:wp="https://wordpress.org/export/1.2/">publish</wp:status>
<body:encoded><![CDATA[<p>Here.</p>]]></body:encoded></item>"""

    [post] = posts(wxr.export(odd_item))

    assert (post.post_id, post.post_type, post.status) == (7, "post", "publish")
    assert post.content == "<p>Here.</p>"


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
def test_every_wxr_version_is_read(version):
    channel = parser.Channel()
    text = wxr.export(wxr.category("news", "News"), wxr.item(3, "Hello"), version=version)

    found = list(parser.read(io.BytesIO(text.encode()), channel))

    assert channel.version == version
    assert [type(r).__name__ for r in found] == ["WxrTerm", "WxrPost"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html><body>Not an export</body></html>", "not RSS"),
        (
            "<rss><channel><item><title>x</title></item></channel></rss>",
            "before any wp:wxr_version",
        ),
        ("<rss><channel><title>x</title></channel></rss>", "no wp:wxr_version"),
        (wxr.export(wxr.item(1, "Cut"))[:-40], "ends too early"),
        (wxr.export(wxr.item(1, "Bad <b>tag</i>"))[:600] + "<a></b>", "not well-formed"),
    ],
)
def test_what_is_not_a_wordpress_export_gets_one_clear_line(text, message):
    with pytest.raises(parser.WxrError) as raised:
        records(text)

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_file_not_in_its_declared_encoding_is_refused():
    latin = wxr.export(wxr.item(1, "Caf\xe9 cr\xe8me")).encode("latin-1")

    with pytest.raises(parser.WxrError, match="not in the encoding the file declares"):
        records(latin)


def test_a_file_in_another_declared_encoding_is_read():
    text = wxr.export(wxr.item(1, "Caf\xe9")).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')

    [post] = posts(text.encode("latin-1"))

    assert post.title == "Caf\xe9"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<rss><channel><title>&lol9;</title></channel></rss>"""


def peak_memory_reading(items):
    """The most memory parser.read holds at once (tracemalloc) reading ``items`` posts of about
    4 KB each, the file streamed from disk-like chunks, the records dropped as they come."""
    body = "<p>" + "Words of a long story. " * 180 + "</p>"
    export = wxr.export(*(wxr.item(n, f"Story {n}", body) for n in range(1, items + 1)))
    source = io.BytesIO(export.encode())
    del export
    tracemalloc.start()
    try:
        count = sum(1 for _record in parser.read(source))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_ten_times_larger_export_is_read_in_the_same_memory():
    small_count, small_peak = peak_memory_reading(100)
    large_count, large_peak = peak_memory_reading(1000)  # about 4 MB of posts

    assert (small_count, large_count) == (100, 1000)
    assert large_peak < 2 * small_peak + 100_000  # held one item at a time, not the file


def test_a_billion_laughs_file_is_refused_before_any_expansion():
    with pytest.raises(parser.WxrError, match="refused"):
        records(BILLION_LAUGHS)


def test_an_external_entity_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    text = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>
<rss><channel><title>&leak;</title></channel></rss>"""

    with pytest.raises(parser.WxrError, match="refused") as raised:
        records(text)

    assert "TOP SECRET" not in str(raised.value)


def test_a_caption_shortcode_becomes_a_figure_with_its_caption():
    body = '[caption id="attachment_5" width="300"]<img src="/a.jpg" alt="Dunes"> Dunes at dawn[/caption]'

    html = render_article(Conversion(body).markdown)

    assert (
        '<figure><img alt="Dunes" src="/a.jpg"><figcaption>Dunes at dawn</figcaption></figure>'
        in html
    )


def test_shortcodes_that_mean_nothing_here_are_listed_not_printed():
    conversion = Conversion(
        'Before [gallery ids="1,2"] [contact-form-7 id="9"] after [sic] [[gallery]]'
    )

    assert "[gallery ids" not in conversion.markdown
    assert "contact-form" not in conversion.markdown
    assert r"\[sic\]" in conversion.markdown and r"\[gallery\]" in conversion.markdown
    assert sorted(conversion.dropped) == ["[contact-form-7]", "[gallery]"]


def test_gutenberg_block_comments_go_and_dynamic_blocks_are_listed():
    body = """<!-- wp:heading {"level":1} -->
<h1>Title here</h1>
<!-- /wp:heading -->
<!-- wp:paragraph -->
<p>Some <em>text</em>.</p>
<!-- /wp:paragraph -->
<!-- wp:latest-posts {"postsToShow":3} /-->"""

    conversion = Conversion(body)

    assert conversion.markdown == "## Title here\n\nSome *text*.\n"
    assert conversion.dropped == ["block wp:latest-posts"]


def test_classic_editor_paragraphs_and_line_breaks_are_kept():
    html = render_article(Conversion("One\nline two\n\nParagraph two").markdown)

    assert html == "<p>One<br>\nline two</p>\n<p>Paragraph two</p>"


def test_tables_stay_html_and_scripts_and_styles_go():
    body = '<table><tr><td colspan="2" style="x">Cell</td></tr></table><script>alert(1)</script>'

    html = render_article(Conversion(body).markdown)

    assert "<table><tbody><tr><td>Cell</td></tr></tbody></table>" in html
    assert "alert" not in html and "<script" not in html and "style" not in html


def test_images_are_kept_in_articles_and_unsafe_sources_are_not():
    html = render_article('![A gull](/media/gull.jpg "Gull")\n\n<img src="javascript:alert(1)">')

    assert '<img alt="A gull" src="/media/gull.jpg" title="Gull">' in html
    assert "javascript" not in html


def test_classic_text_around_blocks_gets_paragraphs_and_pre_is_left_alone():
    body = (
        "Before:\n<blockquote>\nLine one\nline two\n</blockquote>\n<pre>keep\n\n  this</pre>\nAfter"
    )

    html = render_article(Conversion(body).markdown)

    assert html == (
        "<p>Before:</p>\n<blockquote>\n<p>Line one<br>\nline two</p>\n</blockquote>\n"
        "<pre><code>keep\n\n  this\n</code></pre>\n<p>After</p>"
    )
