"""Post HTML (classic or Gutenberg) to our Markdown, with what cannot be said kept as HTML.

markdownify does the conversion; we tell it what to keep as sanitized HTML (figures with their
captions, tables, superscripts) and what to turn into a link (embeds). Shortcodes are
WordPress's own macros: ``[caption]`` becomes a figure, ``[embed]`` a link, and the others,
which mean nothing here, are dropped and named in the import report.
"""

import re

import bleach
from markdownify import MarkdownConverter

from articles.markup import ARTICLE_ATTRIBUTES, ARTICLE_TAGS, PROTOCOLS

BLOCK_COMMENT_RE = re.compile(r"<!--\s*(/?)wp:([a-z][a-z0-9_/-]*)(.*?)(/?)-->", re.DOTALL)
# Shortcodes WordPress itself defines, and the usual plugins' ones, are always shortcodes;
# any other [name] is one only with a closing [/name] or name="value" attributes, so that
# "[sic]" or "[1]" in a text stay as they are.
KNOWN_SHORTCODES = {"caption", "wp_caption", "gallery", "audio", "video", "playlist", "embed"}
SHORTCODE_RE = re.compile(r"\[(\[?)([a-zA-Z][\w-]*)(\s[^\]]*)?\](?:(.*?)\[/\2\])?(\]?)", re.DOTALL)
ATTRIBUTE_RE = re.compile(r"\w[\w-]*\s*=")
BLOCKS = (
    r"p|div|h[1-6]|ul|ol|li|dl|dt|dd|blockquote|pre|table|thead|tbody|tfoot|tr|td|th|caption"
    r"|figure|figcaption|hr|form|section|article|aside|header|footer|address|iframe|video|audio"
)
BLOCK_LINE_RE = re.compile(rf"^\s*</?({BLOCKS})\b|</({BLOCKS})>\s*$", re.IGNORECASE)
PRE_RE = re.compile(r"<pre\b.*?</pre>", re.IGNORECASE | re.DOTALL)


def sanitize(html):
    return bleach.clean(
        html, tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES, protocols=PROTOCOLS, strip=True
    )


class Conversion:
    """One post's conversion: the Markdown, and what the report should know about it."""

    def __init__(self, html, media_url=lambda url: url):
        self.dropped = []  # shortcodes and blocks that mean nothing here
        self.images = []  # image addresses found (before media_url)
        self.media_url = media_url
        self.markdown = self._convert(html)

    def _convert(self, html):
        gutenberg = "<!-- wp:" in html
        html = BLOCK_COMMENT_RE.sub(self._block_comment, html)
        html = SHORTCODE_RE.sub(self._shortcode, html)
        if not gutenberg:
            html = autop(html)
        converter = _Converter(self, heading_style="ATX", bullets="-", escape_misc=True)
        return converter.convert(html).strip() + "\n"

    def _block_comment(self, match):
        closing, name, _attrs, self_closing = match.groups()
        if self_closing and not closing:  # a dynamic block: WordPress drew it when serving
            self.dropped.append(f"block wp:{name}")
        return ""

    def _shortcode(self, match):
        open_escape, name, attrs, inner, close_escape = match.groups()
        if open_escape and close_escape:  # [[gallery]] is how WordPress writes "[gallery]"
            return match.group(0)[1:-1]
        lowered = name.lower()
        is_shortcode = (
            lowered in KNOWN_SHORTCODES
            or inner is not None
            or bool(attrs and ATTRIBUTE_RE.search(attrs))
        )
        if not is_shortcode:
            return match.group(0)
        prefix, suffix = open_escape or "", close_escape or ""
        if lowered in ("caption", "wp_caption"):
            return prefix + _caption(inner or "", attrs or "") + suffix
        if lowered == "embed" and inner:
            url = inner.strip()
            return f'{prefix}<p><a href="{bleach.clean(url)}">{bleach.clean(url)}</a></p>{suffix}'
        self.dropped.append(f"[{lowered}]")
        # An enclosing shortcode's text is the writer's: keep it, without the macro.
        return prefix + SHORTCODE_RE.sub(self._shortcode, inner or "") + suffix


