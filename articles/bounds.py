"""Keep Markdown rendering roughly linear in the length of the text, whatever the text.

Python-Markdown scans the rest of a paragraph again from every ``[`` that never closes and from
every link's ``(`` that never closes; Python's HTML parser does the same from every ``<`` that
never becomes a tag, and the abbreviation syntax from every line opening ``*[``. Lists and
definitions nested a thousand deep exhaust Python's stack.

So before those parsers see the text, the characters that would set them scanning are swapped
for private-use stand-ins no parser looks at, and swapped back in the output as what Markdown
would have written for them: the page shows the same text. Brackets are judged per paragraph,
after Markdown has split the blocks, so they are read exactly as its inline parser reads them.
Block nesting deeper than a reader could follow is rendered as plain paragraphs.
"""

import re
import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.inlinepatterns import BACKTICK_RE, BacktickInlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

MAX_BRACKET_DEPTH = 3  # [a [b] c](x) is 2 deep; [![alt](src)](href) is 2
MAX_LINK_DEPTH = 2  # a link's (destination) inside another's
MAX_BLOCK_DEPTH = 16  # quotes and lists, counting the document itself
MAX_ABBREVIATIONS = 50

# Each character's stand-in, and what Markdown would have written for the character.
STAND_INS = {
    "<": ("\ue000", "&lt;"),
    "[": ("\ue001", "["),
    "]": ("\ue002", "]"),
    "(": ("\ue003", "("),
    ")": ("\ue004", ")"),
    "": ("\ue005", ""),  # breaks a line's "*[" without changing it
}
STAND_IN = {char: stand_in for char, (stand_in, _output) in STAND_INS.items()}
RESTORE = {ord(stand_in): output for stand_in, output in STAND_INS.values()}
SCRUB = dict.fromkeys(RESTORE)  # the writer's own stand-in characters are dropped

# A tag, comment or <destination> that ends before the next "<": the HTML parser's scan from it
# stops at its ">".
TAG_RE = re.compile(r"""<(?:[^\s<>"'][^<>"']*(?:(?:"[^"<>]*"|'[^'<>]*')[^<>"']*)*|!--[^<]*?--)>""")
ABBREVIATION_RE = re.compile(r"^\*\[[^\\\n]*?\] ?:", re.MULTILINE)
BACKTICKS = BacktickInlineProcessor(BACKTICK_RE)  # finds code spans exactly as Markdown does
ACTIVE_RE = re.compile(r"\\[\\\[\]()]|[\[\]()]")


def defuse_source(text):
    """The source with every "<" that cannot start a tag, and surplus abbreviations, defused."""
    text = text.translate(SCRUB)
    text = re.sub(r"<", _defuse_angle, text)
    return ABBREVIATION_RE.sub(_count_abbreviation(), text)


def _defuse_angle(match):
    return "<" if TAG_RE.match(match.string, match.start()) else STAND_IN["<"]


def _count_abbreviation():
    seen = 0

    def defuse(match):
        nonlocal seen
        seen += 1
        return match[0] if seen <= MAX_ABBREVIATIONS else STAND_IN[""] + match[0]

    return defuse


def defuse_inline(text):
    """One paragraph's inline Markdown with brackets that would be rescanned defused."""
    chars = list(text)
    positions = list(_active_positions(text))
    _defuse_brackets(chars, positions)
    _defuse_links(chars, positions)
    return "".join(chars)


def _active_positions(text):
    """Where brackets and parentheses are outside code spans and not escaped."""
    start = 0
    for code_start, code_end in _code_spans(text):
        yield from _unescaped(text, start, code_start)
        start = code_end
    yield from _unescaped(text, start, len(text))


def _code_spans(text):
    """Where code spans are, found the way Markdown's inline parser finds them."""
    position = 0
    while match := BACKTICKS.compiled_re.search(text, position):
        if match[1]:  # escaped backslashes before a backtick
            position = match.end()
            continue
        start, end = BACKTICKS.find_code_spans(match.start(), text)
        if end is None:
            position = start
            continue
        position = end + (start - match.start())
        yield match.start(), position


def _unescaped(text, start, end):
    for match in ACTIVE_RE.finditer(text, start, end):
        if match[0][0] != "\\":
            yield match.start()


def _defuse_brackets(chars, positions):
    """Unclosed "[", and pairs nested too deep, never open a link."""
    opened = []
    for position in positions:
        if chars[position] == "[":
            opened.append(position)
        elif chars[position] == "]" and opened:
            start = opened.pop()
            if len(opened) >= MAX_BRACKET_DEPTH:
                chars[start], chars[position] = STAND_IN["["], STAND_IN["]"]
    for start in opened:
        chars[start] = STAND_IN["["]


def _defuse_links(chars, positions):
    """A link's "(" closes, and links nest shallowly.

    A ")" inside brackets never closes a "(" opened before them: Markdown may have replaced the
    bracketed text (a reference link, a footnote) by the time it looks for that ")".
    """
    brackets, parens, links = [], [], 0
    for position in positions:
        char = chars[position]
        if char == "[":
            brackets.append(len(parens))
        elif char == "]" and brackets:
            brackets.pop()
        elif char == "(":
            is_link = position > 0 and chars[position - 1] == "]"
            parens.append((position, is_link))
            links += is_link
        elif char == ")" and parens and (not brackets or len(parens) > brackets[-1]):
            start, is_link = parens.pop()
            links -= is_link
            if is_link and links >= MAX_LINK_DEPTH:
                chars[start], chars[position] = STAND_IN["("], STAND_IN[")"]
    for start, is_link in parens:
        if is_link:
            chars[start] = STAND_IN["("]


class DefuseSource(Preprocessor):
    def run(self, lines):
        return defuse_source("\n".join(lines)).split("\n")


class DefuseInline(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            if element.text and not isinstance(element.text, AtomicString):
                element.text = defuse_inline(element.text)
            if element.tail and not isinstance(element.tail, AtomicString):
                element.tail = defuse_inline(element.tail)


class Restore(Postprocessor):
    def run(self, text):
        return text.translate(RESTORE)


class BoundedNesting:
    """The block parser, with blocks nested deeper than ``MAX_BLOCK_DEPTH`` kept as text."""

    def __init__(self, parse_blocks):
        self.parse_blocks, self.depth = parse_blocks, 0

    def __call__(self, parent, blocks):
        if self.depth >= MAX_BLOCK_DEPTH:
            for block in blocks:
                etree.SubElement(parent, "p").text = block
            blocks.clear()
            return
        self.depth += 1
        try:
            self.parse_blocks(parent, blocks)
        finally:
            self.depth -= 1


class BoundedRendering(Extension):
    """Register after the other extensions, so each step runs where the docstring says."""

    def extendMarkdown(self, md):
        # After fenced code is set aside (25), before raw HTML is looked for (20).
        md.preprocessors.register(DefuseSource(md), "defuse_source", 22)
        # After footnotes are gathered (50), before inline Markdown (20).
        md.treeprocessors.register(DefuseInline(md), "defuse_inline", 25)
        md.postprocessors.register(Restore(md), "restore_defused", 1)
        md.parser.parseBlocks = BoundedNesting(md.parser.parseBlocks)
