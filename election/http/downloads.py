"""Files sent to the client: open data streamed as it is written, official forms as workbooks."""

from __future__ import annotations

import io
from collections.abc import Iterator

from flask import Response, current_app, g, request, send_file, stream_with_context

from election.domain.errors import InvalidInput
from election.http.context import get_session
from election.services import forms, opendata
from exports import nist
from exports import opendata as files

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def stream(chunks: Iterator[bytes], content_type: str, filename: str) -> Response:
    """Send ``chunks`` as a download; the request's read transaction ends with the last one."""
    session = get_session()

    def body() -> Iterator[bytes]:
        try:
            yield from chunks
        finally:
            # Once the file is sent, or the client has gone, end the read at once: an open
            # transaction would hold its locks (and PostgreSQL its cursor) until the worker's
            # next request.
            session.rollback()

    return Response(
        stream_with_context(body()),
        content_type=content_type,
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


def verify_url() -> str:
    """Where a printed code is checked: PUBLIC_URL, else this server's address if trusted.

    The address a request came to is its ``Host`` header, which the client chooses: printed
    unchecked, anyone could make the service stamp an official form with a link to their
    own look-alike site. Without PUBLIC_URL a host outside VERIFY_HOSTS gets the bare path.
    """
    root = current_app.config.get("PUBLIC_URL")
    if not root:
        host = request.host.rsplit(":", 1)[0] if "]" not in request.host else request.host
        trusted = current_app.config.get("VERIFY_HOSTS") or ()
        root = request.url_root.rstrip("/") if host.lower() in trusted else ""
    return f"{root}/verify/"


def round_arg() -> int | None:
    value = request.args.get("round")
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 9 or int(value) < 1:
        raise InvalidInput("Vòng bầu cử không hợp lệ", {"round": ["Phải là số nguyên dương"]})
    return int(value)


def download(made: forms.FormFile) -> Response:
    response = send_file(
        io.BytesIO(made.content), mimetype=XLSX, as_attachment=True, download_name=made.filename
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Verification-Codes"] = ",".join(made.codes[:50])
    return response


def export_requested(kind: str) -> Response:
    """The form the request asks for (?contest=QH&scope=CODE[&round=N]) as a download."""
    made = forms.export(
        get_session(),
        g.user,
        kind,
        request.args.get("contest"),
        request.args.get("scope", ""),
        round_arg(),
        verify_url(),
    )
    return download(made)


def export_ward_requested(code: str) -> Response:
    """Every count record of a ward for the requested contest, one sheet each."""
    return download(
        forms.export_ward(get_session(), g.user, request.args.get("contest"), code, verify_url())
    )


def records_csv() -> Response:
    """Every current tally record in the caller's scope, one CSV row each."""
    rows = opendata.records(get_session(), g.user)
    return stream(files.records_csv_chunks(rows), CSV, "ket-qua-khu-vuc-bo-phieu.csv")


def votes_csv() -> Response:
    """Each candidate's votes in every current tally record in the caller's scope, as CSV."""
    rows = opendata.votes(get_session(), g.user)
    return stream(files.votes_csv_chunks(rows), CSV, "so-phieu-nguoi-ung-cu.csv")


def nist_json() -> Response:
    """The whole election in the NIST SP 1500-100 Election Results Reporting format."""
    data = opendata.election_data(get_session(), g.user)
    return stream(nist.nist_json_chunks(data), "application/json", "ket-qua-bau-cu-nist.json")
