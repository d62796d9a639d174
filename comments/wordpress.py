"""A post's comments from a WordPress export, with their threads, status and commenters.

Called by the article importer (``articles.wordpress.importer``) for each post it has written.
Imported comments keep the status they had there; they are never sent to Akismet nor e-mailed
to moderators (their Akismet state is "imported").
"""

import ipaddress

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from articles.wordpress import content
from comments.models import Comment, WordPressComment

STATUSES = {
    "1": Comment.Status.APPROVED,
    "approve": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REMOVED,
    "post-trashed": Comment.Status.REMOVED,
}
KINDS = {"pingback": Comment.Kind.PINGBACK, "trackback": Comment.Kind.TRACKBACK}


def import_comments(importer, article, wxr_comments):
    """Write ``wxr_comments`` (parser.WxrComment) on ``article``; each its own transaction."""
    for wxr in sorted(wxr_comments, key=lambda c: c.comment_id):  # parents before replies
        kind = "pingbacks" if wxr.type in KINDS else "comments"
        importer.write(kind, wxr.comment_id, lambda w=wxr: _comment(importer, article, w))


def _comment(importer, article, wxr):
    if not wxr.comment_id:
        return "failed", "no wp:comment_id"
    if wxr.type and wxr.type not in KINDS and wxr.type != "comment":
        return "skipped", f"comment type {wxr.type}"
    known = WordPressComment.objects.filter(wordpress_id=wxr.comment_id).first()
    if known is not None:
        return (
            "skipped",
            "already imported" if known.comment_id is not None else "deleted here since",
        )
    submitted = importer.date(wxr.date_gmt, wxr.date)
    if submitted is None:
        return "failed", "no comment date"
    parent = _parent(importer, article, wxr)
    comment = Comment.create_imported(
        source=wxr.comment_id,
        article=article,
        parent=parent,
        kind=KINDS.get(wxr.type, Comment.Kind.COMMENT),
        status=STATUSES.get(wxr.approved, Comment.Status.PENDING),
        name=(wxr.author or "Anonymous")[:100],
        email=wxr.email[:254],
        url=_url(wxr.url),
        ip=_ip(wxr.ip),
        user_agent=wxr.agent[:500],
        body=content.to_markdown(wxr.content).strip() or "…",
        submitted_at=submitted,
    )
    WordPressComment.objects.create(wordpress_id=wxr.comment_id, comment=comment)
    return "created", ""


def _parent(importer, article, wxr):
    if not wxr.parent:
        return None
    known = WordPressComment.objects.filter(wordpress_id=wxr.parent, comment__article=article)
    parent = known.select_related("comment").first()
    if parent is None:
        importer.report.note("comments", wxr.comment_id, f"parent {wxr.parent} not found")
        return None
    return parent.comment


def _url(value):
    """The commenter's website when it is one the comment form would take (it becomes a link on
    the page: an export's "javascript:" address must not); else none."""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value if len(value) <= 200 else ""


def _ip(value):
    try:
        return str(ipaddress.ip_address(value.strip())) if value else None
    except ValueError:
        return None
