"""Services: each a set of functions over a database connection, called by the API and the CLI."""
