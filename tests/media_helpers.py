"""Files for the attachment tests: real photos with EXIF time and GPS, and hostile files."""

from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction

from PIL import Image


def _dms(value: float) -> tuple:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return (Fraction(d), Fraction(m), Fraction(s).limit_denominator(10000))


def photo(
    fmt: str = "JPEG",
    size: tuple[int, int] = (640, 480),
    color=(30, 120, 200),
    taken: str | None = "2026:11:20 10:30:00",
    lon: float | None = None,
    lat: float | None = None,
    comment: bytes | None = None,
) -> bytes:
    """A picture with EXIF time (China time) and GPS, as a phone writes them."""
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make: dropped on the way in
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if lon is not None and lat is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(lat)
        gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(lon)
    out = io.BytesIO()
    options = {"exif": exif} if fmt in ("JPEG", "WEBP", "PNG") else {}
    if comment and fmt == "JPEG":
        options["comment"] = comment
    image.save(out, fmt, **options)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(side: int = 10_000) -> bytes:
    """A valid 1-bit PNG of side × side pixels: tens of kB that decode to hundreds of megapixels."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def pdf() -> bytes:
    """A one-page PDF (pypdf writes it)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def post_form(api, user, url, data):
    """POST `data` as multipart/form-data, encoded in memory (werkzeug's test client would spool a
    large body to a temporary file and leave it open)."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    fields = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            fields.add(key, FileStorage(item[0], item[1]) if isinstance(item, tuple) else item)
    boundary, body = encode_multipart(fields)
    return api.client.post(
        url, data=body, headers=api.headers(user), content_type=f"multipart/form-data; boundary={boundary}"
    )


def upload(api, user, case_id, files, stage="report", **fields):
    """POST files ([(name, bytes)]) as multipart parts named `file`."""
    data = {"stage": stage, **fields, "file": [(io.BytesIO(content), name) for name, content in files]}
    return post_form(api, user, f"/api/v1/cases/{case_id}/attachments", data)
