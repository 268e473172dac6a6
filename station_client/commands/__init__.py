"""One module per ``station-client`` command (registered in :data:`station_client.cli.COMMANDS`).

``common`` holds what they share: the ``--home`` option, error handling (a Chinese
message and exit status 1, never a traceback), passwords from ``SSB_PASSWORD`` or a
prompt, and opening a clerk's session.
"""
