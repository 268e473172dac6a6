"""Citizens' pages on both backends: ``/v/<code>`` says whether a printed document is genuine
(a genuine, a tampered and a revoked station's document), and ``/progress`` answers a
受理编号 with the last six characters of the ID number, rate-limited in the database, with
the same answer for a wrong pair as for an unknown number.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from schema import document_seal
from schema.cases import case_number
from schema.document_seal import DocumentKind, SealedDocument
from schema.protocol import CaseAcceptOp, ChangeKind
from sync_server.db.engine import Database
from sync_server.db.tables import audit_log, case_events, cases, changes, public_limits
from sync_server.services.admin import stations as station_admin
from sync_server.services.feed import snapshot
from tests.support.factories import Station, accept_op, enrolled_station, make_client, push

NAME = "罗小东"


def _pushed(db: Database, tmp_path: Path, station: Station, item: str = "C019") -> CaseAcceptOp:
    op = accept_op(station, item, name=NAME)
    with make_client(db, tmp_path) as client:
        answer = push(client, station, [op])
        assert answer.status_code == 200, answer.text
        assert answer.json()["results"][0]["status"] == "applied", answer.json()
    return op


def _document(op: CaseAcceptOp, at: dt.datetime | None = None) -> SealedDocument:
    payload = op.payload
    return SealedDocument(
        kind=DocumentKind.ACCEPTANCE,
        number=payload.case_number,
        case_number=payload.case_number,
        item_code=payload.item_code,
        amount=Decimal(0),
        issued_at=at or dt.datetime.now(dt.UTC),
    )


def _text(html: str) -> str:
    """The page's visible words, for assertions that read like the page."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ---- /v/<code> ------------------------------------------------------------------------------


