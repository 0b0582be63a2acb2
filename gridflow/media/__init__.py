"""Attachments: photos and documents of cases.

- `checks`: what a file is, by its content (never its name); images decoded and re-encoded with
  Pillow (EXIF kept only for time and place), PDFs parsed; thumbnails.  Pure: no Flask, no database.
- `storage`: where the bytes live, by their SHA-256: the instance folder, or an S3-compatible store.
- `attachments`: the use cases (upload, list, read a file or its thumbnail), with the case's access
  rules and its timeline.
"""
