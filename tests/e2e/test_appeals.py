"""An appeal in a real browser: the commenter's page from the link, then another moderator
reverses the decision from the appeals queue; both pages free of WCAG 2.2 AA violations."""

import re

from playwright.sync_api import expect

from comments import appeals
from comments.models import Appeal, Comment
from tests.factories import ArticleFactory, UserFactory


def test_a_commenter_appeals_and_another_moderator_reverses_the_decision(
    page, live_server, login, moderator, transactional_db, axe_violations
):
    article = ArticleFactory(title="Splash pads reopen early", slug="splash-pads")
    comment = Comment.objects.create(
        article=article, name="Ines Reader", email="ines@example.net", akismet="disabled",
        body="The council's own figures say the pads cost less than the fountain.",
    )  # fmt: skip
    comment.hold("first_time")
    comment.remove(by=moderator, reason="off_topic")
    second = UserFactory(username="max", is_staff=True)
    second.groups.set(moderator.groups.all())
    link = appeals.appeal_url(appeals.statement_for(comment))
    path = re.sub(r"^https?://[^/]+", "", link)

    page.goto(f"{live_server.url}{path}")
    expect(page.locator(".appeal-statement")).to_contain_text("Off-topic")
    assert axe_violations(page) == []
    page.get_by_label("Why should we look at this decision again?").fill(
        "It answers the article's question about the cost."
    )
    page.get_by_role("button", name="Send my appeal").click()
    expect(page.get_by_role("status")).to_contain_text("We received your appeal")
    assert axe_violations(page) == []

    login(page, "max")
    page.goto(f"{live_server.url}/admin/comments/appeal/")
    expect(page.locator("#result_list")).to_contain_text("It answers the article's question")
    assert axe_violations(page) == []
    page.get_by_role("link", name=re.compile("The council's own figures")).click()
    expect(page.locator("#appeal-decide")).to_contain_text("Appeal: Open")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Reverse the decision").click()
    expect(page.locator(".messagelist")).to_contain_text("the comment is published")

    assert Appeal.objects.get().status == Appeal.Status.REVERSED
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("the pads cost less")
