"""The shared contract between the station client and the city sync server.

Everything here is pure: pydantic models, reference data shipped with the package, and
plain functions over them. No module performs I/O at import time; data files are read
lazily (and cached) by the loader functions that need them. Nothing here imports
``station_client`` or ``sync_server``.
"""
