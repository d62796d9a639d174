"""Every public page of the demo site, each as a visit a reader makes in the browser.

Each visit takes the page, the live server's URL and the reference article (seeded with its demo
discussion: see the ``discussion`` fixture), opens the page and checks it is the page meant, so a
test that inspects it afterwards never passes on the wrong page.
"""

from django.urls import reverse
from playwright.sync_api import expect

from comments.models import Comment

NO_RESULTS_QUERY = "xylophonequartz"


def home(page, base, article):
    _open(page, base, "/")


def section(page, base, article):
    _open(page, base, article.section.get_absolute_url())


def author(page, base, article):
    _open(page, base, article.authors.get().get_absolute_url())


def tag(page, base, article):
    _open(page, base, article.tags.order_by("pk").first().get_absolute_url())


def article_with_comments(page, base, article):
    """The reference article, with its comments, its Editors' pick (seed_comments features one)
    and its published correction."""
    _open(page, base, article.get_absolute_url())
    expect(page.locator(".comment-list .comment").first).to_be_visible()
    expect(page.locator("#notes .note").first).to_be_visible()
    expect(page.locator(".comment-picks .comment-pick").first).to_be_visible()
    expect(page.locator(".comment-list .comment-pick-badge").first).to_be_visible()


def article_with_a_refused_comment(page, base, article):
    """The article as shown again after a comment was sent with no text in it."""
    _open(page, base, article.get_absolute_url())
    page.locator("#id_name").fill("Juniper Vale")
    page.locator("#id_email").fill("juniper.vale@example.net")
    page.locator(".comment-form button[type=submit]").click()
    expect(page.locator(".comment-form .form-errors")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Juniper Vale")


def search_with_results(page, base, article):
    _open(page, base, f"/search/?q={article.title.split()[0]}")
    expect(page.get_by_role("link", name=article.title, exact=True).first).to_be_visible()


def search_without_results(page, base, article):
    _open(page, base, f"/search/?q={NO_RESULTS_QUERY}")
    expect(page.locator(".search-summary")).to_contain_text("0 results")


def corrections(page, base, article):
    _open(page, base, "/corrections/")
    expect(page.get_by_role("link", name=article.title, exact=True)).to_be_visible()


def privacy(page, base, article):
    _open(page, base, "/privacy/")


def not_found(page, base, article):
    response = page.goto(f"{base}/articles/no-such-story/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn’t find that page")


def report(page, base, article):
    comment = Comment.objects.approved().filter(article=article).order_by("pk").first()
    _open(page, base, reverse("comments:report", args=[comment.pk]))


def report_sent(page, base, article):
    report(page, base, article)
    page.get_by_label("Off-topic").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("main")).to_contain_text("A moderator will look at this comment.")


def report_refused(page, base, article):
    """Django's CSRF failure page, for a report sent after the site's cookies were cleared."""
    report(page, base, article)
    page.context.clear_cookies()
    page.get_by_label("Off-topic").check()
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Send report").click()
    assert refused.value.status == 403


def _open(page, base, path):
    response = page.goto(f"{base}{path}")
    assert response.status == 200, f"{path} answered {response.status}"


PUBLIC_PAGES = {
    visit.__name__: visit
    for visit in (
        home,
        section,
        author,
        tag,
        article_with_comments,
        article_with_a_refused_comment,
        search_with_results,
        search_without_results,
        privacy,
        corrections,
        not_found,
        report,
        report_sent,
        report_refused,
    )
}
