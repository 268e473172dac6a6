"""Services: each a set of functions over a database connection, called by the API and the CLI.

A service takes a ``Connection`` inside the caller's transaction (or the ``Database`` when
it runs several), calls the pure rules of ``sync_server.core`` and writes the case event,
the station's feed change and the audit entry of a state change in the same transaction.
Services are grouped by capability; each group's ``__init__`` lists its modules.

    ingest            a station's batch exactly once, its registry slice, its scans
    feed              the commit-ordered feed, pulls, snapshots, digests, start-over
    review            claim and decide, chiefs, the queue, the case page, conflicts
    admin             stations, enrolment, staff, reference data, holiday schedules
    access            console sessions, throttling, rate limits, station signatures
    reports           the supervisors' dashboard and the county clearing report
    records           a person's records in the one database: load, write, person and unit views
    fraud             other departments' files, the anti-fraud checks, the 稽核 cases
    finance           the fund's monthly automations: collection plan and arrears (征缴计划、欠费)
    public            citizens' look-ups: document verification, 办理进度查询, their rate limits
    audit             appending to and verifying the hash-chained audit log
    bulk              many rows in one round trip (COPY on PostgreSQL)
    backup            ``sync-server backup``: SQLite online backup, pg_dump on PostgreSQL

Demo data lives apart, in ``sync_server.demo``.
"""
