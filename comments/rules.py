"""The local checks a new comment goes through before Akismet: the gate, then the rules.

The gate refuses a comment outright (closed, duplicate, flood), with an honest HTTP status.
The rules let it in and say what should happen to it: each match adds a machine-readable
reason; disallowed words, e-mails and IPs make it spam, hold words, links and first-time
commenters hold it for a moderator, and staff are approved.
"""

import datetime
import hashlib
import ipaddress
import logging
import re
from dataclasses import dataclass, field
from http import HTTPStatus

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles import caching
from articles.markup import render_comment
from articles.models import Article
from comments.models import SPAM_REASONS, Comment, Reason, Rule
from comments.policy import effective_policy

logger = logging.getLogger(__name__)

# Identical posts are told apart by the database once the first is saved (milliseconds); the
# claim only has to cover that moment.
DUPLICATE_CLAIM_SECONDS = 10
# The gate's claims, by the first part of their cache keys.
DUPLICATE_CLAIM, FLOOD_CLAIM, FORM_CLAIM = "comment-duplicate", "comment-flood", "comment-form"


@dataclass(frozen=True)
class Refusal:
    status: HTTPStatus
    message: str


CLOSED = Refusal(HTTPStatus.FORBIDDEN, _("Comments are closed on this article."))
DUPLICATE = Refusal(HTTPStatus.CONFLICT, _("You have already posted this comment here."))
REUSED_FORM = Refusal(
    HTTPStatus.BAD_REQUEST,
    _("This form has already been used to send a comment. Please check yours and send it again."),
)
FLOOD = Refusal(
    HTTPStatus.TOO_MANY_REQUESTS,
    _("You are posting too quickly. Please wait a few seconds and send your comment again."),
)
# The refusal of a post that finds a claim held, by the claim.
_HELD = {DUPLICATE_CLAIM: DUPLICATE, FLOOD_CLAIM: FLOOD, FORM_CLAIM: REUSED_FORM}


def comments_open(article, now=None):
    """Whether readers may comment: the article's or its section's switch, and the auto-close
    age of its section or the site (comments/policy.py)."""
    return effective_policy(article).is_open(article, now)


def gate(article, data, ip, now):
    """Return a Refusal when the comment must not be taken at all, else None.

    ``now`` is the submission time the comment will be stored with: the flood window is
    measured from it, so no two comments from one IP or e-mail address are stored closer.

    Simultaneous posts race past a plain check-then-insert, so the post first claims a key per
    decision, all of them or none (``claim_all``: in one step in Redis, shared by every worker;
    key by key in local memory, for the single-process default): one identical comment at a
    time, one comment per IP address and per e-mail address in each flood window, and one
    comment per form from each address. The database checks then catch what the cache no
    longer holds (an older duplicate, an evicted key), and keep the window exact between
    stored times, which the claims, taken a moment after ``now``, cannot.
    """
    if not comments_open(article, now):
        return CLOSED
    # What is stored first: a reader sending a saved comment again is told so, whichever of
    # its claims may still be held (and claims nothing, so holds up nobody else meanwhile).
    if _duplicate_stored(article, data):
        return DUPLICATE
    window = settings.COMMENTS_FLOOD_SECONDS
    claims = {_duplicate_key(article, data): DUPLICATE_CLAIM_SECONDS}
    claims |= dict.fromkeys(_flood_keys(data, ip) if window else [], window)
    claims[_form_key(data, ip)] = settings.COMMENTS_MAX_FORM_AGE
    held, taken = claim_all(claims)
    kind = held.partition(":")[0] if held else None
    # The flood comes before the form, as a reader would want to hear it.
    if kind in (None, FORM_CLAIM) and window and _flood_stored(data, ip, now):
        release_claims(taken)  # a refused post must not count against the next one
        return FLOOD
    return _HELD[kind] if kind else None


def release(article, data, ip):
    """Free what ``gate`` claimed for a comment that was not saved after all (the database
    failed), so the reader can send it again at once; the database checks still stand."""
    release_claims([_duplicate_key(article, data), *_flood_keys(data, ip), _form_key(data, ip)])


def release_claims(keys):
    if not keys or caching.cache_is_down():
        return
    try:
        cache.delete_many(keys)
    except Exception:
        logger.warning("Comment gate: the cache is unavailable; claims expire by themselves.")


def _duplicate_key(article, data):
    digest = hashlib.sha256(f"{data['email']}\n{data['body']}".encode()).hexdigest()
    return f"{DUPLICATE_CLAIM}:{article.pk}:{digest}"


