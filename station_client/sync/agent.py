"""The sync agent: rounds of push → attachments → pull, on a timer, on wake, in its own thread.

``SyncAgent.run_once()`` runs one round in the calling thread (the CLI, tests; never the
UI thread, which must not wait on the network); ``start()`` runs rounds in a background
thread until ``stop()``: after a good round it waits ``interval`` seconds, after a failed
one an exponential backoff with full jitter (at least the server's Retry-After);
``wake()`` cuts the wait short (new work, the link came back) and forgets the backoff.

SQLite connections are never shared across threads: every thread that runs a round
opens its own connection to the store (kept per thread, closed on ``stop``/``close``).
Rounds never overlap. ``status()`` returns a consistent snapshot for the UI from any
thread; ``on_status`` is called from the agent's thread after each round (a Tk UI hands
it to its own thread through a queue polled with ``after()``; widgets are not thread-safe).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlite_utils import Database

from schema.protocol import MAX_BATCH_OPERATIONS
from station_client.core import outbox_rules
from station_client.crypto import station_key
from station_client.crypto.keys import DataKey
from station_client.paths import StationPaths
from station_client.services import pdf_signing
from station_client.store import keys, meta, open_store
from station_client.sync import attachments, pull, push, server_restore
from station_client.sync.status import SyncProblem, SyncStatus, read_status, record_round
from station_client.transport import SyncError, TransientError, Transport, make_client

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 60.0
MSG_NOT_ENROLLED = "本服务站尚未完成注册，无法同步。请使用综合业务科发放的注册码完成注册。"
OFFLINE_CODES = frozenset({"network_unreachable", "network_timeout"})
MSG_INTERNAL = "同步时出现程序内部错误，已记录日志，稍后会自动重试；如反复出现，请联系综合业务科。"


@dataclass(frozen=True)
class RoundReport:
    """What one round did. ``problem`` set means the round failed, whatever else it did."""

    pushed: int = 0
    set_aside: int = 0
    failed: int = 0
    attachments_uploaded: int = 0
    pulled: int = 0
    started_over: bool = False
    problem: SyncProblem | None = None
    retry_after: float | None = None
    offline: bool = False  # the server could not be reached at all
    transient: bool = False  # the problem goes away by itself (network, busy server)

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class AgentStatus:
    """The store's truth plus what only the agent knows (is a round running, when is the next)."""

    store: SyncStatus | None
    running: bool = False
    online: bool | None = (
        None  # None: not tried since start; False: the last round could not reach the server
    )
    next_round_at: datetime | None = None


