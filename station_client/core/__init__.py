"""Pure rules of the station: no SQLite, no HTTP, no clock (callers pass ``today``/``now``)."""
