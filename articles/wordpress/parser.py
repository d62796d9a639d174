"""A streaming reader for WordPress eXtended RSS, safe against hostile files.

defusedxml's ``iterparse`` refuses any DTD, so no entity is ever expanded (billion laughs) and
no external entity is fetched; each channel child is dropped as soon as it has been read, so a
file of any size is held one item at a time. Namespaces are matched by URI, never by prefix:
WordPress wrote ``http://wordpress.org/export/1.0/`` up to ``https://wordpress.org/export/1.2/``,
and an export may declare them on any element, under any prefix.
"""

import dataclasses
import re
import xml.etree.ElementTree as ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

WP_RE = re.compile(r"^https?://wordpress\.org/export/(1\.[0-2])/(excerpt/)?$")
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"


class WxrError(Exception):
    """The file cannot be read as a WordPress export; the message says why in one line."""


@dataclasses.dataclass
class WxrAuthor:
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""

    @property
    def name(self):
        full = f"{self.first_name} {self.last_name}".strip()
        return self.display_name or full or self.login


@dataclasses.dataclass
class WxrTerm:
    taxonomy: str  # "category" or "post_tag"
    slug: str
    name: str
    parent: str = ""  # the parent's slug (categories)


@dataclasses.dataclass
class WxrComment:
    comment_id: int
    author: str = ""
    email: str = ""
    url: str = ""
    ip: str = ""
    date: str = ""
    date_gmt: str = ""
    content: str = ""
    approved: str = "1"
    type: str = ""
    parent: int = 0
    user_id: int = 0
    agent: str = ""


@dataclasses.dataclass
class WxrPost:
    post_id: int
    guid: str = ""
    title: str = ""
    link: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    post_date: str = ""
    post_date_gmt: str = ""
    slug: str = ""
    status: str = ""
    post_type: str = ""
    password: str = ""
    comment_status: str = ""
    is_sticky: bool = False
    parent: int = 0
    attachment_url: str = ""
    terms: list = dataclasses.field(default_factory=list)  # [(taxonomy, slug, name)]
    meta: dict = dataclasses.field(default_factory=dict)
    comments: list = dataclasses.field(default_factory=list)


def split_tag(tag):
    """``{uri}local`` → (kind, local): kind is wp, excerpt, content, dc or the URI itself."""
    uri, _sep, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
    match = WP_RE.match(uri)
    if match:
        return ("excerpt" if match[2] else "wp"), local
    return {CONTENT_NS: "content", DC_NS: "dc"}.get(uri, uri), local


def _text(element):
    return (element.text or "").strip() if element is not None else ""


def _raw(element):
    """Text kept as written (post bodies): CDATA sections are already joined by the parser."""
    return element.text or "" if element is not None else ""


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _children(element):
    """{(kind, local): [child, ...]} for one element."""
    found = {}
    for child in element:
        found.setdefault(split_tag(child.tag), []).append(child)
    return found


def _one(children, kind, local, raw=False):
    elements = children.get((kind, local))
    if not elements:
        return ""
    return _raw(elements[0]) if raw else _text(elements[0])


def read_author(element):
    c = _children(element)
    return WxrAuthor(
        login=_one(c, "wp", "author_login"),
        email=_one(c, "wp", "author_email"),
        # Names may run over several lines in hand-edited exports: one line here.
        display_name=" ".join(_one(c, "wp", "author_display_name").split()),
        first_name=" ".join(_one(c, "wp", "author_first_name").split()),
        last_name=" ".join(_one(c, "wp", "author_last_name").split()),
    )


def read_term(element, local):
    c = _children(element)
    if local == "category":
        return WxrTerm(
            "category",
            _one(c, "wp", "category_nicename"),
            _one(c, "wp", "cat_name"),
            _one(c, "wp", "category_parent"),
        )
    if local == "tag":
        return WxrTerm("post_tag", _one(c, "wp", "tag_slug"), _one(c, "wp", "tag_name"))
    return WxrTerm(  # WXR 1.2's generic <wp:term>
        _one(c, "wp", "term_taxonomy"),
        _one(c, "wp", "term_slug"),
        _one(c, "wp", "term_name"),
        _one(c, "wp", "term_parent"),
    )


