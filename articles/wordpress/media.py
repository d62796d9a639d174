"""Fetching the files an export points at, with a short timeout and a size limit.

Never raises for what the network does: a file that cannot be fetched is recorded as missing,
with its address and why, and fetched again by the next run.
"""

import posixpath
from urllib.parse import unquote, urlsplit

import httpx
from django.core.files.base import ContentFile

from articles.models import WordPressMedia

MAX_BYTES = 25 * 1024 * 1024


class Fetcher:
    def __init__(self, timeout=5.0, enabled=True):
        self.enabled = enabled
        self.failed = set()  # addresses that failed in this run are not tried again in it
        self.client = httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=3)

    def close(self):
        self.client.close()

    def media(self, url, attachment_id=None):
        """The WordPressMedia for ``url``: already fetched, fetched now, or missing.

        Returns (media, created): created is False when nothing new was written.
        """
        media = WordPressMedia.objects.filter(url=url).first()
        if media is None and attachment_id:
            media = WordPressMedia.objects.filter(attachment_id=attachment_id).first()
        settled = not self.enabled or url in self.failed
        if media is not None and (media.is_downloaded() or settled):
            if attachment_id and media.attachment_id is None:
                media.attachment_id = attachment_id
                media.save(update_fields=["attachment_id"])
            return media, False
        media = media or WordPressMedia(url=url)
        media.attachment_id = attachment_id or media.attachment_id
        if self.enabled:
            content, problem = self._fetch(url)
        else:
            content, problem = None, "not fetched (--no-media or --dry-run)"
        if content is None:
            self.failed.add(url)
            media.status, media.problem = WordPressMedia.Status.MISSING, problem[:300]
        else:
            media.status, media.problem = WordPressMedia.Status.DOWNLOADED, ""
            media.file.save(file_name(url), ContentFile(content), save=False)
        media.save()
        return media, True

    def _fetch(self, url):
        if urlsplit(url).scheme not in ("http", "https"):
            return None, "not an http(s) address"
        try:
            with self.client.stream("GET", url) as response:
                if response.status_code != 200:
                    return None, f"HTTP {response.status_code}"
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_BYTES:
                        return None, f"larger than {MAX_BYTES // (1024 * 1024)} MB"
                    chunks.append(chunk)
                return b"".join(chunks), ""
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
            return None, f"{type(error).__name__}: {error}"[:300]


def file_name(url):
    name = posixpath.basename(unquote(urlsplit(url).path)) or "file"
    return name[-100:]
