"""Benchmarks with their method and figures (``python -m bench.<name>``)."""
