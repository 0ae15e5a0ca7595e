"""Setup and voter rolls on the pages (/admin/setup): upload, check, preview, apply as a job."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, url_for

from election.domain.errors import DomainError
from election.errors import answers_json, status_of
from election.http import imports
from election.http.access import login_required
from election.http.context import get_session
from election.http.routes import Routes
from election.services.audit.chain import Actor
from election.services.imports import check, jobs, worker
from election.services.imports.check import Checked

routes = Routes()


def _page(
    checked: Checked | None = None,
    errors: dict | None = None,
    status: int = 200,
    filename: str = "",
):
    session = get_session()
    settings = imports.settings()
    rows = [(job, jobs.state(job, settings)) for job in jobs.recent(session)]
    return (
        render_template(
            "setup_upload.html",
            rows=rows,
            checked=checked,
            filename=filename,
            errors=errors or {},
            kinds=jobs.KIND_TEXT,
            limits={
                "setup": current_app.config["SETUP_UPLOAD_MAX_MB"],
                "roll": current_app.config["ROLL_UPLOAD_MAX_MB"],
            },
        ),
        status,
    )


def _upload(kind: str):
    """Keep the file, check it as the command line does; a ready job if it is clean."""
    session = get_session()
    settings = imports.settings()
    try:
        upload = imports.uploaded()
        jobs.sweep(session, settings)
        stored, sha256, size = imports.keep(upload)
    except DomainError as exc:
        return _page(errors={kind: [exc.message]}, status=status_of(exc))
    path = settings.directory / stored
    filename = (upload.filename or "")[:200]
    try:
        if kind == "setup":
            checked = check.check_setup_file(session, path)
        else:
            checked = check.check_roll_file(session, path, filename)
    except DomainError as exc:
        path.unlink()
        return _page(errors={kind: [exc.message]}, status=status_of(exc))
    if checked.problems:
        path.unlink()
        return _page(checked, status=415 if checked.wrong_type else 422, filename=filename)
    job = jobs.create(session, g.user, checked, filename, stored, sha256, size)
    return redirect(url_for("web.import_job", job_id=job.id))


@routes.get("/admin/setup")
@login_required("admin")
def setup_page():
    """Upload a setup workbook or voter rolls; the latest uploads and their jobs."""
    return _page()


@routes.post("/admin/setup/workbook")
@login_required("admin")
def setup_upload():
    """A setup workbook (.xlsx): its problems by cell, or its preview."""
    return _upload("setup")


@routes.post("/admin/setup/rolls")
@login_required("admin")
def roll_upload():
    """A voter roll (.csv UTF-8 or .xlsx): its problems by cell, or its preview."""
    return _upload("roll")


@routes.get("/admin/setup/jobs/<int(max=2147483647):job_id>")
@login_required("admin")
def import_job(job_id: int):
    """One upload: the preview and «Áp dụng», the progress bar, or how it ended."""
    job = jobs.get(get_session(), job_id)
    return render_template(
        "setup_job.html",
        job=job,
        state=jobs.state(job, imports.settings()),
        kinds=jobs.KIND_TEXT,
    )


@routes.post("/admin/setup/jobs/<int(max=2147483647):job_id>/apply")
@login_required("admin")
def import_apply(job_id: int):
    """Start applying a ready (or interrupted) upload in the background."""
    session = get_session()
    settings = imports.settings()
    job = jobs.claim(session, g.user, job_id, settings)
    worker.start(current_app.extensions["election.sessions"], job.id, settings, Actor.of(g.user))
    return redirect(url_for("web.import_job", job_id=job.id))


@routes.get("/admin/imports/<int(max=2147483647):job_id>")
@login_required("admin")
@answers_json
def import_status(job_id: int):
    """The job's status and progress, for the progress bar (polled)."""
    job = jobs.get(get_session(), job_id)
    return jobs.state(job, imports.settings()).as_dict()
