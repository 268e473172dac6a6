"""Storage: the SQLAlchemy tables, engines for SQLite and PostgreSQL, and migrations."""
