"""Rebuild tests/data/previous_release/: a server and a station made by the previous release.

The upgrade test (tests/test_upgrade_keeps_data.py) opens these files with the current
code, so they must be written by the OLD code, never by this tree's. The script checks the
release out into a temporary git worktree (outside the tree, the index untouched), then
runs itself again with ``PYTHONPATH`` pointing at that checkout (``--inside``): the old
``sync-server init`` and ``seed-demo --persons 300``, a station enrolled with the old app
in process, six cases taken by the old intake service, four pushed (two with a fee),
two fee-free ones left in the outbox. The same again on PostgreSQL (``--pg-admin``), kept
as a ``pg_dump`` of the server. The results are copied here and the worktree removed.

    .venv/bin/python scripts/make_previous_release_data.py            # release 4d07ee2
    .venv/bin/python scripts/make_previous_release_data.py --release <commit>

Regenerating changes every key, password hash and case number; the README's passwords stay
as below because this script sets them.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "previous_release"
RELEASE = "4d07ee2"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
STATION = "511102004-00"  # seed-demo's 市中区大佛街道社保所
CLERK = "clerk.upgrade"
CLERK_PASSWORD = "Upgrade-Desk-2026"  # noqa: S105  (test data; in the data README)


def _old_sync_server(checkout: Path, *args: str) -> str:
    """Run the old release's ``sync-server`` (its own code, not this tree's)."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    code = "from sync_server.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"sync-server {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _inside(work: Path) -> None:
    """Runs under the old release: server data dir + enrolled station home in ``work``."""
    import datetime as dt

    import sqlalchemy as sa
    from fastapi.testclient import TestClient

    from station_client.core.intake_rules import ApplicantInput
    from station_client.paths import StationPaths
    from station_client.services import enrolment
    from station_client.services.intake import IntakeRequest, intake
    from station_client.services.session import login
    from station_client.store import open_store
    from station_client.sync.agent import SyncAgent
    from sync_server.api.app import create_app
    from sync_server.db.engine import Database
    from sync_server.db.tables import persons
    from sync_server.services.admin.staff import add_staff
    from sync_server.services.admin.stations import issue_enrolment_code
    from sync_server.settings import load_settings

    server_dir, home = work / "server", work / "station"
    settings = load_settings(server_dir)
    db = Database.from_url(settings.effective_database_url)
    now = dt.datetime.now(dt.UTC)
    with db.write() as conn:
        code = issue_enrolment_code(conn, STATION, now=now, hours=24, actor="make_previous_release_data").code
        add_staff(
            conn,
            username=CLERK,
            role="clerk",
            station_id=STATION,
            display_name="李娟",
            now=now,
            actor="make_previous_release_data",
            password=CLERK_PASSWORD,
            must_change_password=False,
        )
        people = conn.execute(
            sa.select(persons.c.id_number, persons.c.name)
            .where(persons.c.township_code == STATION[:9], persons.c.status == "alive")
            .order_by(persons.c.id_number)
            .limit(6)
        ).all()
    client = TestClient(create_app(settings, database=db), base_url=settings.public_url)
    paths = StationPaths.of(home)
    result = enrolment.enrol(
        paths,
        server_url=settings.public_url,
        ca_pem=(server_dir / "tls" / "ca.pem").read_bytes(),
        code=code,
        client=client,
    )
    problem = enrolment.initial_pull(paths, result.dek, client)
    assert problem is None, problem

    session = login(open_store(home), CLERK, CLERK_PASSWORD, now=now, dek=result.dek)
    g02 = {"purpose": "housing", "insurance_types": ["enterprise_pension"]}
    year = now.year
    g14 = {"base": "5000", "period_start": f"{year}-01", "period_end": f"{year}-03", "include_medical": True}
    requests = [
        IntakeRequest("G02", ApplicantInput(name, id_number), g02, ["id_or_ss_card"])
        for id_number, name in people[:2]
    ]
    requests += [
        IntakeRequest("G14", ApplicantInput(name, id_number), g14, ["id_card"])
        for id_number, name in people[2:4]
    ]
    taken = [intake(session, r) for r in requests]
    report = SyncAgent(home, result.dek, client=client).run_once()
    assert report.problem is None, report.problem
    # What waits in the outbox is fee-free: a fee is checked on the day it reaches the server,
    # and the test must hold in any year (a months-old G14 is rightly returned then).
    later = [
        IntakeRequest("G02", ApplicantInput(name, id_number), g02, ["id_or_ss_card"])
        for id_number, name in people[4:6]
    ]
    taken += [intake(session, r) for r in later]
    session.db.close()
    client.close()
    db.dispose()
    (work / "recovery_key.txt").write_text(result.recovery_key + "\n", encoding="utf-8")
    (work / "cases.txt").write_text(
        "".join(f"{t.case_id} {t.case_number} {t.item_code} {t.receipt_number or '-'}\n" for t in taken),
        encoding="utf-8",
    )