def _flood_keys(data, ip):
    return [f"{FLOOD_CLAIM}:email:{data['email']}", *([f"{FLOOD_CLAIM}:ip:{ip}"] if ip else [])]


def _form_key(data, ip):
    """One comment per form from each address.

    A cached page hands the same signed timestamp to every reader who loads it within its
    lifetime, so the form cannot be single-use outright; single-use per address still stops
    a client replaying one form for hours. A reader whose comment appears gets a new page
    (the article changed) and one whose comment is held gets their own, so neither meets this.
    """
    digest = hashlib.sha256(data["timestamp"].encode()).hexdigest()
    return f"{FORM_CLAIM}:{digest}:{ip or '-'}"


# Every post asks this first: through a cursor it costs a fifth of the CPU of the same query
# built by the ORM (0.07 ms against 0.36 ms here). comment_email_idx finds the rows.
DUPLICATE_SQL = "SELECT 1 FROM {table} WHERE article_id = %s AND email = %s AND body = %s LIMIT 1"


def _duplicate_stored(article, data):
    with connection.cursor() as cursor:
        cursor.execute(DUPLICATE_SQL.format(table=Comment._meta.db_table),
                       [article.pk, data["email"], data["body"]])  # fmt: skip
        return cursor.fetchone() is not None


def _flood_stored(data, ip, now):
    since = now - datetime.timedelta(seconds=settings.COMMENTS_FLOOD_SECONDS)
    return Comment.objects.filter(
        Q(ip=ip) | Q(email=data["email"]), submitted_at__gte=since
    ).exists()


def claim_all(timeouts):
    """Take every key of ``timeouts`` (key: seconds), or none of them: ``(held, taken)``, the
    first key someone holds (else None) and the keys taken. Redis takes them in one round trip
    (``newsroom.cache.RedisCache``); another cache one by one, giving back what it took when a
    key is held. A cache outage lets the post pass, taking nothing: the database checks still
    stand."""
    if caching.cache_is_down():
        return None, []
    try:
        if hasattr(cache, "add_all"):
            held = cache.add_all(timeouts)
            return held, [] if held else list(timeouts)
        taken = []
        for key, seconds in timeouts.items():
            if not cache.add(key, 1, seconds):
                cache.delete_many(taken)
                return key, []
            taken.append(key)
        return None, taken
    except Exception:
        caching.cache_down("comment gate")
    return None, []


# The cache tag of the moderators' rules: comments.signals moves it when one changes.
RULES_TAG = "comment-rules"


def posting_context(article_pk):
    """What judging a new comment reads besides the comment: ``(article, rules)``, the article
    with the sections its policy reads (None if it is not published) and the moderators' rules.

    Every post needs both and both change rarely, so they come from the cache while neither has
    changed since they were read: the ``site`` tag moves with every change to an article, its
    sections or their comment policies, and RULES_TAG with every rule. Like the pages, they
    follow changes saved through the models (the admin, the commands), which send the signals
    that move the tags; a bare ``QuerySet.update()`` does not.
    """
    try:
        generations = caching.generations([caching.SITE, RULES_TAG])
        article, rules = caching.fragment(
            f"posting-context|{article_pk}",
            generations,
            lambda: _read_context(article_pk),
        )
    except DatabaseError:
        raise
    except Exception:  # the cache is down: the database has it all, and comments go on
        logger.warning("Comment posting: the cache is unavailable; reading the article anew.")
        article, rules = _read_context(article_pk)
    # Publishing is also a matter of time: a scheduled article opens when its moment comes.
    return (article if article is not None and article.is_published() else None), rules


def _read_context(article_pk):
    articles = Article.objects.filter(status=Article.Status.PUBLISHED)
    article = articles.select_related("section__parent").filter(pk=article_pk).first()
    return article, list(Rule.objects.all())


@dataclass
class Outcome:
    """What the local rules decided: the reasons found, in order."""

    reasons: list = field(default_factory=list)

    def is_spam(self):
        return any(reason in SPAM_REASONS for reason in self.reasons)

    def is_staff(self):
        return Reason.STAFF in self.reasons

    def held_for(self):
        return [r for r in self.reasons if r not in SPAM_REASONS and r != Reason.STAFF]