def test_a_genuine_document_shows_what_it_states_and_the_case_with_the_name_masked(
    db: Database, tmp_path: Path
) -> None:
    station = enrolled_station(db)
    op = _pushed(db, tmp_path, station)
    seal = document_seal.sign(station.key, _document(op))
    with make_client(db, tmp_path) as client:
        page = client.get(f"/v/{seal.code}")
    assert page.status_code == 200
    text = _text(page.text)
    assert "文件真实有效" in text
    assert "社会保险业务受理回执" in text
    assert op.payload.case_number in text
    assert "职工正常退休（职）申请" in text
    assert "乐山市市中区大佛街道社保所" in text
    assert "办理状态 受理" in text
    assert "罗*东" in text
    assert NAME not in text and op.payload.applicant.id_number not in text  # nothing else personal
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_a_tampered_document_fails(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    op = _pushed(db, tmp_path, station)
    genuine = document_seal.sign(station.key, _document(op))
    raw = bytearray(document_seal._unb64url(genuine.code))
    raw[20] ^= 0x01  # one bit of the amount, the signature kept
    tampered = document_seal._b64url(bytes(raw))
    stranger = document_seal.sign(Ed25519PrivateKey.generate(), _document(op))  # not the station's key
    with make_client(db, tmp_path) as client:
        pages = [client.get(f"/v/{code}") for code in (tampered, stranger.code)]
    for page in pages:
        assert page.status_code == 200
        text = _text(page.text)
        assert "核验未通过" in text and "文件可能被改动过" in text
        assert "罗*东" not in text  # nothing of the case is shown for a document that fails


def test_a_revoked_stations_documents_signed_after_the_revocation_fail_and_earlier_ones_stand(
    db: Database, tmp_path: Path
) -> None:
    station = enrolled_station(db)
    op = _pushed(db, tmp_path, station)
    revoked_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with db.write() as conn:
        station_admin.revoke_station(conn, station.id, now=revoked_at, actor="demo.admin")
    before = document_seal.sign(station.key, _document(op, revoked_at - dt.timedelta(hours=1)))
    after = document_seal.sign(station.key, _document(op, revoked_at + dt.timedelta(minutes=5)))
    with make_client(db, tmp_path) as client:
        earlier, later = client.get(f"/v/{before.code}"), client.get(f"/v/{after.code}")
    assert "文件真实有效" in _text(earlier.text)
    text = _text(later.text)
    assert "核验未通过" in text and "已于" in text and "注销" in text


def test_a_re_enrolled_stations_old_key_answers_for_what_it_signed_before_the_new_key(
    db: Database, tmp_path: Path
) -> None:
    station = enrolled_station(db)
    op = _pushed(db, tmp_path, station)
    replaced_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    new_key = Ed25519PrivateKey.generate()
    with db.write() as conn:
        raw = new_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        station_admin.complete_enrolment(conn, station.id, raw, now=replaced_at)
    old = document_seal.sign(station.key, _document(op, replaced_at - dt.timedelta(days=1)))
    stale = document_seal.sign(station.key, _document(op, replaced_at + dt.timedelta(minutes=1)))
    new = document_seal.sign(new_key, _document(op, replaced_at + dt.timedelta(minutes=1)))
    with make_client(db, tmp_path) as client:
        texts = [_text(client.get(f"/v/{s.code}").text) for s in (old, stale, new)]
    assert "文件真实有效" in texts[0]
    assert "更换电子签章" in texts[1]
    assert "文件真实有效" in texts[2]


def test_an_old_ssb1_code_is_still_verified_by_its_number(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    op = _pushed(db, tmp_path, station)
    number = op.payload.case_number
    value = document_seal._b64url(station.key.sign(number.encode()))
    with make_client(db, tmp_path) as client:
        good = client.get("/v", params={"code": f"SSB1|{number}|{value}"})
        forged = client.get("/v", params={"code": f"SSB1|{number[:-1]}9|{value}"})
        unreadable = client.get("/v", params={"code": "hello"})
    assert "文件真实有效" in _text(good.text) and "罗*东" in _text(good.text)
    assert "核验未通过" in _text(forged.text)
    assert unreadable.status_code == 400 and "无法识别该核验码" in _text(unreadable.text)


def test_a_genuine_document_of_a_case_not_yet_synced_says_so(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    number = case_number(station.id, dt.date(2026, 11, 26), 7)
    document = SealedDocument(
        DocumentKind.ACCEPTANCE, number, number, "C019", Decimal(0), dt.datetime.now(dt.UTC)
    )
    with make_client(db, tmp_path) as client:
        text = _text(client.get(f"/v/{document_seal.sign(station.key, document).code}").text)
    assert "文件真实有效" in text and "尚未上报到市社保局" in text


# ---- /progress --------------------------------------------------------------------------------


def _return_for_supplement(db: Database, op: CaseAcceptOp) -> None:
    case_id = str(op.payload.case_id)
    with db.write() as conn:
        conn.execute(sa.update(cases).where(cases.c.case_id == case_id).values(status="returned"))
        conn.execute(
            sa.insert(case_events).values(
                case_id=case_id, at=dt.datetime.now(dt.UTC), actor="review.pension",
                event="return_for_supplement", from_status="claimed", to_status="returned",
                detail={"missing": ["personnel_archive"], "reason": "档案缺少1995年工资表（内部说明）"},
            )
        )  # fmt: skip


def test_progress_shows_status_and_what_is_missing_for_the_right_pair(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    op = _pushed(db, tmp_path, station)
    id_number = op.payload.applicant.id_number
    assert id_number is not None
    with make_client(db, tmp_path) as client:
        accepted = client.post(
            "/progress", data={"number": op.payload.case_number, "id_tail": id_number[-6:]}
        )
        _return_for_supplement(db, op)
        returned = client.post(
            "/progress",
            data={"number": f" {op.payload.case_number.lower()} ", "id_tail": id_number[-6:].lower()},
        )
    text = _text(accepted.text)
    assert accepted.status_code == 200
    assert "办理状态 受理" in text and "承诺办结日期" in text and "罗*东" in text
    text = _text(returned.text)
    assert "退回补正" in text and "本人人事档案" in text
    assert "内部说明" not in text  # the reviewer's note stays inside


def test_a_wrong_pair_answers_exactly_like_an_unknown_number(db: Database, tmp_path: Path) -> None:
    station = enrolled_station(db)
    op = _pushed(db, tmp_path, station)
    id_number = op.payload.applicant.id_number
    assert id_number is not None
    wrong_tail = "000000" if id_number[-6:] != "000000" else "111111"
    unknown = case_number(station.id, dt.date(2026, 11, 26), 9999)
    with make_client(db, tmp_path) as client:
        wrong = client.post("/progress", data={"number": op.payload.case_number, "id_tail": wrong_tail})
        missing = client.post("/progress", data={"number": unknown, "id_tail": wrong_tail})
    assert wrong.status_code == missing.status_code == 200
    # the pages differ only in the number echoed back into the form
    assert wrong.text.replace(op.payload.case_number, "N") == missing.text.replace(unknown, "N")
    assert "没有查到与该受理编号和证件号码后6位相符的业务" in _text(wrong.text)
    with db.read() as conn:
        audited = conn.execute(
            sa.select(audit_log.c.entity_id, audit_log.c.detail).where(
                audit_log.c.action == "public.progress"
            )
        ).all()
    assert [(e, d["matched"]) for e, d in audited] == [(op.payload.case_number, False), (unknown, False)]


def test_progress_is_rate_limited_per_case_and_per_client_across_server_processes(
    db: Database, tmp_path: Path
) -> None:
    station = enrolled_station(db)
    op = _pushed(db, tmp_path, station)
    number = op.payload.case_number
    limits = {"public_progress_per_case": 3, "public_progress_per_client": 5}
    # two apps over one database: two stateless server processes behind a load balancer
    with make_client(db, tmp_path, **limits) as one, make_client(db, tmp_path, **limits) as two:
        answers = [
            (one if n % 2 else two).post("/progress", data={"number": number, "id_tail": "12345X"})
            for n in range(4)
        ]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert "查询过于频繁" in _text(refused.text) and "public_rate_limited" in refused.text
        assert int(refused.headers["Retry-After"]) > 0
        # an unknown number counts the same way, so the limit says nothing of existence
        other = case_number(station.id, dt.date(2026, 11, 26), 42)
        assert one.post("/progress", data={"number": other, "id_tail": "12345X"}).status_code == 200
        # the client's own limit (5) is reached whatever the number
        assert two.post("/progress", data={"number": other, "id_tail": "12345X"}).status_code == 429
    with db.read() as conn:
        keys = set(conn.execute(sa.select(public_limits.c.key)).scalars())
        refusals = conn.execute(
            sa.select(sa.func.count())
            .select_from(audit_log)
            .where(audit_log.c.action == "public.progress_refused")
        ).scalar_one()
    assert {"progress:client:testclient", f"progress:case:{number}", f"progress:case:{other}"} <= keys
    assert refusals == 2  # once per key and window, not once per refused request


def test_progress_says_what_to_correct_in_a_malformed_number_or_tail(db: Database, tmp_path: Path) -> None:
    with make_client(db, tmp_path) as client:
        bad_number = client.post("/progress", data={"number": "12345", "id_tail": "12345X"})
        bad_tail = client.post("/progress", data={"number": "511102004-00-20261126-0007", "id_tail": "12"})
    assert "受理编号格式不对" in _text(bad_number.text)
    assert "最后 6 位" in _text(bad_tail.text)


# ---- the keys stations hold ----------------------------------------------------------------


def test_enrolment_and_revocation_send_every_station_the_keys_and_a_snapshot_carries_them(
    db: Database,
) -> None:
    station = enrolled_station(db)
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    now = dt.datetime.now(dt.UTC)
    with db.write() as conn:
        station_admin.complete_enrolment(conn, station.id, key, now=now)
        station_admin.revoke_station(conn, station.id, now=now + dt.timedelta(hours=1), actor="demo.admin")
    with db.read() as conn:
        sent = conn.execute(
            sa.select(changes.c.scope, changes.c.data)
            .where(changes.c.kind == ChangeKind.STATION_KEYS.value)
            .order_by(changes.c.id)
        ).all()
        served = snapshot._reference(conn, station.id, "", 50)
    assert [scope for scope, _ in sent] == ["all", "all"]
    last = document_seal.StationKeysRecord.model_validate(sent[-1][1])
    ended = {(k.ended_by, k.valid_until is not None) for k in last.keys if k.station_id == station.id}
    assert ended == {("replaced", True), ("revoked", True)}
    (in_snapshot,) = [c for c in served if c.kind is ChangeKind.STATION_KEYS]
    assert document_seal.StationKeysRecord.model_validate(in_snapshot.data) == last


def test_the_counters_of_passed_windows_are_pruned(db: Database, tmp_path: Path) -> None:
    from sync_server.services.public import limits

    now = dt.datetime.now(dt.UTC)
    with db.write() as conn:
        limits.hit(
            conn, "verify:client:old", now - dt.timedelta(hours=3), limits.Limit(5, dt.timedelta(hours=1))
        )
        limits.hit(conn, "verify:client:new", now, limits.Limit(5, dt.timedelta(hours=1)))
        assert limits.prune(conn, now, dt.timedelta(hours=1)) == 1
        assert list(conn.execute(sa.select(public_limits.c.key)).scalars()) == ["verify:client:new"]


@pytest.mark.parametrize("path", ["/v", "/progress"])
def test_the_forms_open_without_an_account(db: Database, tmp_path: Path, path: str) -> None:
    with make_client(db, tmp_path) as client:
        page = client.get(path)
    assert page.status_code == 200 and "乐山市社会保险事业管理局" in page.text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
