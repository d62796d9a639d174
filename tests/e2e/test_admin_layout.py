"""The admin's working lists at a laptop's 1280 px: headlines, addresses and reports readable."""

import pytest

from comments.models import Comment
from tests.comments.conftest import approved_comment
from tests.factories import ArticleFactory

LONG_HEADLINE = (
    "County board approves the long-delayed riverside flood barrier after a third public hearing"
)
LONG_EMAIL = "margarethe.vandenberghe-oyelaran@university-hospital.example.org"

# The width, lines and right edge of a list's cells, and how wide the page's content area is.
MEASURE = """(selector) => {
  const cells = [...document.querySelectorAll(selector)];
  return cells.map(cell => {
    const box = cell.getBoundingClientRect();
    const line = parseFloat(getComputedStyle(cell).lineHeight) || 18;
    return {text: cell.innerText, lines: Math.round(box.height / line), right: box.right,
            width: box.width};
  });
}"""
PAGE_RIGHT = "() => document.documentElement.clientWidth"
# On how many lines the parts of an address before and after its "@" are laid out.
ADDRESS_LINES = """(address) => {
  const link = [...document.querySelectorAll("#result_list td.field-author a")]
    .find(a => a.textContent === address);
  const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) texts.push(walker.currentNode);
  const lines = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  };
  const [name, domain] = texts;
  return [lines(name, 0, name.length - 1), lines(domain, 0, domain.length)];
}"""


@pytest.fixture
def wide(page):
    page.set_viewport_size({"width": 1280, "height": 800})
    return page


def cells(page, selector):
    return page.evaluate(MEASURE, selector)


def test_the_article_list_keeps_headlines_short_and_preview_in_view(
    wide, live_server, login, senior_editor
):
    for n in range(3):
        ArticleFactory(title=f"{LONG_HEADLINE} {n}", authors=[senior_editor.author])
    login(wide, "sam")
    wide.goto(f"{live_server.url}/admin/articles/article/")

    titles = cells(wide, "#result_list th.field-title, #result_list td.field-title")
    previews = cells(wide, "#result_list td.field-preview_link a")

    assert titles and max(t["lines"] for t in titles) <= 3, titles
    assert previews and all(p["right"] <= wide.evaluate(PAGE_RIGHT) for p in previews), previews


def test_the_queue_keeps_addresses_whole_and_the_reports_column_in_view(
    wide, live_server, login, moderator, article_for_queue
):
    comment = approved_comment(article_for_queue, email=LONG_EMAIL, name="Margarethe")
    comment.report("192.0.2.5", "abuse", "Rude to another reader, twice in one thread.")
    Comment.objects.filter(pk=comment.pk).update(body="A long enough comment. " * 8)
    login(wide, "mo")

    wide.goto(f"{live_server.url}/admin/comments/comment/?status=reported")

    name_lines, domain_lines = wide.evaluate(ADDRESS_LINES, LONG_EMAIL)
    reports = cells(wide, "#result_list td.field-report_list")
    assert (name_lines, domain_lines) == (1, 1)  # it may wrap after its "@", nowhere else
    assert reports and reports[0]["right"] <= wide.evaluate(PAGE_RIGHT), reports
    assert reports[0]["width"] >= 150, reports


@pytest.fixture
def article_for_queue(transactional_db):
    return ArticleFactory(title=LONG_HEADLINE)
