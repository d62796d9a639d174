"""Delivering pages: compression, the whole-page cache in front of the views, a 503 while
the database is unavailable, and a 400 for a request the site cannot read before any view
sees it."""

import codecs
import hashlib
import math
import re
import time
from urllib.parse import parse_qsl

import brotli
from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest, get_bytes_from_wsgi
from django.http import HttpResponse, HttpResponsePermanentRedirect, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from articles import caching
from articles.models import WordPressPost, WordPressRedirect
from articles.views import bad_request

ACCEPTS_BROTLI = re.compile(r"\bbr\b")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Brotli's quality 5 compresses a page better than gzip -6 in about the same time.
BROTLI_QUALITY = 5


class DatabaseOutageMiddleware:
    """The last word on the 503 answered while the database is unavailable.

    Django hands an error anywhere below (a view, or a middleware such as the page cache) to
    ``handler500``, ``views.server_error``, which answers a database outage with a 503. First in
    MIDDLEWARE, this drops any cookie set on the way up (CSRF, session): nothing was saved, and
    no one's cookie may go out with a page that says so.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "database_unavailable", False):
            response.cookies.clear()
        return response


def is_shared(response):
    return "public" in response.get("Cache-Control", "")


class CompressionMiddleware(GZipMiddleware):
    """gzip for every response (Django's, with its BREACH padding); brotli for shared pages.

    Shared pages carry no secret (no CSRF token, no session), so they need no padding and can
    take brotli; pages that may carry a secret keep gzip's padded output.
    """

    def process_response(self, request, response):
        accepts = request.META.get("HTTP_ACCEPT_ENCODING", "")
        if (
            not ACCEPTS_BROTLI.search(accepts)
            or not is_shared(response)
            or response.streaming
            or response.has_header("Content-Encoding")
            or len(response.content) < 200
        ):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Encoding",))
        response.content = brotli.compress(response.content, quality=BROTLI_QUALITY)
        response["Content-Length"] = str(len(response.content))
        response["Content-Encoding"] = "br"
        if response.get("ETag", "").startswith('"'):
            response["ETag"] = "W/" + response["ETag"]
        return response


def is_current(built_from):
    return caching.generations(built_from) == built_from


def encoding_for(request):
    accepts = request.META.get("HTTP_ACCEPT_ENCODING", "")
    if ACCEPTS_BROTLI.search(accepts):
        return "br"
    return "gzip" if ACCEPTS_GZIP.search(accepts) else "identity"


class PageCacheMiddleware:
    """Serve shared reader pages from the cache, as compressed for the client, and store them.

    Only anonymous GET/HEAD requests are looked up; only responses a view marked shared
    (``caching.share``) are stored, with the generations they were built from. An entry is used
    while those generations are current, so a change shows on the very next request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE_SECONDS or not caching.is_shareable_request(request):
            return self.get_response(request)
        key = self.key(request)
        stored = caching.cache_get(key, "pages")  # None with the cache down: built anew
        if (
            stored is not None
            and time.time() < stored["valid_until"]
            and is_current(stored["generations"])
        ):
            return self.replay(stored)
        response = self.get_response(request)
        built_from = getattr(response, "cache_generations", None)
        if response.status_code == 200 and is_shared(response) and built_from:
            if not caching.is_known(built_from):
                pass  # built while the cache was down: served as it is, stored nowhere of ours
            elif is_current(built_from):
                self.store(key, response, built_from, response.cache_valid_until)
            else:  # changed while it was being built: serve it, but let no one keep it
                caching.keep_private(response)
        return response

    def key(self, request):
        url = f"{encoding_for(request)}|{request.get_host()}|{request.get_full_path()}"
        return "page:" + hashlib.md5(url.encode()).hexdigest()

    def store(self, key, response, built_from, valid_until):
        seconds = math.ceil(valid_until - time.time())
        if seconds <= 0:
            return
        entry = {
            "generations": built_from,
            "valid_until": valid_until,  # by the site's clock, not only the cache's own expiry
            "headers": [(k, v) for k, v in response.items() if k != "Content-Length"],
            "content": response.content,
        }
        caching.cache_set(key, entry, seconds, "pages")

    def replay(self, stored):
        response = HttpResponse(stored["content"])
        for header, value in stored["headers"]:
            response[header] = value
        response["Content-Length"] = str(len(stored["content"]))
        return response


BAD_CONTENT_TYPE = _("The request’s Content-Type header could not be read.")
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
NOT_UTF8 = _("This site reads requests in UTF-8 only, and this one was sent as “%(charset)s”.")
UNDECODABLE = _("Part of the request is not valid UTF-8 text, so it could not be read.")
TOO_MANY_PARAMETERS = _("The address has too many parameters to read.")
NUL_IN_ADDRESS = _("The address contains a NUL character, which nothing on this site can hold.")
UNREADABLE_FORM = _("The form data could not be read: it is too large, has too many fields, "
                    "or is not in a format the site understands.")  # fmt: skip


class ReadableRequestMiddleware:
    """Refuse, with a 400 page that says why, a request whose text the site cannot read.

    The site speaks UTF-8 only: a request declaring another charset, a query string or form
    body that is not UTF-8 once percent-decoded, a NUL character in the query string (PostgreSQL
    can neither store nor compare one), or a form body Django cannot parse is answered here,
    before any view or the CSRF check reads it. NUL characters in form fields are left to the
    forms, which refuse them field by field and give the reader's text back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.problem(request)
        if problem is None:
            return self.get_response(request)
        # Nothing after us (the debug page, error reporters) may try to parse the body again.
        request._post, request._files = QueryDict(), MultiValueDict()
        return bad_request(request, problem=problem, unread=request.method == "POST")

    def problem(self, request):
        if getattr(request, "has_unreadable_content_type", False):
            return BAD_CONTENT_TYPE
        charset = request.content_params.get("charset")
        if charset is not None and not is_utf8(charset):
            return NOT_UTF8 % {"charset": charset[:40]}
        fields = form_fields(get_bytes_from_wsgi(request.META, "QUERY_STRING", ""))
        if fields is None:
            return UNDECODABLE
        if len(fields) > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
            return TOO_MANY_PARAMETERS
        if any("\x00" in key + value for key, value in fields):
            return NUL_IN_ADDRESS
        if request.method == "POST" and request.content_type in FORM_TYPES:
            return self.body_problem(request)
        return None

    def body_problem(self, request):
        try:
            is_urlencoded = request.content_type != "multipart/form-data"
            if is_urlencoded and form_fields(request.body) is None:
                return UNDECODABLE
            request.POST  # noqa: B018 (parse now, while a failure can still be answered here)
        except (BadRequest, RequestDataTooBig, TooManyFieldsSent, MultiPartParserError,
                UnreadablePostError):  # fmt: skip
            return UNREADABLE_FORM
        return None


def is_utf8(charset):
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


def form_fields(raw):
    """The ``(name, value)`` pairs of a query string or urlencoded body, decoded strictly as
    UTF-8 (the bytes of a lone surrogate are not UTF-8), or None when they are not UTF-8."""
    try:
        return parse_qsl(raw.decode(), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return None


class ReadableRequest(WSGIRequest):
    """Django's WSGI request, except that a Content-Type header Django cannot parse is left for
    ReadableRequestMiddleware to refuse: Django raises while building the request, before any
    middleware or error handler runs, and the server answers 500."""

    has_unreadable_content_type = False

    def _set_content_type_params(self, meta):
        try:
            super()._set_content_type_params(meta)
        except BadRequest:
            self.content_type, self.content_params = "", {}
            self.has_unreadable_content_type = True


class ReadableRequestHandler(WSGIHandler):
    """The WSGI application (``newsroom.wsgi``), building ReadableRequests."""

    request_class = ReadableRequest


class WordPressRedirectMiddleware:
    """Old WordPress addresses of imported articles: a 301 to the article, else the 404.

    Only a 404 is looked at (one query), and ``/?p=ID``, WordPress's own permalink, which our
    home page would otherwise answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        post_id = request.GET.get("p", "") if request.path == "/" else ""
        if post_id.isascii() and post_id.isdigit() and len(post_id) < 19:
            article = WordPressPost.objects.live_article(post_id=int(request.GET["p"]))
            if article is not None:
                return HttpResponsePermanentRedirect(article.get_absolute_url())
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        if len(request.path) > 500 or "\x00" in request.path:
            return response
        article = WordPressRedirect.objects.live_article(request.path)
        if article is None:
            return response
        return HttpResponsePermanentRedirect(article.get_absolute_url())
