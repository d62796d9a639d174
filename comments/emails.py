"""The e-mail moderators get for each comment held for them."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string

from articles.roles import MODERATOR
from comments.models import CommentEvent

logger = logging.getLogger(__name__)


def moderator_addresses():
    """Active users in the Moderator group with an address; settings.MANAGERS if there are none."""
    users = get_user_model().objects.filter(groups__name=MODERATOR, is_active=True)
    addresses = sorted({email for email in users.values_list("email", flat=True) if email})
    # MANAGERS holds addresses (Django 6), or (name, address) pairs in older settings files.
    return addresses or [m if isinstance(m, str) else m[1] for m in settings.MANAGERS]


def notify_moderators(comment):
    """Send one e-mail about a held comment. Returns whether it went out; records either way."""
    recipients = moderator_addresses()
    if not recipients:
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
        send_mail(subject, body, None, recipients)
    except Exception as error:  # Any mail-server failure: keep the comment, retry the mail.
        logger.warning("Could not e-mail moderators about comment %s: %r", comment.pk, error)
        comment.record(CommentEvent.Kind.NOTIFY_FAILED, error=f"{type(error).__name__}: {error}")
        return False
    comment.record_notified(recipients)
    return True
