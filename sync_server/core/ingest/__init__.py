"""Applying a push's new operations: the pure core of ``services.ingest``.

``services.ingest`` is the only module that talks to the database for a push: it loads
(the station's row lock, stored operations, the cases and the :class:`RegistrySlice`
the batch names), calls this package, and writes what it produced with one statement
per table. Nothing here imports a database driver (``tests/server/test_ingest_core.py``).

    context         the station, clocks and reference data every operation shares
    case            a case as a push holds it, typed; a ``cases`` row only at the SQL edge
    registry_slice  the persons, enrolments, units and staff accounts the batch needs
    batch           the batch's state and the rows piling up (``Outputs``)
    dispatch        one handler per operation kind
    accept          ``case_accept``
    followups       补正, 撤回 and 交付 of a case the server already holds
    staff           ``staff_password``: a clerk's password changed at the station
    daily_close     ``daily_close``: a station's 日结, one per station, day and part

A case's move (events, its station's feed change, the audit item) is built by
:func:`sync_server.core.case_moved.case_moved`, as the console's review and conflict
resolution build theirs; conflict-case money is :mod:`sync_server.core.suspense`.
"""
