"""The admin's comment notices: the queue's size and age, and whether Akismet is on."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comments import rules, spam
from comments.admin.health import queue_health
from comments.models import Appeal, Comment

register = template.Library()


@register.inclusion_tag("admin/comments/_summary.html", takes_context=True)
def moderation_summary(context):
    """The queue's health and the comment settings, for moderators on the admin index."""
    user = context["request"].user
    if not user.has_perm("comments.view_comment"):
        return {"shown": False}
    health = queue_health(comments=Comment.objects.moderated_by(user))
    return {
        "shown": True,
        "health": health,
        "size": health.pending,
        "oldest": health.oldest,
        "queue_url": reverse("admin:comments_comment_changelist"),
        "desk_url": reverse("admin:comments_comment_desk")
        if user.has_perm("comments.change_comment")
        else "",
        "settings": comment_settings(),
        **_open_appeals(user),
    }


def _open_appeals(user):
    """How many appeals wait for a decision, for those who may see them (0: nothing said)."""
    if not user.has_perm("comments.view_appeal"):
        return {"appeals": 0}
    return {
        "appeals": Appeal.objects.open().count(),
        "appeals_url": reverse("admin:comments_appeal_changelist"),
    }


@register.filter
def duration_label(delta):
    """A timedelta as words ("3 hours, 5 minutes"), as ``timesince`` says an age."""
    now = timezone.now()
    return timesince(now - delta, now)


def comment_settings():
    """The site-wide comment settings (from settings.py and the environment), as label/value."""
    close = settings.COMMENTS_CLOSE_AFTER_DAYS
    return [
        (_("Close comments on articles older than"), _days(close) if close else _("never")),
        (_("Hold comments with this many links"), settings.COMMENTS_LINK_LIMIT),
        (_("Hold a commenter's first comment"), _yes_no(settings.COMMENTS_HOLD_FIRST_TIME)),
        (_("Reply depth"), settings.COMMENTS_THREAD_DEPTH),
        (_("Top-level comments per page"), settings.COMMENTS_PAGE_SIZE),
        (_("Reports that send a comment back to the queue"), settings.COMMENTS_REPORT_THRESHOLD),
        (_("Delete spam and removed comments after"), _days(settings.COMMENTS_SPAM_PURGE_DAYS)),
        (_("Delete blatant spam after"), _days(settings.COMMENTS_BLATANT_PURGE_DAYS)),
        (_("Anonymize approved comments after"), _days(settings.COMMENTS_ANONYMIZE_AFTER_DAYS)),
        (_("Akismet spam check"), _yes_no(spam.is_enabled())),
    ]


def _days(count):
    return ngettext("%(days)d day", "%(days)d days", count) % {"days": count}


def _yes_no(value):
    return _("on") if value else _("off")


@register.simple_tag
def akismet_notice():
    """The warning staff see on the admin index when comments are not checked for spam."""
    status = spam.key_status()
    if status == "disabled":
        return _("Akismet is off: comments are not checked for spam. Set AKISMET_API_KEY.")
    if status == "invalid":
        return _("Akismet rejected the API key: comments are held until it is fixed.")
    if status == "unreachable":
        return _("Akismet cannot be reached: comments are held and checked again later.")
    return ""


@register.simple_tag
def proxy_notice():
    """The warning staff see when readers come through a proxy the settings do not count."""
    address = rules.untrusted_proxy()
    if not address:
        return ""
    return _(
        "Comments arrive through a proxy at %(address)s (they carry X-Forwarded-For), but "
        "TRUSTED_PROXY_COUNT is 0: every reader behind it shares one flood window and one "
        "report quota. Set TRUSTED_PROXY_COUNT to the number of proxies in front of the site."
    ) % {"address": address}
