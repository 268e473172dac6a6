"""The HTTP layer: thin routes over the services. ``create_app`` builds the application."""
