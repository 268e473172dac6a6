"""Services: each a set of functions over a database connection, called by the API and the CLI.

A service takes a ``Connection`` inside the caller's transaction (or the ``Database`` when
it runs several), calls the pure rules of ``sync_server.core`` and writes the case event,
the station's feed change and the audit entry of a state change in the same transaction.

Stations and staff
    stations          registering stations, one-time enrolment codes, revoking
    enrolment         a station trades its code for a bound public key
    staff             accounts issued centrally with a role; passwords, roles, disabling
    station_overview  what 综合业务科 sees of each station (last push and pull, backlog)
    start_over        ordering a station to drop its downloaded data and pull again
    throttle          failure counters with lockout, shared by every server process
    rate_limit        the per-station request rate limit
    station_auth      a signing station's key, its rate limit and its nonces (for api.auth)
    web_sessions      console logins and sessions

Push (docs/server.md "Push: exactly once")
    ingest            one batch exactly once, in one transaction: load, apply (the pure
                      core, ``sync_server.core.ingest``), write
    registry_updates  loading and storing the registry slice a push reads and writes
    case_moves        writing a case's move (``core.case_moved``): events, feed, audit
    conflicts         conflict cases: both versions side by side, and their resolution
    conflict_money    moving a conflict case's desk money out of suspense on resolution
    bulk              many rows in one round trip (COPY on PostgreSQL)
    attachments       scans on their own resumable path, by SHA-256

Pull
    feed              writing the commit-ordered feed (``changes``)
    pull              reading it after a station's cursor
    snapshot          a station's first download, read from the tables
    case_records      feed changes saying where a station's cases stand
    digest            what a station should hold, as a digest
    reference         catalog, rate book and divisions published to stations
    holidays          official holiday schedules; provisional due dates recounted

Review and supervision (docs/console.md)
    review            claim and decide             review_chief   reassign, release, re-route
    review_queue      the section queue and its workload
    case_view         everything the case page shows
    dashboard         the supervisors' figures     clearing       the county clearing report

Demo data
    seed              ``seed-demo``: stations, staff and a synthetic registry
    seed_registry     the synthetic, deterministic Leshan registry

Audit
    audit             appending to and verifying the hash-chained audit log
"""