class SyncAgent:
    def __init__(
        self,
        home: str | Path,
        dek: DataKey,
        *,
        client: httpx.Client | None = None,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        batch_limit: int = MAX_BATCH_OPERATIONS,
        attachment_budget_seconds: float = 60.0,
        on_status: Callable[[AgentStatus], None] | None = None,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.paths = StationPaths.of(home)
        self._dek = dek
        self._client = client  # given (tests: TestClient) or made per thread from meta
        self.interval = interval
        self.batch_limit = batch_limit  # smaller batches for a very slow link (and for tests)
        self.attachment_budget_seconds = attachment_budget_seconds
        self._on_status = on_status
        self._rand = rand
        self._clock = clock  # this PC's clock, as wrong as it is (tests set it)
        self._local = threading.local()
        self._round_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._status = AgentStatus(store=None)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0

    # ── public API ──────────────────────────────────────────────────────────────────

    def status(self) -> AgentStatus:
        with self._state_lock:
            return self._status

    def run_once(self) -> RoundReport:
        """One full round in the calling thread: push, upload scans, push what they freed, pull."""
        db = self._db()
        with self._round_lock:
            self._set(running=True)
            try:
                report = self._round(db)
            finally:
                self._publish(db, running=False)
        return report

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="sync-agent", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run a round now: new work was written, or the link is back."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.close()

    def close(self) -> None:
        """Close this thread's connection and client (the agent thread closes its own on exit)."""
        db: Database | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is not None:
            client.close()
            self._local.client = None

    # ── the loop ────────────────────────────────────────────────────────────────────

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    report = self.run_once()
                except Exception:  # the store itself failed to open or answer: keep trying, slowly
                    log.exception("sync round could not run")
                    self.close()  # a fresh connection next time
                    report = RoundReport(problem=SyncProblem("internal_error", MSG_INTERNAL, _now()))
                self._failures = 0 if report.ok else self._failures + 1
                delay = (
                    self.interval
                    if report.ok
                    else outbox_rules.backoff_delay(
                        self._failures, retry_after=report.retry_after, rand=self._rand
                    )
                )
                self._set(next_round_at=datetime.fromtimestamp(time.time() + delay, UTC))
                if self._wake.wait(delay):
                    self._wake.clear()
                    self._failures = 0  # woken for a reason: try at once, then back off afresh
        finally:
            self.close()

    # ── one round ───────────────────────────────────────────────────────────────────

    def _round(self, db: Database) -> RoundReport:
        report = RoundReport()
        transport: Transport | None = None
        try:
            transport = self._transport(db)
            report = self._work(db, transport)
        except SyncError as exc:
            report = self._failed(report, exc)
        except Exception:  # the agent must outlive a bug: log it, report it, retry later
            log.exception("sync round failed")
            report = replace(report, problem=SyncProblem("internal_error", MSG_INTERNAL, _now()))
        if transport is not None and transport.clock_offset != float(
            meta.get(db, meta.CLOCK_OFFSET_SECONDS) or 0
        ):
            meta.put(db, meta.CLOCK_OFFSET_SECONDS, f"{transport.clock_offset:.0f}")  # learnt this round
        record_round(db, error=report.problem)
        self._set(online=not report.offline)
        return report

    def _work(self, db: Database, transport: Transport) -> RoundReport:
        pushed = push.push_all(db, self._dek, transport, limit=self.batch_limit)
        scans = attachments.upload_all(
            db, self._dek, transport, budget_seconds=self.attachment_budget_seconds
        )
        if scans.uploaded:  # cases that waited for those scans
            pushed.add(push.push_all(db, self._dek, transport, limit=self.batch_limit))
        pulled = pull.pull_all(db, self._dek, transport)
        restored = self._server_restored(db, transport, pulled.station_last_seq, pushed)
        server_restore.purge(db, _now())
        self._document_certificate(db, transport)
        report = RoundReport(
            pushed=pushed.done,
            set_aside=pushed.set_aside,
            failed=pushed.failed,
            attachments_uploaded=scans.uploaded,
            pulled=pulled.changes,
            started_over=pulled.started_over,
        )
        if scans.error is not None:
            return self._failed(report, scans.error)
        if restored is not None and restored.lost:
            return replace(report, problem=SyncProblem("server_lost_operations", restored.message, _now()))
        if pulled.digest_problem:
            return replace(report, problem=SyncProblem("digest_mismatch", pull.MSG_DIGEST, _now()))
        return report

    def _server_restored(
        self, db: Database, transport: Transport, server_last_seq: int | None, pushed: push.PushReport
    ) -> server_restore.CaughtUp | None:
        """A server restored from a backup lacks what it acknowledged: send it again now."""
        if server_last_seq is None:
            return None
        caught = server_restore.catch_up(db, server_last_seq, _now())
        if caught is not None and caught.resent:
            pushed.add(push.push_all(db, self._dek, transport, limit=self.batch_limit))
        return caught

    def _document_certificate(self, db: Database, transport: Transport) -> None:
        """The PDF receipts' certificate, when the station has none or it nears its end; a
        refusal is logged and asked again next round (receipts print unsigned meanwhile)."""
        now = datetime.fromtimestamp(self._clock(), UTC)
        try:
            pdf_signing.renew_if_due(db, self._dek, transport.document_certificate, now=now)
        except (SyncError, ValueError) as exc:
            log.warning("document certificate not renewed: %s", exc)

    def _push(self, db: Database, transport: Transport) -> push.PushReport:
        def station_clock() -> datetime:
            return datetime.fromtimestamp(self._clock(), UTC)

        return push.push_all(db, self._dek, transport, limit=self.batch_limit, station_clock=station_clock)

    def _failed(self, report: RoundReport, exc: SyncError) -> RoundReport:
        transient = isinstance(exc, TransientError)
        return replace(
            report,
            problem=SyncProblem(exc.code, exc.message, _now()),
            retry_after=exc.retry_after if isinstance(exc, TransientError) else None,
            offline=transient and exc.code in OFFLINE_CODES,
            transient=transient,
        )

    def _transport(self, db: Database) -> Transport:
        station_id = meta.station_id(db)
        raw_key = keys.get_secret(db, self._dek, station_key.SECRET_NAME)
        server_url = meta.get(db, meta.SERVER_URL)
        if station_id is None or raw_key is None or (server_url is None and self._client is None):
            raise SyncError("station_not_enrolled", MSG_NOT_ENROLLED)
        client = self._client or self._thread_client(server_url or "")
        return Transport(
            client,
            station_id=station_id,
            signing_key=station_key.from_private_bytes(raw_key),
            clock_offset=float(meta.get(db, meta.CLOCK_OFFSET_SECONDS) or 0),
            clock=self._clock,
        )

    def _thread_client(self, server_url: str) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = make_client(server_url, self.paths.ca)
            self._local.client = client
        return client

    # ── per-thread connection and the status snapshot ──────────────────────────────

    def _db(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            db = open_store(self.paths.home, create=False)
            self._local.db = db
        return db

    def _set(self, **changes: object) -> None:
        with self._state_lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]

    def _publish(self, db: Database, *, running: bool) -> None:
        self._set(store=read_status(db), running=running)
        if self._on_status is not None:
            try:
                self._on_status(self.status())
            except Exception:
                log.exception("on_status callback failed")


def _now() -> datetime:
    return datetime.now(UTC)
