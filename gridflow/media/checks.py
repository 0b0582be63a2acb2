"""What an uploaded file is, judged by its content; images rebuilt from their pixels.

Every image is decoded and encoded again with Pillow: whatever rode along in the file (EXIF and XMP
blocks, comments, trailing bytes, a script after the image data) is left behind.  Only the time and
place the photo was taken are read from its EXIF first.  A picture with more pixels than the limit is
refused before it is decoded (a small PNG can claim 400 megapixels: a decompression bomb).  HEIC
photos (iPhones) are read with pillow-heif and stored as JPEG, which every browser shows.  PDFs are
kept as sent once they parse as PDF with at least one page (served as downloads, never inline).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pillow_heif
import pypdf
from PIL import Image, ImageCms, ImageDraw, ImageOps

from gridflow.errors import Invalid, TooLarge, UnsupportedFile

pillow_heif.register_heif_opener()

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
THUMB_TYPE = WEBP
THUMB_PX = 320
CHINA = timezone(timedelta(hours=8))  # EXIF times without an offset are taken as China time

# sniffed kind -> (Pillow format that may decode it, format written, content type stored)
_IMAGES = {
    "jpeg": ("JPEG", "JPEG", JPEG),
    "png": ("PNG", "PNG", PNG),
    "webp": ("WEBP", "WEBP", WEBP),
    "heic": ("HEIF", "JPEG", JPEG),
}
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
KINDS_IN_WORDS = "a JPEG, PNG, WebP or HEIC photo, or a PDF document"


@dataclass(frozen=True)
class Checked:
    """A file as it will be stored: its bytes (rebuilt, for images), their type and hash, when and
    where a photo was taken (EXIF; None when it does not say), and a thumbnail."""

    data: bytes
    content_type: str
    sha256: str
    thumb: bytes
    taken_at: datetime | None = None  # naive UTC
    lon: float | None = None
    lat: float | None = None


def sniff(head: bytes) -> str | None:
    """The kind of file its first bytes say it is (None: none that GridFlow takes)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def check(data: bytes, field: str, max_bytes: int, max_pixels: int) -> Checked:
    """`data` as it will be stored, or a 4xx error naming `field`."""
    if len(data) > max_bytes:
        raise TooLarge(
            f"{field} is {len(data) / 1e6:.1f} MB: larger than the {max_bytes / 1e6:g} MB a file may have", field=field
        )
    if not data:
        raise Invalid(f"{field} is empty", field=field)
    kind = sniff(data[:32])
    if kind is None:
        raise UnsupportedFile(
            f"{field} is not {KINDS_IN_WORDS} (judged by its content, whatever its name says)", field=field
        )
    if kind == "pdf":
        _check_pdf(data, field)
        return Checked(data, PDF, hashlib.sha256(data).hexdigest(), document_thumb())
    return _rebuild(data, kind, field, max_pixels)


def _check_pdf(data: bytes, field: str) -> None:
    try:
        pages = len(pypdf.PdfReader(io.BytesIO(data), strict=False).pages)
    except Exception:  # noqa: BLE001 - a parser fed hostile bytes may raise anything: all mean "not a PDF"
        pages = 0
    if pages < 1:
        raise Invalid(f"{field} starts like a PDF but is not one that can be read (damaged or cut short?)", field=field)


def _open(data: bytes, kind: str, field: str, max_pixels: int) -> Image.Image:
    decoder = _IMAGES[kind][0]
    bomb = Invalid(
        f"{field} claims more than {max_pixels:,} pixels: refused unopened (a decompression bomb?)",
        field=field,
    )
    try:
        image = Image.open(io.BytesIO(data), formats=[decoder])
        if image.width * image.height > max_pixels:
            raise bomb
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb from None
    except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError):
        raise Invalid(f"{field} is not a readable {decoder} image (damaged or cut short?)", field=field) from None
    return image


