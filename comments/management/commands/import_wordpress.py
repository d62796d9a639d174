"""manage.py import_wordpress FILE.xml: a WordPress export's posts, people and comments.

Here rather than in ``articles`` because it writes comments too, and ``articles`` never
imports ``comments``; the article side is ``articles.wordpress``.
"""

import contextlib
import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.models import ImportRun
from articles.wordpress import parser
from articles.wordpress.importer import Importer
from articles.wordpress.media import Fetcher
from articles.wordpress.report import Report
from comments.wordpress import import_comments


class Command(BaseCommand):
    help = "Import a WordPress export (WXR 1.0–1.2): authors, categories, tags, posts, comments."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the export (Tools → Export in WordPress)")
        parser.add_argument(
            "--dry-run", action="store_true", help="print the report; write nothing"
        )
        parser.add_argument(
            "--progress", action="store_true", help="show progress even when not on a terminal"
        )
        parser.add_argument(
            "--link-staff",
            action="store_true",
            help="link each author to the staff user with the same login or e-mail",
        )
        parser.add_argument(
            "--no-media", action="store_true", help="do not download attachments and images"
        )
        parser.add_argument(
            "--media-timeout", type=float, default=5.0, help="seconds per download (5)"
        )
        parser.add_argument(
            "--timezone",
            help="the WordPress site's time zone, for times without their UTC twin "
            "(default: TIME_ZONE)",
        )

    def handle(self, file, **options):
        try:
            source = open(file, "rb")  # noqa: SIM115 (closed below)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        dry_run = options["dry_run"]
        report = Report()
        fetcher = Fetcher(options["media_timeout"], enabled=not (options["no_media"] or dry_run))
        importer = Importer(
            report, fetcher, import_comments, options["link_staff"], options["timezone"]
        )
        run = None if dry_run else ImportRun.objects.create(source=os.path.basename(file))
        show = options["progress"] or sys.stderr.isatty()
        progress = Progress(
            source, os.fstat(source.fileno()).st_size, self.stderr if show else None
        )
        try:
            # Each item commits on its own; a dry run holds them all in one transaction and
            # rolls it back.
            with transaction.atomic() if dry_run else contextlib.nullcontext():
                self._read(importer, progress)
                if dry_run:
                    transaction.set_rollback(True)
        except parser.WxrError as error:
            self._finish(run, importer, report, str(error))
            raise CommandError(f"{file}: {error}") from None
        except KeyboardInterrupt:
            self._finish(run, importer, report, "interrupted")
            raise CommandError(f"{file}: interrupted; run it again to continue") from None
        finally:
            source.close()
            fetcher.close()
            progress.done()
        self._finish(run, importer, report)

    def _read(self, importer, progress):
        for record in parser.read(progress, importer.channel):
            importer.handle(record)
            progress.tick(importer.report.items)
        importer.finish()

    def _finish(self, run, importer, report, error=""):
        if run is not None:
            run.wxr_version = importer.channel.version
            run.finish(report, error)
        heading = "Dry run: nothing was written." if run is None else f"Import run {run.pk}."
        self.stdout.write(heading)
        for line in report.lines():
            self.stdout.write(line)


class Progress:
    """The file as the parser reads it, drawing a progress line (items, share, time left)."""

    def __init__(self, source, size, stream):
        self.source, self.size, self.stream = source, max(size, 1), stream
        self.started = self.drawn = time.monotonic()

    def read(self, n=-1):
        return self.source.read(n)

    def tick(self, items):
        now = time.monotonic()
        if self.stream is None or now - self.drawn < 0.5:
            return
        self.drawn = now
        done = self.source.tell() / self.size
        left = (now - self.started) * (1 - done) / done if done else 0
        minutes, seconds = divmod(int(left), 60)
        self.stream.write(
            f"\r{items:,} items · {done:5.1%} · {minutes}:{seconds:02d} left", ending=""
        )
        self.stream.flush()

    def done(self):
        if self.stream is not None:
            self.stream.write("", ending="\n")