def _build(checkout: Path, work: Path, *, database_url: str | None = None) -> None:
    init = ["init", "--data-dir", str(work / "server"), "--host", "127.0.0.1"]
    _old_sync_server(checkout, *init, *(["--database-url", database_url] if database_url else []))
    _old_sync_server(checkout, "seed-demo", "--data-dir", str(work / "server"), "--persons", "300")
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    subprocess.run([sys.executable, __file__, "--inside", str(work)], env=env, cwd=checkout, check=True)


def _build_postgresql(checkout: Path, work: Path, admin_url: str) -> None:
    """The same history on PostgreSQL, kept as a custom-format dump (its station is dropped)."""
    import psycopg

    name = f"previous_release_{os.getpid()}"
    base = admin_url.rpartition("/")[0]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        _build(checkout, work, database_url=f"{base}/{name}")
        dump = ["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--dbname={base}/{name}"]
        subprocess.run([*dump, f"--file={work / 'server.pg.dump'}"], check=True)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _vacuum_gz(source: Path, target: Path) -> None:
    import sqlite3

    with sqlite3.connect(source) as conn:
        conn.execute("VACUUM")
    with (
        source.open("rb") as src,
        target.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as dst,
    ):
        shutil.copyfileobj(src, dst)


def _copy_out(work: Path, release: str) -> None:
    for old in ("server", "station"):
        shutil.rmtree(OUT / old, ignore_errors=True)
    (OUT / "server" / "tls").mkdir(parents=True)
    (OUT / "station").mkdir(parents=True)
    _vacuum_gz(work / "server" / "server.db", OUT / "server" / "server.db.gz")
    shutil.copy(work / "server" / "settings.toml", OUT / "server" / "settings.toml")
    for name in ("ca.pem", "ca-key.pem", "server.pem", "server-key.pem"):
        shutil.copy(work / "server" / "tls" / name, OUT / "server" / "tls" / name)
    home = work / "station"
    for path in home.iterdir():
        if path.name.endswith(".db"):
            _vacuum_gz(path, OUT / "station" / f"{path.name}.gz")
        elif path.is_file():
            shutil.copy(path, OUT / "station" / path.name)
    shutil.copy(work / "recovery_key.txt", OUT / "station" / "recovery_key.txt")
    shutil.copy(work / "cases.txt", OUT / "cases.txt")
    shutil.copy(work / "pg" / "server.pg.dump", OUT / "server" / "server.pg.dump")
    (OUT / "RELEASE").write_text(release + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default=RELEASE, help="the previous release's commit")
    parser.add_argument(
        "--checkout", type=Path, help="an existing checkout of that release (else a worktree)"
    )
    parser.add_argument("--pg-admin", default=PG_ADMIN, help="PostgreSQL URL allowed to create databases")
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside is not None:
        _inside(args.inside)
        return
    with tempfile.TemporaryDirectory(prefix="previous-release-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        checkout = args.checkout
        if checkout is None:
            checkout = Path(tmp) / "checkout"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(checkout), args.release],
                check=True,
            )
        try:
            _build(checkout.resolve(), work)
            (work / "pg").mkdir()
            _build_postgresql(checkout.resolve(), work / "pg", args.pg_admin)
        finally:
            if args.checkout is None:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(checkout)], check=True
                )
        _copy_out(work, args.release)
    print(f"written: {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