def _rebuild(data: bytes, kind: str, field: str, max_pixels: int) -> Checked:
    image = _open(data, kind, field, max_pixels)
    taken_at, lon, lat = exif_time_and_place(image)
    _, written, content_type = _IMAGES[kind]
    clean = _pixels_only(image, written)
    out = io.BytesIO()
    options = {"quality": 90} if written in ("JPEG", "WEBP") else {}
    clean.save(out, written, **options)
    stored = out.getvalue()
    return Checked(stored, content_type, hashlib.sha256(stored).hexdigest(), thumbnail(clean), taken_at, lon, lat)


def _pixels_only(image: Image.Image, written: str) -> Image.Image:
    """The picture upright, in sRGB, in a mode the output format takes, with no metadata at all."""
    upright = ImageOps.exif_transpose(image) or image
    icc = image.info.get("icc_profile")
    if icc and upright.mode in ("RGB", "RGBA", "CMYK"):
        try:  # colours as the camera meant them, without carrying its profile along
            mode = "RGBA" if upright.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(
                upright, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"), outputMode=mode
            )
            upright = converted or upright
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: the pixels as they are
    if upright.mode == "P" and "transparency" in upright.info:
        upright = upright.convert("RGBA")
    keeps_alpha = written in ("PNG", "WEBP")
    allowed = {"JPEG": ("RGB", "L"), "PNG": ("1", "L", "LA", "P", "RGB", "RGBA"), "WEBP": ("RGB", "RGBA")}[written]
    if upright.mode not in allowed:
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        upright = upright.convert("RGBA" if keeps_alpha and has_alpha else "RGB")
    clean = upright.copy()
    clean.info = {}
    return clean


def thumbnail(image: Image.Image) -> bytes:
    small = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    small.thumbnail((THUMB_PX, THUMB_PX))
    out = io.BytesIO()
    small.save(out, "WEBP", quality=70)
    return out.getvalue()


_DOCUMENT_THUMB: bytes | None = None


def document_thumb() -> bytes:
    """The thumbnail of every PDF: a page with "PDF" on it (drawn once)."""
    global _DOCUMENT_THUMB
    if _DOCUMENT_THUMB is None:
        page = Image.new("RGB", (THUMB_PX * 3 // 4, THUMB_PX), "white")
        draw = ImageDraw.Draw(page)
        draw.rectangle((8, 8, page.width - 9, page.height - 9), outline=(120, 120, 120), width=4)
        draw.text((page.width // 2, page.height // 2), "PDF", fill=(180, 30, 30), anchor="mm", font_size=64)
        _DOCUMENT_THUMB = thumbnail(page)
    return _DOCUMENT_THUMB


# -- EXIF: when and where, nothing else ------------------------------------------------------------
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_ORIGINAL, _DATETIME = 0x9003, 0x9011, 0x0132


def exif_time_and_place(image: Image.Image) -> tuple[datetime | None, float | None, float | None]:
    """(taken at, naive UTC; lon; lat) from the photo's EXIF, each None when absent or implausible."""
    try:
        exif = image.getexif()
    except Exception:  # noqa: BLE001 - damaged EXIF is no reason to refuse a photo: it says nothing
        return None, None, None
    return _taken_at(exif), *_place(exif)


def _taken_at(exif: Image.Exif) -> datetime | None:
    try:
        sub = exif.get_ifd(_EXIF_IFD)
        text = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
        if not isinstance(text, str):
            return None
        local = datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        offset = sub.get(_OFFSET_ORIGINAL)
        zone = CHINA
        if isinstance(offset, str) and len(offset.strip("\x00 ")) == 6:
            sign = -1 if offset[0] == "-" else 1
            zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        when = local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return when if datetime(1990, 1, 1) <= when <= datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1) else None


def _degrees(value: object, ref: object, negative: str) -> float | None:
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    d, m, s = (float(v) for v in value)
    result = d + m / 60 + s / 3600
    return -result if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative else result


def _place(exif: Image.Exif) -> tuple[float | None, float | None]:
    try:
        gps = exif.get_ifd(_GPS_IFD)
        lat = _degrees(gps.get(2), gps.get(1), "S")
        lon = _degrees(gps.get(4), gps.get(3), "W")
    except (ValueError, TypeError, ZeroDivisionError, KeyError, AttributeError):
        return None, None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return lon, lat
