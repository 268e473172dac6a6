"""Administration: stations, staff and the reference data 综合业务科 publishes.

stations          registering stations, one-time enrolment codes, revoking
enrolment         a station trades its code for a bound public key
staff             accounts issued centrally with a role; passwords, roles, disabling
station_overview  what 综合业务科 sees of each station (last push and pull, backlog)
reference         catalog, rate book and divisions published to stations
holidays          official holiday schedules; provisional due dates recounted
station_contact   a station's phone and address, sent to that station for its documents
staff_names       usernames shown as people's names (系统 for the system)
station_keys      every key a station has held and when it ended; sent to every station
document_ca       the document CA (data dir) and the certificates it issues for PDF receipts
audit_anchor      signed checkpoints of the audit chain: key and log in the data dir, sent to stations
"""
