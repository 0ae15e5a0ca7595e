"""How the re-writing of uploaded images uses memory: one copy of the pixels, two at a time."""

from __future__ import annotations

import io
import threading
import time

from PIL import Image

from election.services.evidence import content


def jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (seed, 100, 200)).save(out, "JPEG")
    return out.getvalue()


def test_at_most_two_images_are_re_written_at_once_by_a_process(monkeypatch, tmp_path):
    inside, most = 0, 0
    lock = threading.Lock()
    real_open = content.Image.open

    def slow_open(*args, **kwargs):
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.05)  # long enough for every thread to arrive
        with lock:
            inside -= 1
        return real_open(*args, **kwargs)

    monkeypatch.setattr(content.Image, "open", slow_open)
    cleaned = []
    threads = [
        threading.Thread(
            target=lambda n=n: cleaned.append(content.clean(io.BytesIO(jpeg(n)), tmp_path))
        )
        for n in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(cleaned) == 6
    assert most == 2


def test_a_rotated_photo_is_stored_upright(tmp_path):
    image = Image.new("RGB", (60, 20), (200, 180, 160))
    exif = image.getexif()
    exif[0x0112] = 6  # the camera was turned: show it rotated by 90°
    source = io.BytesIO()
    image.save(source, "JPEG", exif=exif)
    clean = content.clean(io.BytesIO(source.getvalue()), tmp_path)
    with Image.open(clean.path) as stored:
        assert stored.size == (20, 60)
        assert 0x0112 not in stored.getexif()
