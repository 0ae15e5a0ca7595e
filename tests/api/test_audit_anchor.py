"""Issue 15, finding 4: the audit chain anchored outside the database, and the running totals
checked against the records by ``verify-audit``."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select, update

from election.models import AuditEvent, AuditHead, Candidate, ResultTotal, TallyVersion, TallyVote
from election.services.audit.chain import canonical, chain_hash
from election.services.results import recompute
from tests.api.test_web_board import _login


def _cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def _head(app) -> tuple[int, str]:
    with app.extensions["election.sessions"]() as session:
        head = session.get(AuditHead, 1)
        return head.seq, head.hash


def test_audit_head_prints_the_newest_events_seq_and_hash(app, three):
    seq, digest = _head(app)
    result = _cli(app, "audit-head")
    assert result.exit_code == 0
    assert result.output == f"{seq} {digest}\n"
    assert len(digest) == 64 and seq > 3


def _rewrite_a_vote_and_the_chain(app) -> None:
    """What a database operator can do: move 10 votes of record 1, then make it all agree."""
    with app.extensions["election.sessions"]() as session:
        version = session.scalar(select(TallyVersion).where(TallyVersion.record_id == 1))
        votes = {
            session.get(Candidate, v.candidate_id).code: v
            for v in session.scalars(select(TallyVote).where(TallyVote.version_id == version.id))
        }
        first, second = sorted(c for c, v in votes.items() if v.votes >= 10)[:2]
        votes[first].votes -= 10
        votes[second].votes += 10
        event = session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "tally.submit", AuditEvent.object_id == "1"
            )
        )
        after = dict(event.after)
        after["votes"] = {**after["votes"]}
        after["votes"][first] -= 10
        after["votes"][second] += 10
        event.after = after
        session.flush()
        # Re-hash the chain from that event on, and move the head.
        prev = event.prev_hash
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.seq >= event.seq).order_by(AuditEvent.seq)
        ).all()
        for e in events:
            content = canonical(
                e.seq, e.at, e.actor, e.action, e.object_type, e.object_id,
                e.before, e.after, e.credential,
            )  # fmt: skip
            e.prev_hash, e.hash = prev, chain_hash(prev, content)
            prev = e.hash
        session.flush()
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
        recompute.rebuild(session)  # and the running totals, so they agree with the records
        session.commit()


def test_a_chain_rewritten_inside_the_database_passes_alone_and_fails_its_anchor(app, three):
    seq, digest = _head(app)
    printed = f"{seq}:{digest}"
    assert _cli(app, "verify-audit", "--anchor", printed).exit_code == 0
    _rewrite_a_vote_and_the_chain(app)
    alone = _cli(app, "verify-audit")
    assert alone.exit_code == 0, alone.output
    assert alone.output.startswith("OK ")
    anchored = _cli(app, "verify-audit", "--anchor", printed)
    assert anchored.exit_code == 1
    assert (
        f"FAIL: sự kiện số {seq}: mã băm khác với mốc neo đã in: chuỗi nhật ký đã bị viết lại"
        in anchored.output
    )


def test_an_anchor_past_the_head_or_malformed_is_refused(app, three):
    seq, digest = _head(app)
    beyond = _cli(app, "verify-audit", "--anchor", f"{seq + 5}:{digest}")
    assert beyond.exit_code == 1
    assert f"không có sự kiện số {seq + 5} mà mốc neo ghi" in beyond.output
    malformed = _cli(app, "verify-audit", "--anchor", "12-abc")
    assert malformed.exit_code == 2
    assert "không phải mốc neo dạng" in malformed.output


def test_verify_audit_recomputes_the_running_totals(app, three):
    assert _cli(app, "verify-audit").exit_code == 0
    with app.extensions["election.sessions"]() as session:
        session.execute(
            update(ResultTotal)
            .where(ResultTotal.scope_kind == "unit")
            .values(ballots_valid=ResultTotal.ballots_valid + 1)
        )
        session.commit()
    result = _cli(app, "verify-audit")
    assert result.exit_code == 1
    assert "FAIL: tổng số đang lưu khác với tổng tính lại từ biên bản" in result.output


def test_every_exported_form_prints_the_anchor_it_was_made_at(app, client, three):
    seq, digest = _head(app)
    response = client.get(
        "/api/v1/forms/unit-record?contest=QH&scope=QH1", headers=three.headers("board")
    )
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert f"Mốc nhật ký kiểm toán (SEQ:HASH): {seq}:{digest}" in texts


def test_the_boards_home_page_shows_the_anchor(app, client, three):
    _login(client, "board")
    seq, digest = _head(app)  # the sign-in itself is an event
    html = client.get("/").get_data(as_text=True)
    assert f'<code id="audit-anchor">{seq}:{digest}</code>' in html
