"""Two imports of one export at once (a double-clicked deploy script) store everything once."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connection

from articles.models import Article, Author, Tag, WordPressPost
from comments.models import Comment
from tests import wxr

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="The two processes must share the test database: run on PostgreSQL.",
)


def database_env():
    db = connection.settings_dict
    login = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }


def test_two_simultaneous_imports_store_each_item_once(transactional_db, tmp_path):
    posts = [
        wxr.item(n, f"Story {n}", tags=[("t", "Shared tag")],
                 comments=[wxr.comment(n * 10 + k, f"Comment {k}") for k in range(3)])
        for n in range(1, 41)
    ]  # fmt: skip
    path = tmp_path / "export.xml"
    path.write_text(wxr.export(wxr.author("editor", "Eda"), *posts))
    command = [sys.executable, "manage.py", "import_wordpress", str(path), "--no-media"]

    processes = [
        subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=database_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=120) for p in processes]

    assert [p.returncode for p in processes] == [0, 0], outputs
    assert Article.objects.count() == WordPressPost.objects.count() == 40
    assert Comment.objects.count() == 120
    assert Author.objects.count() == 1 and Tag.objects.count() == 1
    assert all("failed" not in out for out, _err in outputs), outputs
