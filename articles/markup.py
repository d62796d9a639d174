"""Markdown to safe HTML, rendered once when content is saved.

Article bodies may hold callouts, written as fenced blocks:

    :::takeaway
    The one thing to remember.
    :::

Kinds: ``takeaway`` (Key Takeaway), ``didyouknow`` (Did you know?), ``tip`` (Pro Tip) and
``expert`` (Expert Insight), which takes the expert's name and affiliation after the kind:
``:::expert Dr. Mara Okafor | Institute of Coastal Studies``.
"""

import re
import threading
from functools import lru_cache, partial

import bleach
import markdown
from bleach.linkifier import URL_RE, LinkifyFilter
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from articles.bounds import BoundedRendering

CALLOUT_LABELS = {
    "takeaway": _("Key Takeaway"),
    "didyouknow": _("Did you know?"),
    "expert": _("Expert Insight"),
    "tip": _("Pro Tip"),
}
CALLOUT_HELP = _(
    "Markdown. Use ## for section headings. Callouts are blocks between ':::kind' and ':::' "
    "lines, where kind is takeaway (Key Takeaway), didyouknow (Did you know?), tip (Pro Tip) "
    "or expert (Expert Insight: ':::expert Name | Affiliation', then the quote)."
)
CALLOUT_RE = re.compile(
    r"^:::(?P<kind>takeaway|didyouknow|expert|tip)[ \t]*(?P<attribution>[^\n]*)\n"
    r"(?P<text>.*?)\n:::[ \t]*$",
    re.MULTILINE | re.DOTALL,
)

ARTICLE_TAGS = [
    "a", "abbr", "aside", "blockquote", "br", "cite", "code", "em", "figcaption", "figure",
    "h2", "h3", "h4", "hr", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
]  # fmt: skip
ARTICLE_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height"],
    "aside": ["class", "aria-labelledby", "id"],
    "p": ["class", "id"],
    "th": ["scope"],
}
COMMENT_TAGS = ["a", "blockquote", "br", "code", "em", "li", "ol", "p", "pre", "strong", "ul"]
COMMENT_ATTRIBUTES = {"a": ["href", "rel"]}
PROTOCOLS = ["http", "https", "mailto"]


_renderers = threading.local()


def _markdown(text):
    """Markdown to HTML, by this thread's own renderer, reset for each text: setting one up
    (its extensions, their patterns) takes twice as long as rendering a comment."""
    renderer = getattr(_renderers, "markdown", None)
    if renderer is None:
        renderer = _renderers.markdown = markdown.Markdown(
            extensions=["extra", "sane_lists", BoundedRendering()], output_format="html"
        )
    return renderer.reset().convert(text)


def _callout(match, number):
    kind = match["kind"]
    label_id = f"callout-{number}"
    inner = _markdown(match["text"])
    if kind == "expert":
        name, _sep, affiliation = match["attribution"].partition("|")
        source = f"<cite>{escape(name.strip())}</cite>"
        if affiliation.strip():
            source += f", {escape(affiliation.strip())}"
        inner = f'<blockquote>{inner}</blockquote><p class="callout-source">— {source}</p>'
    return (
        f'<aside class="callout callout-{kind}" aria-labelledby="{label_id}">'
        f'<p class="callout-label" id="{label_id}">{escape(CALLOUT_LABELS[kind])}</p>'
        f"{inner}</aside>"
    )


def render_article(text):
    """Render an article body or FAQ answer: Markdown plus callouts, sanitized."""
    parts, position = [], 0
    for number, match in enumerate(CALLOUT_RE.finditer(text), start=1):
        parts.append(_markdown(text[position : match.start()]))
        parts.append(_callout(match, number))
        position = match.end()
    parts.append(_markdown(text[position:]))
    html = "\n".join(part for part in parts if part)
    return bleach.clean(
        html, tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES, protocols=PROTOCOLS, strip=True
    )


def _ugc_link(attrs, new=False):
    attrs[(None, "rel")] = "nofollow ugc noopener"
    return attrs


# bleach's address pattern opens with "\(*", so a run of n "(" costs n² steps: starting only at
# the first "(" of a run finds the same addresses (one cannot begin inside a run) in n steps.
LINKABLE_RE = re.compile(r"(?<!\()" + URL_RE.pattern, URL_RE.flags)

# Sanitising and linking in one pass: a second pass (bleach.linkify after bleach.clean) escapes
# the text inside skipped tags again, so code would show "&lt;" for "<".
COMMENT_CLEANER = bleach.Cleaner(
    tags=COMMENT_TAGS,
    attributes=COMMENT_ATTRIBUTES,
    protocols=PROTOCOLS,
    strip=True,
    filters=[
        partial(LinkifyFilter, callbacks=[_ugc_link], skip_tags=["pre", "code"], url_re=LINKABLE_RE)
    ],
)


# Plain prose: letters, digits, spaces and the punctuation of sentences, nothing Markdown or
# the linker reads (no markup characters, no "/", "@", "&", "<", ">" or "_", no "." before a
# letter or digit as in an address), and every line empty or opening with a letter, a quote or
# a bracket (never a list's "1." or "-", an indent, a ":" or a heading's rule) and ending in a
# non-space (never a line break's two spaces).
PLAIN_PROSE_RE = re.compile(
    r"(?:(?:[^\W\d_]|[\"'(“‘])[\w ,.;:?!'\"()%’‘“”–—…-]*(?<! )|)"
    r"(?:\n(?:(?:[^\W\d_]|[\"'(“‘])[\w ,.;:?!'\"()%’‘“”–—…-]*(?<! )|))*"
)
ADDRESS_DOT_RE = re.compile(r"\.\w")


def _plain_prose(text):
    """The HTML of ``text`` if it is plain prose, else None: its paragraphs, as the Markdown
    renderer and the cleaner make them (tests/articles/test_markup.py compares the two over
    generated texts), without their cost: most comments are a few plain sentences, and their
    rendering was a tenth of a post's CPU. Nothing in such a text needs escaping."""
    if "_" in text or not PLAIN_PROSE_RE.fullmatch(text) or ADDRESS_DOT_RE.search(text):
        return None
    paragraphs = [part.strip("\n") for part in text.split("\n\n")]
    return "\n".join(f"<p>{part}</p>" for part in paragraphs if part)


@lru_cache(maxsize=256)  # posting checks the links, then saves: one rendering, not two
def render_comment(text):
    """Render a reader's comment: a small allow-list, and every link marked as user content."""
    plain = _plain_prose(text)
    if plain is not None:
        return plain
    return COMMENT_CLEANER.clean(_markdown(text))


def reading_minutes(text):
    """Whole minutes to read ``text`` at 230 words a minute, at least one."""
    return max(1, round(len(text.split()) / 230))
