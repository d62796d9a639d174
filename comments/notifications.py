"""E-mail to commenters: confirmation, "received", "published" and reply notices.

The one way to write to a commenter is ``send_to_commenter(to, kind, key, context,
comment=None)``:

- ``to`` is a ``CommenterAddress`` or a ``Comment`` (its author's address);
- ``kind`` names the templates ``emails/commenter_<kind>_subject.txt`` and ``_body.txt``
  (``CommenterMail.Kind`` lists ours; others may add kinds and templates);
- ``key`` names the event, unique for all time ("approved:<comment pk>",
  "reply:<reply pk>:<address pk>"): a second call with the same key sends nothing;
- ``context`` goes to the templates, with ``site_name``, ``site_url`` and
  ``unsubscribe_url`` added.

It does nothing (returns None) unless the address is confirmed and not unsubscribed; the
confirmation e-mail (``kind="confirm"``, sent by ``request_confirmation``) is the only
exception. Otherwise it renders the message into a ``CommenterMail`` row, inside the caller's
transaction, and queues ``tasks.send_commenter_mail`` once that commits; only the worker
sends (``deliver``). Every message carries a one-click unsubscribe link and the RFC 8058
``List-Unsubscribe``/``List-Unsubscribe-Post`` headers.

``comment_decided(comment, event)`` is called by every status change of a comment (its verbs,
through ``Comment._set_status``): it sends the "published" e-mail and the reply notices, and
is the hook for the e-mails about other outcomes. Automatic spam verdicts send nothing.

Links are signed with ``django.core.signing`` (JSON, no pickle): the confirmation and the
commenter's own-comment link expire (COMMENTS_CONFIRM_LINK_DAYS, COMMENTS_OWN_LINK_DAYS); the
unsubscribe link does not, so an old e-mail can always stop the next one.
"""

import datetime
import logging
import smtplib
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from comments import appeals
from comments.models import Comment, CommenterAddress, CommenterMail

logger = logging.getLogger(__name__)

CONFIRM_SALT = "comments.confirm-address"
OWN_SALT = "comments.own-comment"
UNSUBSCRIBE_SALT = "comments.unsubscribe"
DAY = 24 * 60 * 60
HOUR = datetime.timedelta(hours=1)


# Signed links.


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def confirm_token(comment):
    return signing.dumps({"e": comment.email.lower(), "c": comment.pk}, salt=CONFIRM_SALT)


def own_token(comment):
    return signing.dumps({"e": comment.email.lower(), "c": comment.pk}, salt=OWN_SALT)


def unsubscribe_token(address):
    # No timestamp: one address, one link, the same in the body and the headers, for good.
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(address.email)


def read_confirm_token(token, expired_too=False):
    """The ``{"e": email, "c": comment pk}`` of a confirmation link; raises BadSignature
    (SignatureExpired when it is only too old, unless ``expired_too``)."""
    max_age = None if expired_too else settings.COMMENTS_CONFIRM_LINK_DAYS * DAY
    return signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)


def read_own_token(token):
    return signing.loads(token, salt=OWN_SALT, max_age=settings.COMMENTS_OWN_LINK_DAYS * DAY)


def read_unsubscribe_token(token):
    return signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)


def confirm_url(comment):
    return absolute(reverse("comments:confirm", args=[confirm_token(comment)]))


def own_url(comment):
    return absolute(reverse("comments:own", args=[own_token(comment)]))


def unsubscribe_url(address):
    return absolute(reverse("comments:unsubscribe", args=[unsubscribe_token(address)]))


# The outbox.


def send_to_commenter(to, kind, key, context, comment=None):
    """Queue one e-mail to a confirmed commenter for the event ``key``; the row, or None.

    See the module docstring. Safe under simultaneous calls: the key is unique in the
    database, so of two callers with one key, one row is made and one e-mail queued.
    """
    address = to if isinstance(to, CommenterAddress) else _address_of(to)
    if comment is None and isinstance(to, Comment):
        comment = to
    if address is None or address.unsubscribed_at is not None:
        return None
    if kind != CommenterMail.Kind.CONFIRM and not address.is_confirmed():
        return None
    subject, body = render(kind, {**context, "comment": comment}, address)
    try:
        with transaction.atomic():
            mail, created = CommenterMail.objects.get_or_create(
                key=key,
                defaults={"address": address, "comment": comment, "kind": kind,
                          "subject": subject, "body": body},
            )  # fmt: skip
    except IntegrityError:  # another caller made it between our read and our insert
        return CommenterMail.objects.get(key=key)
    if created:
        from comments import tasks  # tasks imports this module

        tasks.enqueue_on_commit(tasks.send_commenter_mail, mail.pk)
    return mail


