"""What the article page tells machines about its discussion: schema.org ``Comment`` items.

The article's NewsArticle (articles/structured_data.py) gets ``commentCount`` (every approved
comment) and ``comment``: the approved comments of the page shown, replies naming the comment
they answer as ``parentItem``. Built from the rows the threads were printed from, so it costs no
query and is kept with them.
"""

import html

from django.utils.html import strip_tags
from django.utils.text import Truncator

# A page of threads can show hundreds of comments; all of them with their text would grow the
# page by half. The first comments in reading order (whole threads from the top, so every
# reply's parent is among them), each text trimmed, keep it within its budget
# (tests/comments/test_page_budget.py); ``commentCount`` still counts every one.
MAX_COMMENTS = 30
TEXT_LENGTH = 200


def discussion(page_url, count, shown):
    """NewsArticle properties for ``count`` approved comments and those ``shown`` on the page
    at ``page_url`` (absolute)."""
    approved = [comment for comment in shown if comment.is_approved()][:MAX_COMMENTS]
    base = f"{page_url}#comment-"
    on_page = {comment.pk for comment in approved}
    data = {"commentCount": count}
    if approved:
        data["comment"] = [comment_item(comment, base, on_page) for comment in approved]
    return data


def comment_item(comment, base, on_page):
    """One approved comment as a schema.org Comment; ``on_page``: the pks a parent may be."""
    author = {"@type": "Person", "name": comment.name}
    if comment.url:
        author["url"] = comment.url
    published = comment.status_changed_at or comment.submitted_at
    item = {
        "@type": "Comment",
        "@id": f"{base}{comment.pk}",
        "author": author,
        "dateCreated": comment.submitted_at.isoformat(timespec="seconds"),
        "datePublished": published.isoformat(timespec="seconds"),
        "text": Truncator(html.unescape(strip_tags(comment.body_html)).strip()).chars(TEXT_LENGTH),
    }
    if comment.parent_id in on_page:
        item["parentItem"] = {"@id": f"{base}{comment.parent_id}"}
    return item
