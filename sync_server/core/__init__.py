"""The functional core of the server: plain functions over schema models, no I/O."""