def _address_of(comment):
    return CommenterAddress.objects.for_email(comment.email).first()


def render(kind, context, address):
    """Subject (one line) and body of a ``kind`` of e-mail to ``address``."""
    context = {
        **context,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL.rstrip("/"),
        "unsubscribe_url": unsubscribe_url(address),
    }
    subject = render_to_string(f"emails/commenter_{kind}_subject.txt", context)
    body = render_to_string(f"emails/commenter_{kind}_body.txt", context)
    return " ".join(subject.split())[:300], body


def deliver(mail):
    """Send a claimed row through the mail server; None when sent, else the error as text.

    Only the worker calls this (``tasks.send_commenter_mail``). The Message-ID is derived
    from the event key, so a receiving server can tell a resend after a crash is the same
    message.
    """
    link = unsubscribe_url(mail.address)
    message = EmailMessage(
        mail.subject,
        mail.body,
        None,
        [mail.address.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<commenter-mail-{mail.pk}@{_mail_domain()}>",
            "Auto-Submitted": "auto-generated",
        },
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        return f"refused: {error}"
    except Exception as error:  # Any other mail-server failure: keep the row, retry.
        logger.warning("Could not send commenter mail %s: %r", mail.pk, error)
        return f"{type(error).__name__}: {error}"
    return None


def is_permanent(error):
    return error.startswith("refused:")


def _mail_domain():
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"


# Confirmation, with its rate limits.


def request_confirmation(comment, ip, again=False):
    """The commenter ticked "e-mail me": send the one confirmation e-mail, if allowed.

    Consent is per comment: an address confirmed before gets this e-mail too when the comment
    came from a browser that has not confirmed it (anyone can type an address); one that
    unsubscribed gets nothing. Rate-limited per address
    and per IP address (COMMENTS_CONFIRM_MAILS_PER_HOUR and ..._PER_IP_PER_HOUR): beyond
    them, the comment is taken as usual and no e-mail goes out. Returns the row or None.
    ``again``: the reader asked for a new link (their first one expired), a new event.
    """
    address = CommenterAddress.for_email(comment.email)
    if address.unsubscribed_at:
        return None
    if not within_confirmation_limits(address.email, ip):
        return None
    context = {"comment": comment, "article": comment.article, **comment_links(comment)}
    key = f"confirm:{comment.pk}" + (f":again:{time.time_ns()}" if again else "")
    return send_to_commenter(address, CommenterMail.Kind.CONFIRM, key, context, comment=comment)


def within_confirmation_limits(email, ip):
    """Count one confirmation e-mail against the hourly limits; False when one is spent.

    With the cache down, the outbox is counted instead (the comment is still taken)."""
    limits = [(f"commenter-confirm:email:{email}", settings.COMMENTS_CONFIRM_MAILS_PER_HOUR)]
    if ip:
        limits.append(
            (f"commenter-confirm:ip:{ip}", settings.COMMENTS_CONFIRM_MAILS_PER_IP_PER_HOUR)
        )
    try:
        return all(_count_within(key, limit) for key, limit in limits)
    except Exception:  # the cache is unavailable: a 500 here would lose the reader's comment
        logger.warning("Commenter e-mail: the cache is unavailable; counting the outbox.")
        return _outbox_within_limits(email, ip)


def _outbox_within_limits(email, ip):
    """The hourly limits read from the confirmation e-mails queued in the last hour."""
    recent = CommenterMail.objects.filter(
        kind=CommenterMail.Kind.CONFIRM, created_at__gte=timezone.now() - HOUR
    )
    if recent.filter(address__email=email).count() >= settings.COMMENTS_CONFIRM_MAILS_PER_HOUR:
        return False
    per_ip = settings.COMMENTS_CONFIRM_MAILS_PER_IP_PER_HOUR
    return not ip or recent.filter(comment__ip=ip).count() < per_ip


def _count_within(key, limit):
    cache.add(key, 0, timeout=60 * 60)  # atomic in Redis: the window starts with the first
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=60 * 60)
        return True


