"""An imported WordPress post as a reader and an editor see it: images shown, pages accessible."""

import io

from django.core.management import call_command
from playwright.sync_api import expect

from tests import wxr
from tests.factories import UserFactory

PICTURE_NATURAL_WIDTH = "(img) => img.complete ? img.naturalWidth : 0"


def test_an_imported_post_shows_its_images_and_pingback_and_passes_axe(
    page,
    live_server,
    transactional_db,
    tmp_path,
    image_server,
    axe_violations,
    login,
):
    body = (
        '<p>The harbour at dawn.</p>\n\n[caption width="1"]'
        f'<img src="{image_server}/storm.png" alt="The harbour wall"> Waves over the wall[/caption]'
    )
    export = wxr.export(
        wxr.item(
            7, "Storm over the harbour", body, slug="harbour-storm",
            comments=[wxr.comment(1, "Stay safe."),
                      wxr.comment(2, "Linked from us", type="pingback", author="Coast Blog")],
        )
    )  # fmt: skip
    path = tmp_path / "export.xml"
    path.write_text(export)
    call_command("import_wordpress", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    page.goto(f"{live_server.url}/2019/03/02/harbour-storm/")

    assert page.url == f"{live_server.url}/articles/harbour-storm/"
    picture = page.get_by_role("img", name="The harbour wall")
    assert picture.evaluate(PICTURE_NATURAL_WIDTH) == 1  # the copy here, not the old host's
    assert page.locator("figcaption").inner_text() == "Waves over the wall"
    assert page.get_by_text("Pingback").is_visible()
    assert axe_violations(page) == []

    UserFactory(username="root", is_staff=True, is_superuser=True)
    login(page, "root")
    page.goto(f"{live_server.url}/admin/articles/importrun/")
    page.get_by_role("link", name="export.xml").click()
    expect(page.locator("#content")).to_contain_text("articles: 1 created")
    expect(page.locator("#content")).to_contain_text("pingbacks: 1 created")
    assert axe_violations(page) == []
