"""Station desktop client."""
