import os

import pytest
from django.contrib.auth.models import Group

from articles.roles import MODERATOR, REPORTER, SENIOR_EDITOR
from tests.factories import AuthorFactory, UserFactory
from tests.wxr import image_server  # noqa: F401 (a fixture: the WordPress import tests')

# Playwright's sync API runs an event loop in the main thread; Django's ORM must still be usable
# from the tests and from pytest-django's live_server set-up.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_hasher_and_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from articles import caching

    cache.clear()
    caching.forget_process_state()  # an outage another test staged is not this one's
    yield


def _staff(username, group_name, db):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def reporter(db):
    user = _staff("rita", REPORTER, db)
    AuthorFactory(name="Rita Reporter", slug="rita-reporter", user=user)
    return user


@pytest.fixture
def senior_editor(db):
    user = _staff("sam", SENIOR_EDITOR, db)
    AuthorFactory(name="Sam Senior", slug="sam-senior", job_title="Senior News Editor", user=user)
    return user


@pytest.fixture
def moderator(db):
    return _staff("mo", MODERATOR, db)


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")
