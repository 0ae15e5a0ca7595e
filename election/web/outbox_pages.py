"""Entry that survives a dropped connection: the service worker that keeps the entry page on
the device, and the two posts the page's outbox sends once the connection is back.

The outbox (static/outbox.js) keeps a record typed offline in the browser's IndexedDB with a
key made on the device; it posts the entry form's fields with that key and the page's CSRF
token, as often as it takes, and gets back the same record each time (the key replays the
first answer). Then it posts the photo, which is stored once whatever the number of tries.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, g, jsonify, request, url_for

from election.domain.errors import InvalidInput
from election.errors import answers_json
from election.http import evidence as files
from election.http.access import login_required, public
from election.http.context import get_session
from election.http.routes import Routes
from election.services import tallies
from election.services.tallies.idempotency import MAX_KEY_LENGTH, Key
from election.web.tallies import _place
from election.web.tally_fields import parse_record

routes = Routes()

# The worker's scope: the entry pages (and the record pages, which it does not keep).
SCOPE = "/tally/"
NOT_SAVED = "Biên bản chưa được lưu: hãy xem các lỗi bên dưới"
NO_KEY = "Thiếu khóa gửi một lần (idempotency_key) của biên bản lưu trên máy"


@routes.get("/sw.js")
@public
def service_worker():
    """The service worker script, from the site's root so that it may control ``/tally/``."""
    script = Path(current_app.static_folder or "static", "sw.js").read_bytes()  # a few kB
    response = Response(script, mimetype="text/javascript")
    # The browser checks for a new worker at every visit; it must never get a stale one.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = SCOPE
    return response


@routes.post("/tally/<va_code>/<contest_code>/send")
@login_required("officer")
@answers_json
def send_tally(va_code: str, contest_code: str):
    """A record kept on the device: the entry form's fields and its key in, the record out
    (201, the same answer for every repeat of the key); refusals name the fields at fault."""
    _, place = _place(va_code, contest_code)
    data, _, errors = parse_record(request.form, place.candidates, place.seats)
    if errors:
        raise InvalidInput(NOT_SAVED, errors)
    value = request.form.get("idempotency_key", "")
    if not value or len(value) > MAX_KEY_LENGTH:
        raise InvalidInput(NO_KEY, {"idempotency_key": [NO_KEY]})
    receipt = tallies.submit(
        get_session(),
        g.user,
        va_code,
        contest_code,
        tallies.TallyInput.from_data(data),
        key=Key.of(value, "POST", request.path, data),
    )
    return jsonify(
        id=receipt.id,
        version=receipt.version,
        status=receipt.status,
        warnings=receipt.warnings,
        url=url_for("web.tally_record", record_id=receipt.id),
    ), 201


@routes.post("/tally/record/<int(max=2147483647):record_id>/evidence/send")
@login_required("officer", "reviewer")
@answers_json
def send_evidence(record_id: int):
    """The photo of a record kept on the device (multipart field ``file``): 201, once."""
    attached = files.attach(record_id)
    return jsonify(sha256=attached.sha256, media_type=attached.media_type), 201
