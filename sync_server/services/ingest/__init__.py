"""Ingest: a station's batch taken exactly once, and its scans.

push              one batch exactly once, in one transaction: load, apply (the pure
                  core, ``sync_server.core.ingest``), write
registry_updates  loading and storing the registry slice a push reads and writes
record_effects    general items' effects on the records (cards, accounts) written with the push
township_news     the persons a push tells their townships of, whole, from its own slice
attachments       scans on their own resumable path, by SHA-256
"""
