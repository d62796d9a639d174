"""The reader's cookies: their own pending comments, their recent comments, and their name.

All are signed. The pending one lists comment ids so the reader (and nobody else) sees their
held comments marked "awaiting moderation"; the own one lists the comments they posted in the
last edit window (COMMENTS_EDIT_MINUTES), held or published, which they may edit, and expires
with that window; the author one is set only when the reader ticks "save my name". Pages read
with any of them are personal: shared caches pass them by (settings.PAGE_CACHE_BYPASS_COOKIES).
The mail one names the address this browser confirmed from one of our e-mails; only posting reads
it (a comment opted in from this browser with that address is followed without a new e-mail).
All are Secure in production, as the session cookie is.
"""

import json

from django.conf import settings

PENDING_COOKIE = "comments_pending"
OWN_COOKIE = "comments_own"
AUTHOR_COOKIE = "comments_author"
PENDING_KEEP = 20
AUTHOR_DAYS = 365
MAIL_COOKIE = "comments_mail"
MAIL_DAYS = 365


def pending_ids(request):
    max_age = settings.COMMENTS_PENDING_COOKIE_DAYS * 86400
    raw = request.get_signed_cookie(PENDING_COOKIE, "", salt=PENDING_COOKIE, max_age=max_age)
    return [int(part) for part in raw.split(",") if part.isdigit()]


def remember_pending(request, response, comment):
    ids = [*pending_ids(request), comment.pk][-PENDING_KEEP:]
    response.set_signed_cookie(
        PENDING_COOKIE,
        ",".join(map(str, ids)),
        salt=PENDING_COOKIE,
        max_age=settings.COMMENTS_PENDING_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )


def own_ids(request):
    """The comments this browser posted lately (the edit window), and its held ones."""
    max_age = settings.COMMENTS_EDIT_MINUTES * 60
    raw = request.get_signed_cookie(OWN_COOKIE, "", salt=OWN_COOKIE, max_age=max_age)
    recent = [int(part) for part in raw.split(",") if part.isdigit()]
    return [*recent, *pending_ids(request)]


def remember_own(request, response, comment):
    """Let this browser edit ``comment`` for the edit window; nothing when edits are off."""
    seconds = settings.COMMENTS_EDIT_MINUTES * 60
    if not seconds:
        return
    raw = request.get_signed_cookie(OWN_COOKIE, "", salt=OWN_COOKIE, max_age=seconds)
    ids = [*(int(p) for p in raw.split(",") if p.isdigit()), comment.pk][-PENDING_KEEP:]
    response.set_signed_cookie(
        OWN_COOKIE, ",".join(map(str, ids)), salt=OWN_COOKIE, max_age=seconds,
        httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )  # fmt: skip


def proves_address(request, email):
    """Whether this browser confirmed ``email`` from the link we sent to it."""
    raw = request.get_signed_cookie(MAIL_COOKIE, "", salt=MAIL_COOKIE, max_age=MAIL_DAYS * 86400)
    return bool(raw) and raw == email.strip().lower()


def remember_address(request, response, email):
    response.set_signed_cookie(
        MAIL_COOKIE, email.strip().lower(), salt=MAIL_COOKIE, max_age=MAIL_DAYS * 86400,
        httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )  # fmt: skip


def remembered_author(request):
    raw = request.get_signed_cookie(AUTHOR_COOKIE, default="", salt=AUTHOR_COOKIE)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {key: str(data[key]) for key in ("name", "email", "url") if key in data}


def remember_author(request, response, data):
    """Keep (with consent) or forget the reader's name, e-mail and website."""
    if not data.get("remember"):
        response.delete_cookie(AUTHOR_COOKIE, samesite="Lax")
        return
    value = json.dumps({key: data.get(key, "") for key in ("name", "email", "url")})
    response.set_signed_cookie(
        AUTHOR_COOKIE, value, salt=AUTHOR_COOKIE, max_age=AUTHOR_DAYS * 86400,
        httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )  # fmt: skip
