"""Moving a WordPress site in: its eXtended RSS export (WXR 1.0 to 1.2), read as a stream.

``parser`` reads the file into plain records, ``content`` turns post HTML into our Markdown,
``media`` fetches attachments, ``importer`` writes authors, sections, tags and articles. The
comments of each post are written by ``comments.wordpress`` (``articles`` never imports
``comments``); ``manage.py import_wordpress`` ties the two together.
"""
