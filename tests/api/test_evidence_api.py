"""Evidence of a record (CONTRACT §6.3): what is accepted, what is refused and with which status,
what is stored (re-written, without metadata, once) and who may add or read it.

The record is T1A-1's QH record, submitted by its officer (logins "officer").
"""

from __future__ import annotations

import hashlib
import io
import struct

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from tests.api.conftest import tally_body

ADD = "/api/v1/tallies/{}/evidence"


@pytest.fixture
def record(client, logins) -> int:
    sent = client.post(
        "/api/v1/tallies", json=tally_body("T1A-1"), headers=logins.headers("officer")
    )
    assert sent.status_code == 201
    return sent.get_json()["id"]


def photo(width=64, height=48, exif=True) -> bytes:
    """A JPEG as a phone writes it: taken 23/05/2021 19:42:05 (+07:00), with GPS and device."""
    image = Image.new("RGB", (width, height), (200, 180, 160))
    data = image.getexif()
    if exif:
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0110] = "Phone X"  # Model
        details = data.get_ifd(0x8769)
        details[36867] = "2021:05:23 19:42:05"
        details[36881] = "+07:00"
        gps = data.get_ifd(0x8825)
        gps[1], gps[2] = "N", (20.0, 51.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=data)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (30, 20), 128).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Author": "Tổ bầu cử", "/CreationDate": "D:20210523194205+07'00'"})
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('x');"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = script
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): script})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def send(client, headers, record_id, data: bytes, name="anh.jpg", content_type=None):
    return client.post(
        ADD.format(record_id),
        data={"file": (io.BytesIO(data), name, content_type or "application/octet-stream")},
        headers=headers,
        content_type="multipart/form-data",
    )


def stored(app, sha256: str) -> bytes:
    return (app.extensions["election.evidence"].path(sha256)).read_bytes()


def test_a_photo_is_stored_re_encoded_without_metadata_but_with_its_capture_time(
    app, client, logins, record
):
    original = photo()
    sent = send(client, logins.headers("officer"), record, original, "IMG_0001.JPG")
    assert sent.status_code == 201, sent.get_json()
    body = sent.get_json()
    assert body["media_type"] == "image/jpeg"
    kept = stored(app, body["sha256"])
    assert hashlib.sha256(kept).hexdigest() == body["sha256"]
    assert kept != original
    again = Image.open(io.BytesIO(kept))
    assert again.size == (64, 48)
    assert dict(again.getexif()) == {}  # no device, no GPS, no time left in the file
    got = client.get(f"/api/v1/tallies/{record}", headers=logins.headers("reviewer")).get_json()
    (item,) = got["evidence"]
    assert (item["sha256"], item["media_type"], item["by"], item["version"]) == (
        body["sha256"],
        "image/jpeg",
        "officer",
        1,
    )
    assert item["size"] == len(kept)
    # 19:42:05 in Vietnam (+07:00) is 12:42:05 UTC.
    assert item["captured_at"].startswith("2021-05-23T12:42:05")
    events = client.get("/api/v1/audit?after=0&limit=1000", headers=logins.headers("board"))
    (added,) = [e for e in events.get_json()["events"] if e["action"] == "evidence.add"]
    assert (added["object"], added["after"]["sha256"]) == (
        {"type": "tally", "id": str(record)},
        body["sha256"],
    )


def test_the_file_comes_back_to_whoever_may_read_the_record(app, client, logins, record):
    sha = send(client, logins.headers("officer"), record, png(), "scan.png").get_json()["sha256"]
    for who in ("officer", "reviewer", "board", "admin"):
        got = client.get(f"/api/v1/evidence/{sha}", headers=logins.headers(who))
        assert got.status_code == 200, who
        assert got.mimetype == "image/png"
        assert got.data == stored(app, sha)
        assert got.headers["Cache-Control"] == "private, no-store"
    # The reviewer of ward T2A does not see district T1's records.
    assert (
        client.get(f"/api/v1/evidence/{sha}", headers=logins.headers("ward_reviewer")).status_code
        == 403
    )
    missing = "0" * 64
    assert (
        client.get(f"/api/v1/evidence/{missing}", headers=logins.headers("board")).status_code
        == 404
    )


def test_the_same_file_twice_is_stored_once_and_listed_once(app, client, logins, record):
    first = send(client, logins.headers("officer"), record, photo())
    second = send(client, logins.headers("reviewer"), record, photo())
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    got = client.get(f"/api/v1/tallies/{record}", headers=logins.headers("board")).get_json()
    assert len(got["evidence"]) == 1
    files = [p for p in app.extensions["election.evidence"].root.glob("??/*")]
    assert len(files) == 1


def test_a_pdf_is_re_written_without_scripts_or_metadata(app, client, logins, record):
    sent = send(client, logins.headers("reviewer"), record, pdf(), "bien-ban.pdf")
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["media_type"] == "application/pdf"
    kept = stored(app, sent.get_json()["sha256"])
    reader = PdfReader(io.BytesIO(kept))
    assert len(reader.pages) == 1
    assert b"/JavaScript" not in kept and b"app.alert" not in kept
    assert "Tổ bầu cử" not in str(reader.metadata or {})
    got = client.get(f"/api/v1/tallies/{record}", headers=logins.headers("board")).get_json()
    assert got["evidence"][0]["captured_at"].startswith("2021-05-23T12:42:05")


