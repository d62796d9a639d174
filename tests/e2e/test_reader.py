"""A reader on the public site, in a real browser, with the demo content loaded."""

import pytest
from playwright.sync_api import expect

from articles.markup import CALLOUT_LABELS, CALLOUT_RE


def expert_name(article):
    match = next(m for m in CALLOUT_RE.finditer(article.body) if m["kind"] == "expert")
    return match["attribution"].partition("|")[0].strip()


# Every page must work without JavaScript, so this reader has it switched off.
@pytest.mark.browser_context_args(java_script_enabled=False)
def test_reader_follows_the_home_page_to_the_full_article_and_sees_every_part_of_it(
    page, live_server, seeded, screenshot
):
    article, author = seeded, seeded.authors.get()
    page.goto(f"{live_server.url}/")
    screenshot(page, "home")
    page.get_by_role("link", name=article.title, exact=True).first.click()

    expect(page).to_have_url(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb").get_by_role("link")
    expect(breadcrumb).to_have_text(["Home", *(section.name for section in article.section.trail)])
    expect(page.get_by_text(f"by {author.name}, {author.job_title}")).to_be_visible()
    byline_link = page.get_by_role("link", name=author.name, exact=True)
    expect(byline_link).to_have_attribute("href", author.get_absolute_url())
    for label in CALLOUT_LABELS.values():
        expect(page.get_by_role("complementary", name=str(label))).to_be_visible()
    expert = page.get_by_role("complementary", name="Expert Insight")
    expect(expert).to_contain_text(expert_name(article))
    expect(page.get_by_role("region", name="Over to you")).to_contain_text(article.closing_question)
    faqs = page.get_by_role("region", name="Frequently Asked Questions")
    questions = [faq.question for faq in article.faqs.all()]
    expect(faqs.get_by_role("heading", level=3)).to_have_text(questions)
    related = page.get_by_role("region", name="You may also like").get_by_role("heading", level=3)
    for position, pick in enumerate(article.picks.select_related("related")):
        expect(related.nth(position)).to_have_text(pick.related.title)
    screenshot(page, "article")


def test_article_page_fits_a_phone_screen_without_sideways_scrolling(
    page, live_server, seeded, screenshot
):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}{seeded.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(seeded.title)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, "article-phone")
    assert overflow <= 0
