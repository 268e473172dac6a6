"""``python -m station_client``: the same as ``station-client`` (no command opens the window)."""

from station_client.cli import main

if __name__ == "__main__":
    main()
