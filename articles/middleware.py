"""Delivering reader pages: compression, the whole-page cache in front of the views, and a 503
while the database is unavailable."""

import hashlib
import math
import re
import time

import brotli
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

from articles import caching

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
        stored = cache.get(key)
        if (
            stored is not None
            and time.time() < stored["valid_until"]
            and is_current(stored["generations"])
        ):
            return self.replay(stored)
        response = self.get_response(request)
        built_from = getattr(response, "cache_generations", None)
        if response.status_code == 200 and is_shared(response) and built_from:
            if is_current(built_from):
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
        cache.set(key, entry, seconds)

    def replay(self, stored):
        response = HttpResponse(stored["content"])
        for header, value in stored["headers"]:
            response[header] = value
        response["Content-Length"] = str(len(stored["content"]))
        return response