def _caption(inner, attrs):
    """[caption]<img …> The caption[/caption] → a figure (the caption may be in attrs)."""
    image = re.search(r"(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?", inner, re.IGNORECASE)
    if not image:
        return inner
    text = (inner[: image.start()] + inner[image.end() :]).strip()
    if not text:
        quoted = re.search(r'caption="([^"]*)"', attrs)
        text = quoted[1] if quoted else ""
    caption = f"<figcaption>{text}</figcaption>" if text else ""
    return f"\n\n<figure>{image[0]}{caption}</figure>\n\n"


def autop(html):
    """WordPress's classic editor stores paragraphs as blank lines and line breaks as newlines;
    make them <p> and <br>, leaving lines that open or close a block (and <pre>) as they are."""
    kept = []

    def keep(match):
        kept.append(match[0])
        return f"\x00{len(kept) - 1}\x00"

    html = PRE_RE.sub(keep, html.replace("\r\n", "\n").replace("\r", "\n"))
    out = [_paragraphs(chunk) for chunk in re.split(r"\n\s*\n", html.strip())]
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m[1])], "\n\n".join(out))


def _paragraphs(chunk):
    out, run = [], []

    def flush():
        if any(line.strip() for line in run):
            out.append("<p>" + "<br>\n".join(line.strip() for line in run) + "</p>")
        run.clear()

    for line in chunk.split("\n"):
        if BLOCK_LINE_RE.search(line) or line.startswith("\x00"):
            flush()
            out.append(line)
        else:
            run.append(line)
    flush()
    return "\n".join(out)


class _Converter(MarkdownConverter):
    def __init__(self, conversion, **options):
        self.conversion = conversion
        super().__init__(**options)

    def _kept(self, el):
        """An element Markdown cannot express: kept as HTML, sanitized, as its own block."""
        return f"\n\n{sanitize(str(el))}\n\n"  # its images went through convert_img

    def _image(self, img):
        src = img.get("src", "")
        if src:
            self.conversion.images.append(src)
            img["src"] = self.conversion.media_url(src)
        return img

    def convert_figure(self, el, text, parent_tags):
        if el.find("img") is None:
            return text
        return self._kept(el)

    def convert_table(self, el, text, parent_tags):
        return self._kept(el)

    def convert_img(self, el, text, parent_tags):
        self._image(el)
        return super().convert_img(el, text, parent_tags)

    def convert_hN(self, n, el, text, parent_tags):
        # Our pages have one h1 (the headline); article headings run from h2 to h4.
        return super().convert_hN(min(max(n, 2), 4), el, text, parent_tags)

    def convert_sup(self, el, text, parent_tags):
        return f"<sup>{text}</sup>" if text.strip() else text

    def convert_sub(self, el, text, parent_tags):
        return f"<sub>{text}</sub>" if text.strip() else text

    def _embed(self, el, text, parent_tags):
        src = el.get("src") or el.get("data") or ""
        if not src:
            source = el.find("source")
            src = source.get("src", "") if source is not None else ""
        self.conversion.dropped.append(f"<{el.name}> kept as a link")
        return f"\n\n<{src}>\n\n" if src.startswith(("http://", "https://")) else ""

    convert_iframe = convert_embed = convert_object = convert_video = convert_audio = _embed

    def convert_script(self, el, text, parent_tags):
        return ""

    convert_style = convert_noscript = convert_form = convert_script


def to_markdown(html, media_url=lambda url: url):
    """The Markdown for ``html``; see Conversion for what it noted on the way."""
    return Conversion(html, media_url).markdown


def text_of(html):
    """Plain text of a short piece of HTML (an excerpt becoming the dek)."""
    text = bleach.clean(html or "", tags=[], strip=True)
    return " ".join(text.split()).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
