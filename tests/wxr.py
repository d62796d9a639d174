# ruff: noqa: E501 (XML written as WordPress writes it, one element a line)
"""WordPress exports for the import tests, written here from parts.

``export(*parts)`` wraps channel parts (authors, categories, items) in a WXR 1.2 document;
``item(...)`` writes a post with its comments. Everything is text, so tests can cut, corrupt or
re-encode it.
"""

import http.server
import threading

import pytest

WP = "http://wordpress.org/export/{version}/"
# The smallest PNG: one pixel.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def cdata(text):
    """Text as CDATA sections, with "]]>" split the way WordPress's exporter does."""
    return "<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def export(*parts, version="1.2", site="http://old.example.org"):
    wp = WP.format(version=version)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="{wp}excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{wp}">
<channel>
<title>The Old Ledger</title>
<link>{site}</link>
<wp:wxr_version>{version}</wp:wxr_version>
<wp:base_site_url>{site}</wp:base_site_url>
<wp:base_blog_url>{site}</wp:base_blog_url>
{"".join(parts)}
</channel>
</rss>
"""


def author(login, display_name, email="", first="", last=""):
    return f"""<wp:author><wp:author_id>1</wp:author_id>
<wp:author_login>{cdata(login)}</wp:author_login><wp:author_email>{cdata(email)}</wp:author_email>
<wp:author_display_name>{cdata(display_name)}</wp:author_display_name>
<wp:author_first_name>{cdata(first)}</wp:author_first_name><wp:author_last_name>{cdata(last)}</wp:author_last_name>
</wp:author>
"""


def category(slug, name, parent=""):
    return f"""<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename>{cdata(slug)}</wp:category_nicename>
<wp:category_parent>{cdata(parent)}</wp:category_parent><wp:cat_name>{cdata(name)}</wp:cat_name></wp:category>
"""


def tag(slug, name):
    return f"""<wp:tag><wp:term_id>2</wp:term_id><wp:tag_slug>{cdata(slug)}</wp:tag_slug>
<wp:tag_name>{cdata(name)}</wp:tag_name></wp:tag>
"""


def comment(comment_id, text, *, parent=0, approved="1", type="", author="Ada Reader",
            email="ada@example.org", url="", ip="203.0.113.7", agent="Mozilla/5.0 (X11)",
            date="2019-03-04 10:00:00", date_gmt="2019-03-04 09:00:00"):  # fmt: skip
    return f"""<wp:comment>
<wp:comment_id>{comment_id}</wp:comment_id><wp:comment_author>{cdata(author)}</wp:comment_author>
<wp:comment_author_email>{cdata(email)}</wp:comment_author_email><wp:comment_author_url>{url}</wp:comment_author_url>
<wp:comment_author_IP>{ip}</wp:comment_author_IP><wp:comment_date>{date}</wp:comment_date>
<wp:comment_date_gmt>{date_gmt}</wp:comment_date_gmt><wp:comment_content>{cdata(text)}</wp:comment_content>
<wp:comment_approved>{cdata(approved)}</wp:comment_approved><wp:comment_agent>{cdata(agent)}</wp:comment_agent>
<wp:comment_type>{cdata(type)}</wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent>
<wp:comment_user_id>0</wp:comment_user_id>
</wp:comment>
"""


def item(post_id, title, body="<p>Body.</p>", *, slug=None, status="publish", post_type="post",
         creator="editor", date="2019-03-02 14:30:00", date_gmt="2019-03-02 13:30:00",
         excerpt="", categories=(), tags=(), sticky=False, comments=(), meta=None,
         attachment_url="", link=None, guid=None, password="", comment_status="open",
         site="http://old.example.org"):  # fmt: skip
    slug = slug if slug is not None else f"post-{post_id}"
    link = link if link is not None else f"{site}/{date[:10].replace('-', '/')}/{slug}/"
    guid = guid if guid is not None else f"{site}/?p={post_id}"
    terms = "".join(
        f'<category domain="category" nicename="{s}">{cdata(n)}</category>' for s, n in categories
    ) + "".join(
        f'<category domain="post_tag" nicename="{s}">{cdata(n)}</category>' for s, n in tags
    )
    metas = "".join(
        f"<wp:postmeta><wp:meta_key>{cdata(k)}</wp:meta_key><wp:meta_value>{cdata(v)}</wp:meta_value></wp:postmeta>"
        for k, v in (meta or {}).items()
    )
    attachment = (
        f"<wp:attachment_url>{cdata(attachment_url)}</wp:attachment_url>" if attachment_url else ""
    )
    return f"""<item>
<title>{cdata(title)}</title><link>{link}</link><dc:creator>{cdata(creator)}</dc:creator>
<guid isPermaLink="false">{guid}</guid><description></description>
<content:encoded>{cdata(body)}</content:encoded><excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>
<wp:post_id>{post_id}</wp:post_id><wp:post_date>{cdata(date)}</wp:post_date>
<wp:post_date_gmt>{cdata(date_gmt)}</wp:post_date_gmt><wp:comment_status>{cdata(comment_status)}</wp:comment_status>
<wp:post_name>{cdata(slug)}</wp:post_name><wp:status>{cdata(status)}</wp:status>
<wp:post_parent>0</wp:post_parent><wp:post_type>{cdata(post_type)}</wp:post_type>
<wp:post_password>{cdata(password)}</wp:post_password><wp:is_sticky>{int(sticky)}</wp:is_sticky>
{attachment}{terms}{metas}{"".join(comments)}
</item>
"""


@pytest.fixture
def image_server():
    """A local HTTP server with one image (/storm.png); anything else is a 404."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/storm.png":
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(PNG)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
