"""Records: a person's slice of the one database (一库), read and changed (docs/server.md).

load              one person's or many persons' records, one query per table
write             the typed record changes (schema.record_changes) applied in the caller's transaction
person_view       what ``person show`` and the console person page show, masked for the reader
unit_view         what ``unit show`` shows: the unit, its employees' enrolments, its status
"""