def read_comment(element):
    c = _children(element)
    one = lambda local, raw=False: _one(c, "wp", local, raw)  # noqa: E731
    return WxrComment(
        comment_id=_int(one("comment_id")),
        author=" ".join(one("comment_author").split()),
        email=one("comment_author_email"),
        url=one("comment_author_url"),
        ip=one("comment_author_IP"),
        date=one("comment_date"),
        date_gmt=one("comment_date_gmt"),
        content=one("comment_content", raw=True),
        approved=one("comment_approved") or "1",
        type=one("comment_type"),
        parent=_int(one("comment_parent")),
        user_id=_int(one("comment_user_id")),
        agent=one("comment_agent"),
    )


def read_item(element):
    c = _children(element)
    wp = lambda local, raw=False: _one(c, "wp", local, raw)  # noqa: E731
    post = WxrPost(
        post_id=_int(wp("post_id")),
        guid=_one(c, "", "guid"),
        title=" ".join(_one(c, "", "title").split()),
        link=_one(c, "", "link"),
        creator=_one(c, "dc", "creator"),
        content=_one(c, "content", "encoded", raw=True),
        excerpt=_one(c, "excerpt", "encoded", raw=True).strip(),
        post_date=wp("post_date"),
        post_date_gmt=wp("post_date_gmt"),
        slug=wp("post_name"),
        status=wp("status"),
        post_type=wp("post_type"),
        password=wp("post_password"),
        comment_status=wp("comment_status"),
        is_sticky=wp("is_sticky") == "1",
        parent=_int(wp("post_parent")),
        attachment_url=wp("attachment_url"),
    )
    for category in c.get(("", "category"), []):
        taxonomy = {"category": "category", "post_tag": "post_tag", "tag": "post_tag"}.get(
            category.get("domain", ""), ""
        )
        if taxonomy:
            post.terms.append((taxonomy, category.get("nicename", ""), _text(category)))
    for meta in c.get(("wp", "postmeta"), []):
        mc = _children(meta)
        post.meta[_one(mc, "wp", "meta_key")] = _one(mc, "wp", "meta_value")
    post.comments = [read_comment(e) for e in c.get(("wp", "comment"), [])]
    return post


@dataclasses.dataclass
class Channel:
    """What the export says about the site it came from."""

    version: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    link: str = ""


def read(source, channel=None):
    """Yield WxrAuthor, WxrTerm and WxrPost records from ``source`` (a path or binary file).

    ``channel`` (a Channel) is filled in as the head of the file is read. Raises WxrError.
    """
    channel = channel if channel is not None else Channel()
    depth, parent = 0, None
    try:
        for event, element in iterparse(
            source, events=("start", "end"), forbid_dtd=True, forbid_entities=True
        ):
            if event == "start":
                depth += 1
                if depth == 1 and split_tag(element.tag) != ("", "rss"):
                    raise WxrError("not a WordPress export: the file is not RSS")
                if depth == 2:
                    parent = element
                continue
            depth -= 1
            if depth != 2:
                continue
            record = _channel_child(element, channel)
            parent.remove(element)  # bounded memory: nothing read stays behind
            if record is not None:
                yield record
    except ElementTree.ParseError as error:
        raise WxrError(_parse_problem(error)) from None
    except DefusedXmlException as error:
        raise WxrError(
            f"refused: the file declares a DTD or entities ({type(error).__name__})"
        ) from None
    if not channel.version:
        raise WxrError("not a WordPress export: no wp:wxr_version in the channel")


def _channel_child(element, channel):
    kind, local = split_tag(element.tag)
    if kind == "wp" and local == "wxr_version":
        channel.version = _text(element)
    elif kind == "wp" and local in ("base_site_url", "base_blog_url"):
        setattr(channel, local, _text(element))
    elif (kind, local) == ("", "link"):
        channel.link = _text(element)
    elif kind == "wp" and local == "author":
        return read_author(element)
    elif kind == "wp" and local in ("category", "tag", "term"):
        return read_term(element, local)
    elif (kind, local) == ("", "item"):
        if not channel.version:
            raise WxrError("not a WordPress export: an item comes before any wp:wxr_version")
        return read_item(element)
    return None


def _parse_problem(error):
    line, column = getattr(error, "position", (0, 0))
    message = str(error).split(":")[0]
    if message in ("no element found", "unclosed token"):
        return f"the file ends too early (truncated?) at line {line}"
    if message == "not well-formed (invalid token)":
        return (
            f"unreadable at line {line}, column {column}: not well-formed, or not in the "
            "encoding the file declares"
        )
    return f"not well-formed XML at line {line}, column {column}: {message}"
