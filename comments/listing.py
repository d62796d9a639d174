"""The comments of one page of the discussion as HTML, written in Python, not in a template.

A long discussion prints its comment markup hundreds of times. Django's template engine spends
about 0.1 ms on each comment (some 25 lookups, tags and escapes), which was most of the time of
an article page rendered with no cache at all. Here it is a few string joins per comment. The
rest of the discussion (heading, Editors' picks, page links) stays in
templates/comments/_threads.html, which prints this list.

Everything a reader wrote is escaped as the template engine escapes it (``html.escape``, as
Django's ``escape``); only the comment's body, cleaned by bleach when it was saved, is trusted.
"""

from dataclasses import dataclass
from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from comments.models import Comment


@dataclass(frozen=True)
class Labels:
    """The list's fixed words, translated and escaped once per rendering, and its links."""

    reply: str
    report: str
    staff: str
    pick: str
    awaiting: str
    edited: str
    edit: str
    reply_to: str  # "Reply to %(name)s", as aria-label
    report_by: str
    report_path: str
    edit_path: str
    reply_query: str
    clock: "Clock"

    @classmethod
    def for_page(cls, reply_query):
        """``reply_query``: a reply link's query up to the comment's id (``?cpage=2&replyto=``)."""
        return cls(
            reply=escape(_("Reply")),
            report=escape(_("Report")),
            staff=escape(_("Staff")),
            pick=escape(_("Editors' pick")),
            awaiting=escape(_("Your comment is awaiting moderation.")),
            edited=escape(_("edited")),
            edit=escape(_("Edit")),
            reply_to=_("Reply to %(name)s"),
            report_by=_("Report the comment by %(name)s"),
            report_path=reverse("comments:report", args=[0])[: -len("0/")],
            edit_path=reverse("comments:edit", args=[0])[: -len("0/edit/")],
            reply_query=escape(reply_query),
            clock=Clock(),
        )


def comment_list(comments, labels, is_open, editable=frozenset()):
    """The ``<li>`` of each comment of ``comments``, in reading order, with the markup that
    opens and closes reply lists (``.thread``, ``.closing``: comments/display.py).

    Approved comments get reply (while ``is_open``) and report links; the reader's own
    ``editable`` ones an edit link; held ones (the reader's own) a note instead.
    """
    return mark_safe("".join([_item(c, labels, is_open, c.pk in editable) for c in comments]))


def _item(comment, labels, is_open, editable):
    pk = comment.pk
    pending = comment.is_pending()
    name = escape(comment.name)
    parts = [
        f'<li id="comment-{pk}" class="comment depth-{comment.depth}',
        ' comment-pending">\n' if pending else '">\n',
        f'<a href="{escape(comment.url)}" rel="nofollow ugc">{name}</a>'
        if comment.url
        else f"<b>{name}</b>",
    ]
    if comment.by_staff:
        parts.append(f' <span class="comment-staff">{labels.staff}</span>')
    if comment.kind != Comment.Kind.COMMENT:
        parts.append(f' <span class="comment-staff">{escape(comment.get_kind_display())}</span>')
    if comment.featured_at:
        parts.append(f' <span class="comment-pick-badge">{labels.pick}</span>')
    parts.append(f' <a href="#comment-{pk}">{labels.clock.element(comment.submitted_at)}</a>')
    if comment.edited_at:
        edited = labels.clock.element(comment.edited_at)
        parts.append(f' <span class="comment-edited">({labels.edited} {edited})</span>')
    parts.append("\n")
    if pending:
        parts.append(f'<p class="comment-awaiting">{labels.awaiting}</p>')
    parts += [comment.body_html, "\n", *_links(comment, labels, is_open, editable), "\n"]
    parts.append("<ol>" if comment.thread else f"</li>{comment.closing}")
    return "".join(parts)


def _links(comment, labels, is_open, editable):
    pk = comment.pk
    if comment.is_approved():
        if is_open:
            label = escape(labels.reply_to % {"name": comment.name})
            yield f'<a href="{labels.reply_query}{pk}#respond" aria-label="{label}">'
            yield f"{labels.reply}</a> "
        label = escape(labels.report_by % {"name": comment.name})
        yield f'<a href="{labels.report_path}{pk}/" aria-label="{label}">{labels.report}</a>'
    if editable:
        yield f' <a href="{labels.edit_path}{pk}/edit/" class="comment-edit-link">{labels.edit}</a>'


class Clock:
    """Moments as the page shows them: ``date_format(localtime(moment), "j F Y, H:i")``, the
    article's own dates' format, without looking the time zone and the month names up, and
    parsing that format, again for each of hundreds of comments."""

    def __init__(self):
        self.zone = timezone.get_current_timezone()
        self.months = {number: str(name) for number, name in MONTHS.items()}

    def element(self, moment):
        """``<time>`` with the machine-readable moment and the shown one."""
        return f'<time datetime="{iso_time(moment)}">{escape(self.shown(moment))}</time>'

    def shown(self, moment):
        local = moment.astimezone(self.zone)
        return f"{local.day} {self.months[local.month]} {local.year}, {local:%H:%M}"


def iso_time(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")
