"""What an uploaded photo or scan really is, re-written clean: JPEG, PNG or PDF, nothing else.

The file's name and declared type are ignored: its first bytes say what it claims to be, and
the matching decoder must read all of it. Images are decoded and encoded again (Pillow), so
what is stored carries no metadata (GPS, device) and nothing hidden after the image (a PNG
with a PDF appended comes out a plain PNG); the capture time is read first and kept beside
the file. PDFs are parsed (pypdf) and re-written page by page without annotations, actions,
scripts or document metadata. The same input always gives the same bytes, so the same file
uploaded twice is stored once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from election.domain.clock import VIETNAM_TIME as VIETNAM
from election.domain.errors import FileTooLarge, UnsupportedFile

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 60_000_000  # a 60-megapixel photo; a "bomb" of huge dimensions is refused
MAX_SIDE = 4096  # longer side stored, ≈ 490 dpi on an A4 record: every digit legible
MAX_PDF_PAGES = 20
JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf"}
ACCEPTED = "Chỉ nhận ảnh JPEG, PNG hoặc tệp PDF của biên bản"
TOO_MANY_PIXELS = "Ảnh quá lớn: vượt quá 60 triệu điểm ảnh"
_EXIF_IFD = 0x8769
# Re-writing a 12-megapixel photo holds about 85 MiB (its pixels, the encoder's buffers) for
# a few tenths of a second. A threaded worker taking ten uploads at once held ten of them,
# about 1 GiB (bench.evidence_upload); two at a time keep two cores busy and the memory at two
# photos' worth, while the other uploads wait with their bodies on disk. A sync worker takes
# one request at a time and never waits here.
_IMAGES_AT_ONCE = threading.BoundedSemaphore(2)
_DATE_TIME_ORIGINAL, _OFFSET_TIME_ORIGINAL, _DATE_TIME = 36867, 36881, 306


@dataclass(frozen=True)
class Clean:
    """A re-written file waiting in ``path`` to be stored under ``sha256``."""

    media_type: str
    path: Path
    sha256: str
    size: int
    captured_at: dt.datetime | None


def sniff(head: bytes) -> str | None:
    """The type the first bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def clean(source: BinaryIO, workdir: Path) -> Clean:
    """Check ``source`` by its content and write its clean form to a file in ``workdir``."""
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(0)
    if size == 0:
        raise UnsupportedFile("Tệp rỗng (0 byte)", {"file": ["Tệp rỗng"]})
    if size > MAX_BYTES:
        raise FileTooLarge(f"Tệp quá lớn: tối đa {MAX_BYTES // (1024 * 1024)} MB")
    kind = sniff(source.read(16))
    source.seek(0)
    if kind is None:
        raise UnsupportedFile(ACCEPTED, {"file": [ACCEPTED]})
    workdir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=workdir, suffix=".part")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            captured = _pdf(source, out) if kind == PDF else _image(source, kind, out)
        digest, written = _digest(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Clean(kind, path, digest, written, captured)


def _image(source: BinaryIO, kind: str, out: BinaryIO) -> dt.datetime | None:
    fmt = "JPEG" if kind == JPEG else "PNG"
    unreadable = f"Không đọc được ảnh {fmt}: tệp hỏng hoặc không đúng định dạng"
    try:
        with _IMAGES_AT_ONCE, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source, formats=(fmt,))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{width}×{height}")
            captured = _exif_time(image)
            if kind == JPEG:
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode a large photo at a smaller scale
            image.load()
            ImageOps.exif_transpose(image, in_place=True)  # not a second copy of the pixels
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if kind == JPEG:
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.save(out, "JPEG", quality=90, optimize=True)
            else:
                if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                    image = image.convert("RGBA")
                image.save(out, "PNG")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsupportedFile(TOO_MANY_PIXELS, {"file": [TOO_MANY_PIXELS]}) from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as exc:
        raise UnsupportedFile(unreadable, {"file": [unreadable]}) from exc
    return captured


def _exif_time(image: Image.Image) -> dt.datetime | None:
    """When the photo was taken, from its EXIF data (Vietnam time unless it says otherwise)."""
    try:
        exif = image.getexif()
        details = exif.get_ifd(_EXIF_IFD)
        text = details.get(_DATE_TIME_ORIGINAL) or exif.get(_DATE_TIME)
        if not isinstance(text, str):
            return None
        taken = dt.datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        offset = details.get(_OFFSET_TIME_ORIGINAL)
        if isinstance(offset, str) and len(offset) == 6 and offset[0] in "+-":
            sign = 1 if offset[0] == "+" else -1
            minutes = sign * (int(offset[1:3]) * 60 + int(offset[4:6]))
            zone: dt.tzinfo = dt.timezone(dt.timedelta(minutes=minutes))
        else:
            zone = VIETNAM
        return taken.replace(tzinfo=zone).astimezone(dt.UTC)
    except (ValueError, TypeError, KeyError, OSError, SyntaxError):
        return None  # no capture time rather than no photo


def _pdf(source: BinaryIO, out: BinaryIO) -> dt.datetime | None:
    from pypdf import PdfReader, PdfWriter

    unreadable = "Không đọc được tệp PDF: tệp hỏng hoặc không đúng định dạng"
    try:
        reader = PdfReader(source, strict=False)
        if reader.is_encrypted:
            raise UnsupportedFile(
                "Tệp PDF có mật khẩu hoặc mã hóa không được chấp nhận",
                {"file": ["PDF được mã hóa"]},
            )
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PDF_PAGES:
            raise UnsupportedFile(
                f"Tệp PDF phải có từ 1 đến {MAX_PDF_PAGES} trang (tệp có {pages} trang)",
                {"file": ["Số trang không hợp lệ"]},
            )
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.remove_annotations(subtypes=None)  # links, form fields, actions
        for page in writer.pages:
            page.pop("/AA", None)  # actions run when a page opens or closes
        writer.write(out)
        created = reader.metadata.creation_date if reader.metadata else None
    except UnsupportedFile:
        raise
    except Exception as exc:  # pypdf raises many kinds on a malformed file; all mean "not a PDF"
        raise UnsupportedFile(unreadable, {"file": [unreadable]}) from exc
    if created is None:
        return None
    return (created if created.tzinfo else created.replace(tzinfo=VIETNAM)).astimezone(dt.UTC)


def _digest(path: Path) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size
