"""City sync server."""