def comment_links(comment):
    return {"own_url": own_url(comment), "confirm_url": confirm_url(comment)}


def shown_at(comment):
    """The absolute address of ``comment`` on its article: the comment page its thread is on."""
    from comments.views import comment_url  # the views import this module

    return absolute(comment_url(comment))


# What a status change sends.


def comment_decided(comment, event):
    """Called with the event of every status change of ``comment``; queues what it e-mails.

    - held for a moderator (the spam check done): "received", with the own-comment link;
    - approved after being held (by a moderator, or by Akismet and the rules): "published";
    - any reply that becomes approved: a notice to the author of the comment it answers.

    - removed or marked spam by a moderator: the statement of reasons, with the appeal link
      (``comments.appeals``); the same for a comment that was published until then.

    Automatic spam verdicts, withdrawals and the moderators' other decisions send nothing.
    A reversed appeal's approval sends no "published" of its own: the appeal's outcome
    (``appeal_decided``) says it. Each kind of notice is one function below.
    """
    tell_author(comment, event)
    tell_parent_author(comment, event)


def tell_author(comment, event):
    """The author who opted in: the statement of reasons when a person took the comment down,
    "received" when held for a moderator, "published" after."""
    if not comment.follow or comment.by_staff:
        return
    if _is_take_down_by_person(event):
        _statement(comment, event)
    elif event.data.get("previous") == Comment.Status.APPROVED:
        return  # taken back to the queue (reports, a moderator): nothing new to tell
    elif event.kind == event.Kind.HELD and not comment.is_awaiting_spam_check():
        _received(comment)
    elif event.kind == event.Kind.APPROVED and _was_held(comment):
        if not comment.appeals.open().exists():
            _published(comment)


def tell_parent_author(reply, event):
    """A reply newly approved: its parent's author, if they opted in and it is not theirs."""
    if reply.is_approved() and reply.is_reply() and event.data.get("previous") != reply.status:
        _reply_notice(reply)


def _received(comment):
    context = {"article": comment.article, **comment_links(comment)}
    send_to_commenter(comment, CommenterMail.Kind.RECEIVED, f"received:{comment.pk}", context)


def _published(comment):
    context = {"article": comment.article, "comment_url": shown_at(comment),
               **comment_links(comment)}  # fmt: skip
    send_to_commenter(comment, CommenterMail.Kind.APPROVED, f"approved:{comment.pk}", context)


def _is_take_down_by_person(event):
    return event.kind in appeals.TAKE_DOWN_KINDS and event.actor_id is not None


def _statement(comment, event):
    statement = appeals.statement_for(comment, event)
    context = {
        "article": comment.article,
        "statement": statement,
        "appeal_url": appeals.appeal_url(statement),
        "appeal_days": settings.COMMENTS_APPEAL_DAYS,
    }
    send_to_commenter(comment, CommenterMail.Kind.STATEMENT, f"statement:{event.pk}", context)


def appeal_decided(appeal):
    """The appeal's outcome, to the commenter who follows their comment (called by its verbs)."""
    comment = appeal.comment
    if not comment.follow or comment.by_staff:
        return
    context = {
        "article": comment.article,
        "appeal": appeal,
        "statement": appeals.statement_for(comment, appeal.decision),
        "comment_url": shown_at(comment),
        "contact_email": settings.CONTACT_EMAIL,
    }
    kind = CommenterMail.Kind.APPEAL_DECIDED
    send_to_commenter(comment, kind, f"appeal:{appeal.pk}", context)


def _was_held(comment):
    return comment.events.filter(kind="held").exists()


def _reply_notice(reply):
    parent = (
        Comment.objects.filter(pk=reply.parent_id, follow=True)
        .exclude(email__iexact=reply.email)
        .select_related("article")
        .first()
    )
    if parent is None or not parent.email:
        return
    address = _address_of(parent)
    if address is None or not address.is_confirmed():
        return
    context = {
        "article": parent.article,
        "parent": parent,
        "reply": reply,
        "reply_url": shown_at(reply),
    }
    send_to_commenter(
        address, CommenterMail.Kind.REPLY, f"reply:{reply.pk}:{address.pk}", context, parent
    )