def evaluate(article, data, ip, user, rules=None):
    """Apply the moderators' rules (``rules``, else read now) and the article's policy (its own,
    its section's, the site's) to a comment's cleaned data."""
    policy = effective_policy(article)
    rules = list(Rule.objects.all()) if rules is None else rules
    found = []
    texts = [data["name"], data["email"], data.get("url", ""), data["body"]]
    for rule in rules:
        if _matches(rule, texts, data["email"], ip) and rule.kind not in found:
            found.append(rule.kind)
    if Reason.HOLD_WORD not in found and section_words_matching(policy, texts):
        found.append(Reason.HOLD_WORD)
    if count_links(data["body"]) >= policy.link_limit:
        found.append(Reason.LINK_LIMIT)
    if policy.is_premoderated():
        found.append(Reason.PREMODERATED)
    if settings.COMMENTS_HOLD_FIRST_TIME and is_first_time(data["email"]):
        found.append(Reason.FIRST_TIME)
    if user is not None and user.is_staff:
        found.append(Reason.STAFF)
    return Outcome([str(reason) for reason in found])


def rules_matching(comment):
    """The moderators' rules this comment matches now, per reason: what the desk shows as the
    rule that fired (rules may have changed since it was posted)."""
    texts = [comment.name, comment.email, comment.url, comment.body]
    found = {}
    for rule in Rule.objects.filter(kind__in=comment.reasons):
        if _matches(rule, texts, comment.email, comment.ip or ""):
            found.setdefault(rule.kind, []).append(rule.value)
    if Reason.HOLD_WORD in comment.reasons:
        words = section_words_matching(effective_policy(comment.article), texts)
        found.setdefault(Reason.HOLD_WORD, []).extend(words)
    return found


def section_words_matching(policy, texts):
    """The hold words of the article's sections found in ``texts``."""
    return [
        word
        for word, _source in policy.hold_words
        if any(word_pattern(word).search(text) for text in texts)
    ]


def _matches(rule, texts, email, ip):
    if rule.kind in (Rule.Kind.DISALLOWED_WORD, Rule.Kind.HOLD_WORD):
        pattern = word_pattern(rule.value)
        return any(pattern.search(text) for text in texts)
    if rule.kind == Rule.Kind.DISALLOWED_EMAIL:
        return email_matches(rule.value, email)
    return ip_matches(rule.value, ip)


def word_pattern(words):
    """Whole words, any case: "cheap" matches "Cheap pills" but not "cheapest"."""
    return re.compile(rf"(?<!\w){re.escape(words.strip())}(?!\w)", re.IGNORECASE)


def email_matches(value, email):
    value, email = value.strip().lower(), email.lower()
    if value.startswith("@"):
        return email.endswith(value)
    return email == value


def ip_matches(value, ip):
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False


def count_links(body):
    """Links in the comment as it will be shown (Markdown links and bare addresses)."""
    return render_comment(body).count("<a ")


def is_first_time(email):
    """No approved comment from this e-mail address yet."""
    return not Comment.objects.approved().filter(email=email).exists()


def lock_address(ip):
    """Let one transaction at a time act for ``ip`` until it ends: check-then-insert is exact.

    PostgreSQL takes an advisory lock on the address; SQLite's writers are one at a time
    already (IMMEDIATE transactions), so the transaction itself is the lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"comments:{ip}"])


def client_ip(request):
    """The commenter's address: REMOTE_ADDR, or behind N trusted proxies, X-Forwarded-For.

    Each proxy appends the address it received the request from, so with N proxies of our own
    the client is the Nth address from the right; anything further left is the client's to
    invent. A shorter header than expected falls back to its leftmost address.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies <= 0:
        if "HTTP_X_FORWARDED_FOR" in request.META:
            note_untrusted_proxy(remote)
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if not forwarded:
        return remote
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


UNTRUSTED_PROXY_KEY = "comments:untrusted-proxy"
_proxy_warned = False


def note_untrusted_proxy(address):
    """Remember that readers reach us through a proxy we were not told about.

    Behind one, REMOTE_ADDR is the proxy's, so every reader would share its flood window and
    report quota. X-Forwarded-For cannot be trusted unasked (a client can write it), so the
    operator is told, in the log and on the admin index, to set TRUSTED_PROXY_COUNT.
    """
    global _proxy_warned
    try:
        cache.set(UNTRUSTED_PROXY_KEY, address, 24 * 60 * 60)
    except Exception:  # a notice only: the comment goes on
        pass
    if not _proxy_warned:
        _proxy_warned = True
        logger.warning(
            "Requests from %s carry X-Forwarded-For but TRUSTED_PROXY_COUNT is 0: every reader "
            "behind that proxy shares one flood window. Set TRUSTED_PROXY_COUNT.",
            address,
        )


def untrusted_proxy():
    """The proxy address readers were last seen coming through unconfigured, or None."""
    if settings.TRUSTED_PROXY_COUNT > 0:
        return None
    try:
        return cache.get(UNTRUSTED_PROXY_KEY)
    except Exception:
        return None
