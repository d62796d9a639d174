"""The e-mail moderators get for each comment held for them, or in a digest.

A held comment's e-mail goes to the moderators of its section (scoped to the section or to
its parent section); when it has none, to the site-wide moderators; when there are none,
to settings.MANAGERS. Moderators who chose a digest get it there instead, at most once in
their chosen minutes (``comments.tasks.send_digest``).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from articles.models import Section
from articles.roles import MODERATOR
from comments.models import Comment, CommentEvent

logger = logging.getLogger(__name__)

DIGEST_LISTS = 50  # comments named in one digest; the rest are counted


def _moderators():
    users = get_user_model().objects.filter(groups__name=MODERATOR, is_active=True)
    return users.exclude(email="")


def moderators_of(section):
    """The moderators told about a comment in ``section``: the section's own (or its parent
    section's), else the site-wide ones."""
    chain = [section.pk, *([section.parent_id] if section.parent_id else [])]
    moderators = _moderators().select_related("moderator_profile")
    scoped = moderators.filter(moderator_profile__sections__in=chain).distinct()
    return list(scoped) or list(moderators.filter(moderator_profile__sections=None))


def _profile(user):
    try:
        return user.moderator_profile
    except ObjectDoesNotExist:
        return None


def recipients(comment):
    """``(addresses, profiles)``: who is e-mailed about ``comment`` now, and whose digest it
    goes in. settings.MANAGERS when no moderator is there for it."""
    users = moderators_of(comment.article.section)
    if not users:
        # MANAGERS holds addresses (Django 6), or (name, address) pairs in older settings files.
        return sorted({m if isinstance(m, str) else m[1] for m in settings.MANAGERS}), []
    digests = [p for p in map(_profile, users) if p is not None and p.is_digesting()]
    digesting = {p.user_id for p in digests}
    return sorted({u.email for u in users if u.pk not in digesting}), digests


def moderator_addresses(comment):
    """Everyone told about ``comment``, now or in a digest."""
    addresses, digests = recipients(comment)
    return sorted({*addresses, *(profile.user.email for profile in digests)})


def notify_moderators(comment, addresses, digests=()):
    """Send one e-mail about a held comment. Returns whether it went out; records either way.

    ``digests``: the moderators who will read of it in their digest instead (counted only).
    """
    if not addresses:
        if digests:
            comment.record_notified([], digests=len(digests))
        return True
    context = {
        "comment": comment,
        "article": comment.article,
        "admin_url": settings.SITE_URL.rstrip("/") + comment.get_admin_url(),
        "site_name": settings.SITE_NAME,
    }
    subject = " ".join(render_to_string("emails/comment_pending_subject.txt", context).split())
    body = render_to_string("emails/comment_pending_body.txt", context)
    try:
        send_mail(subject, body, None, addresses)
    except Exception as error:  # Any mail-server failure: keep the comment, retry the mail.
        logger.warning("Could not e-mail moderators about comment %s: %r", comment.pk, error)
        comment.record(CommentEvent.Kind.NOTIFY_FAILED, error=f"{type(error).__name__}: {error}")
        return False
    comment.record_notified(addresses, digests=len(digests))
    return True


def routed_to(profile):
    """The held comments (spam check done) whose e-mail goes to ``profile``'s moderator: those
    of their sections; for a site-wide one, of the sections no moderator has of their own."""
    held = Comment.objects.pending().exclude(akismet__in=Comment.UNANSWERED)
    own = list(profile.sections.values_list("pk", flat=True))
    if own:
        return held.filter(article__section__in=_with_subsections(own))
    covered = Section.objects.filter(moderators__user__in=_moderators())
    covered = list(covered.values_list("pk", flat=True).distinct())
    return held.exclude(article__section__in=_with_subsections(covered))


def _with_subsections(pks):
    children = Section.objects.filter(parent__in=pks).values_list("pk", flat=True)
    return sorted({*pks, *children})


def digest_comments(profile, since, until):
    """The comments a digest lists: held for this moderator, told about after ``since``."""
    comments = routed_to(profile).filter(notified_at__lte=until)
    if since is not None:
        comments = comments.filter(notified_at__gt=since)
    return comments


def send_digest(profile, since, until):
    """E-mail ``profile``'s moderator what came in between ``since`` and ``until``, and how
    much waits in all. Returns whether it went out."""
    new = digest_comments(profile, since, until).select_related("article")
    shown = list(new.order_by("submitted_at", "pk")[:DIGEST_LISTS])
    base = settings.SITE_URL.rstrip("/")
    context = {
        "comments": [(comment, base + comment.get_admin_url()) for comment in shown],
        "new": new.count(),
        "waiting": routed_to(profile).count(),
        "site_name": settings.SITE_NAME,
        "minutes": profile.digest_minutes,
        "queue_url": base + reverse("admin:comments_comment_changelist"),
    }
    subject = " ".join(render_to_string("emails/moderator_digest_subject.txt", context).split())
    body = render_to_string("emails/moderator_digest_body.txt", context)
    try:
        send_mail(subject, body, None, [profile.user.email])
    except Exception as error:  # the window is given back and the digest tried again
        logger.warning("Could not send the digest to %s: %r", profile.user, error)
        return False
    return True
