"""One module per ``sync-server`` command group."""
