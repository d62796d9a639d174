"""Akismet, the one outside service comments talk to.

The whole interface: ``is_enabled()``, ``check(comment)``, ``submit_spam(comment)``,
``submit_ham(comment)`` and ``key_status()``. This module owns the key, the payload, the timeout
and the error policy: a failure of any kind (network, HTTP status, odd answer, bad key) comes
back as ``Verdict.ERROR`` with a message, never as an exception.

The ``akismet`` library always calls https://rest.akismet.com; when ``AKISMET_API_URL`` names
another Akismet-compatible endpoint (staging, the test suite's fake server), an httpx transport
sends the requests there instead.
"""

import atexit
import enum
import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import akismet
import httpx
from django.conf import settings

from articles import caching

logger = logging.getLogger(__name__)

OFFICIAL_API_URL = "https://rest.akismet.com"
KEY_STATUS_CACHE_KEY = "comments:akismet-key-status"
KEY_STATUS_SECONDS = 600


class Verdict(enum.StrEnum):
    """The answer to one check; the values are Comment.Akismet's."""

    HAM = "ham"
    SPAM = "spam"
    DISCARD = "discard"
    ERROR = "error"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Result:
    verdict: Verdict
    payload: dict
    error: str = ""


def is_enabled():
    return bool(settings.AKISMET_API_KEY)


def build_payload(comment):
    """Everything Akismet is told about a comment, as the library's keyword arguments."""
    article = comment.article
    payload = {
        "user_ip": comment.ip or "",
        "user_agent": comment.user_agent,
        "referrer": comment.referrer,
        "permalink": _absolute(article.get_absolute_url()),
        "comment_type": comment.comment_type,
        "comment_author": comment.name,
        "comment_author_email": comment.email,
        "comment_author_url": comment.url,
        "comment_content": comment.body,
        "comment_date_gmt": comment.submitted_at.isoformat(),
        "comment_post_modified_gmt": (article.updated_at or article.published_at).isoformat(),
        "blog_lang": settings.LANGUAGE_CODE.split("-")[0],
        "blog_charset": "UTF-8",
    }
    if settings.AKISMET_TEST_MODE:
        payload["is_test"] = "1"
    # The library sends None and "" alike as empty values; leave out what we do not know.
    return {key: value for key, value in payload.items() if value or key == "user_ip"}


def check(comment, recheck_reason=None):
    """Ask Akismet about a comment; on a re-check the first payload is sent again, unchanged."""
    if not is_enabled():
        return Result(Verdict.DISABLED, {})
    payload = comment.akismet_payload or build_payload(comment)
    extra = {"recheck_reason": recheck_reason} if recheck_reason else {}
    try:
        with _client() as client:
            answer = client.comment_check(**payload, **extra)
    except akismet.AkismetError as error:
        _note_key_problem(error)
        return Result(Verdict.ERROR, payload, _describe(error))
    verdict = {
        akismet.CheckResponse.HAM: Verdict.HAM,
        akismet.CheckResponse.SPAM: Verdict.SPAM,
        akismet.CheckResponse.DISCARD: Verdict.DISCARD,
    }[answer]
    return Result(verdict, payload)


def submit_spam(comment):
    """Tell Akismet it missed this spam, with exactly what it was first sent. Returns an error."""
    return _submit("submit_spam", comment)


def submit_ham(comment):
    """Tell Akismet this was not spam, with exactly what it was first sent. Returns an error."""
    return _submit("submit_ham", comment)


def _submit(method, comment):
    if not is_enabled() or not comment.akismet_payload:
        return ""
    try:
        with _client() as client:
            getattr(client, method)(**comment.akismet_payload)
    except akismet.AkismetError as error:
        _note_key_problem(error)
        return _describe(error)
    return ""


def key_status():
    """ "disabled", "valid", "invalid" or "unreachable"; cached, for the admin's warning."""
    if not is_enabled():
        return "disabled"
    status = caching.cache_get(KEY_STATUS_CACHE_KEY, "Akismet key status")
    if status is None:  # also with the cache down: Akismet is asked, as on a cold cache
        try:
            with _client() as client:
                status = "valid" if client.verify_key() else "invalid"
        except akismet.AkismetError as error:
            logger.warning("Akismet key check failed: %s", _describe(error))
            status = "unreachable"
        caching.cache_set(KEY_STATUS_CACHE_KEY, status, KEY_STATUS_SECONDS, "Akismet key status")
    return status


def _note_key_problem(error):
    if isinstance(error, akismet.ConfigurationError):
        caching.cache_set(KEY_STATUS_CACHE_KEY, "invalid", KEY_STATUS_SECONDS, "Akismet key")


def _absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def _describe(error):
    cause = f" ({type(error.__cause__).__name__})" if error.__cause__ else ""
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}{cause}"


@contextmanager
def _client():
    """A client for one operation, on this process's HTTP client.

    (The library's own ``with`` would first verify the key: an extra request on every call.)
    """
    config = akismet.Config(key=settings.AKISMET_API_KEY, url=settings.AKISMET_BLOG_URL)
    yield akismet.SyncClient(config=config, http_client=_http_client())


# This process's HTTP client for Akismet, kept between checks: they reuse its connections (and
# TLS sessions) instead of opening new ones, and building a client, its TLS context above all,
# cost more CPU than the check itself. httpx clients are thread-safe; a forked child builds its
# own, and a change of endpoint or timeout (tests do that) replaces it.
_shared = {"key": None, "client": None}
_shared_lock = threading.Lock()


def _forget_http_client():
    """In a forked child: the parent's client, its sockets and its lock are not the child's."""
    global _shared_lock
    _shared_lock = threading.Lock()
    _shared.update(key=None, client=None)


os.register_at_fork(after_in_child=_forget_http_client)


@atexit.register
def _close_http_client():
    if _shared["client"] is not None:
        _shared["client"].close()


def _http_client():
    key = (settings.AKISMET_API_URL.rstrip("/"), settings.AKISMET_TIMEOUT)
    with _shared_lock:
        if _shared["key"] != key:
            if _shared["client"] is not None:
                _shared["client"].close()
            _shared.update(key=key, client=_new_http_client(*key))
        return _shared["client"]


def _new_http_client(api_url, timeout):
    transport = None if api_url == OFFICIAL_API_URL else _RedirectTransport(api_url)
    return httpx.Client(
        headers={"User-Agent": akismet.USER_AGENT}, timeout=timeout, transport=transport
    )


class _RedirectTransport(httpx.HTTPTransport):
    """Sends requests meant for rest.akismet.com to another base URL, and nowhere else."""

    def __init__(self, base_url):
        super().__init__()
        self.base = httpx.URL(base_url)

    def handle_request(self, request):
        if request.url.host != httpx.URL(OFFICIAL_API_URL).host:
            raise httpx.ConnectError(f"Refusing to send an Akismet request to {request.url.host}")
        request.url = request.url.copy_with(
            scheme=self.base.scheme,
            host=self.base.host,
            port=self.base.port,
            path=self.base.path.rstrip("/") + request.url.path,
        )
        request.headers["Host"] = request.url.netloc.decode("ascii")
        return super().handle_request(request)