def test_a_png_carrying_a_pdf_is_kept_as_the_png_alone(app, client, logins, record):
    polyglot = png() + pdf()
    sent = send(client, logins.headers("officer"), record, polyglot, "x.pdf", "application/pdf")
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["media_type"] == "image/png"
    kept = stored(app, sent.get_json()["sha256"])
    assert b"%PDF" not in kept
    assert kept.endswith(b"IEND\xaeB`\x82")


def _bomb() -> bytes:
    """A small JPEG whose frame header claims 60.000 × 60.000 pixels."""
    data = bytearray(photo(16, 16, exif=False))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60000, 60000)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "rong.jpg", "Tệp rỗng (0 byte)"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "anh.svg",
            "Chỉ nhận ảnh JPEG, PNG hoặc tệp PDF của biên bản",
        ),
        (b"GIF89a" + b"\x00" * 40, "anh.jpg", "Chỉ nhận ảnh JPEG, PNG hoặc tệp PDF của biên bản"),
        (
            b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10,
            "anh.jpg",
            "Không đọc được ảnh JPEG: tệp hỏng hoặc không đúng định dạng",
        ),
        (
            b"%PDF-1.7\n garbage without objects",
            "a.pdf",
            "Không đọc được tệp PDF: tệp hỏng hoặc không đúng định dạng",
        ),
        (_bomb(), "bom.jpg", "Ảnh quá lớn: vượt quá 60 triệu điểm ảnh"),
    ],
)
def test_anything_else_is_refused_with_415_and_nothing_is_kept(
    app, client, logins, record, data, name, message
):
    sent = send(client, logins.headers("officer"), record, data, name, "image/jpeg")
    assert sent.status_code == 415, sent.get_json()
    assert sent.get_json()["message"] == message
    got = client.get(f"/api/v1/tallies/{record}", headers=logins.headers("board")).get_json()
    assert got["evidence"] == []
    assert [p for p in app.extensions["election.evidence"].root.rglob("*") if p.is_file()] == []


BOUNDARY = "ranh-gioi"


def multipart(content: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def raw_post(client, headers, record_id, body: bytes, chunked: bool):
    extra = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(len(body))}
    return client.post(
        ADD.format(record_id),
        input_stream=io.BytesIO(body),
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **extra},
        environ_overrides={"wsgi.input_terminated": True} if chunked else {},
    )


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_file_over_10_mb_is_refused_with_413(client, logins, record, chunked):
    big = multipart(b"\xff\xd8\xff\xe0" + b"\x00" * (10 * 1024 * 1024))
    sent = raw_post(client, logins.headers("officer"), record, big, chunked)
    assert sent.status_code == 413
    assert sent.get_json()["message"] == "Tệp quá lớn: tối đa 10 MB"
    got = client.get(f"/api/v1/tallies/{record}", headers=logins.headers("board")).get_json()
    assert got["evidence"] == []


def test_a_chunked_body_under_the_limit_is_read_whole(client, logins, record):
    sent = raw_post(client, logins.headers("officer"), record, multipart(photo()), chunked=True)
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["media_type"] == "image/jpeg"


def test_who_may_add_evidence(client, logins, record):
    assert send(client, logins.headers("board"), record, png()).status_code == 403
    assert send(client, logins.headers("admin"), record, png()).status_code == 403
    assert send(client, logins.headers("ward_reviewer"), record, png()).status_code == 403
    assert send(client, logins.headers("officer"), 999, png()).status_code == 404
    # Once verified, the team adds nothing; a reviewer still may.
    verified = client.post(
        f"/api/v1/tallies/{record}/verify",
        json={"expected_version": 1},
        headers=logins.headers("reviewer"),
    )
    assert verified.status_code == 200
    late = send(client, logins.headers("officer"), record, png())
    assert late.status_code == 409
    assert late.get_json()["message"] == (
        "Biên bản đã được xác nhận; tổ bầu cử không đính kèm thêm ảnh được nữa"
    )
    assert send(client, logins.headers("reviewer"), record, png()).status_code == 201


def test_a_body_that_is_not_multipart_or_has_no_file(client, logins, record):
    as_json = client.post(ADD.format(record), json={"file": "x"}, headers=logins.headers("officer"))
    assert as_json.status_code == 415
    empty = client.post(
        ADD.format(record),
        data={"other": "x"},
        headers=logins.headers("officer"),
        content_type="multipart/form-data",
    )
    assert empty.status_code == 400
    assert empty.get_json()["errors"] == {"file": ["Bắt buộc"]}


def test_whoever_may_not_attach_is_refused_before_the_body_is_read(client, logins, record):
    for who, status in (("board", 403), ("admin", 403), ("ward_reviewer", 403)):
        sent = client.post(
            ADD.format(record),
            data=b"{",
            content_type="application/json",
            headers=logins.headers(who),
        )
        assert sent.status_code == status, who
    anonymous = client.post(ADD.format(record), data=b"{", content_type="application/json")
    assert anonymous.status_code == 401
